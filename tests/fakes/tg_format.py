"""Telegram text-formatting parsers used by the fake Bot API server.

These mirror what the real server (tdlib, ``td/telegram/MessageEntity.cpp``) does with
``parse_mode``: the markup is stripped, the visible text is returned together with
``MessageEntity`` dicts whose offsets/lengths are counted in UTF-16 code units, and
malformed markup raises :class:`EntityParseError` whose message is what Telegram puts after
``"Bad Request: can't parse entities: "``.

Deliberate difference from Telegram (see ``strict_ampersand``): real Telegram keeps a bare
``&`` that does not start a known HTML entity as a literal character, although the Bot API
documentation says every ``&`` must be escaped. By default the fake rejects it, because a bare
``&`` in HTML mode almost always means user input was not passed through ``html.escape``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "ParsedText",
    "UnsupportedParseModeError",
    "detect_entities",
    "parse_formatted",
    "utf16_len",
]

# Whitespace as understood by tdlib's ``is_space`` (``\0`` marks "end of input" here).
_SPACES = frozenset(" \t\r\n\0\v\f")
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


class EntityParseError(ValueError):
    """Markup could not be parsed; ``str(exc)`` is Telegram's detail text."""


class UnsupportedParseModeError(ValueError):
    """``parse_mode`` is not one of HTML / MarkdownV2 / Markdown."""


@dataclass
class ParsedText:
    """Visible text plus the entities Telegram would attach to the message."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures text)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Cursor:
    """Gives C-string semantics: reading past the end yields ``\\0``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def at(self, i: int) -> str:
        return self.text[i] if 0 <= i < self.n else "\0"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode an entity starting at ``text[i] == '&'``; returns (char, consumed) or None."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None
    body = text[i + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end - i + 1
    code: int | None = None
    if re.fullmatch(r"#[0-9]{1,7}", body):
        code = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", body):
        code = int(body[2:], 16)
    if code is None or code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end - i + 1


def _decode_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i += decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_index: int
    language: str | None = None
    expandable: bool = False


def _parse_html(source: str, *, strict_ampersand: bool) -> ParsedText:
    cur = _Cursor(source)
    out: list[str] = []
    u16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < cur.n:
        c = source[i]
        if c == "&":
            decoded = _decode_html_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                u16 += utf16_len(decoded[0])
                i += decoded[1]
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Unsupported HTML entity or unescaped '&' at byte offset "
                    f"{_byte_offset(source, i)}; use &amp;"
                )
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue

        begin = i
        begin_byte = _byte_offset(source, begin)
        i += 1
        if cur.at(i) != "/":
            # Start tag.
            while cur.at(i) not in _SPACES and cur.at(i) != ">":
                i += 1
            if cur.at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
            tag = source[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin_byte}')
            argument = ""
            expandable = False
            while cur.at(i) != ">":
                while cur.at(i) != "\0" and cur.at(i) in _SPACES:
                    i += 1
                if cur.at(i) == ">":
                    break
                if cur.at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {begin_byte}'
                    )
                attr_begin = i
                while cur.at(i) not in _SPACES and cur.at(i) not in "=>":
                    i += 1
                attr_name = source[attr_begin:i].lower()
                if not attr_name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin_byte}'
                    )
                while cur.at(i) != "\0" and cur.at(i) in _SPACES:
                    i += 1
                if cur.at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        expandable = True
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin_byte}'
                    )
                i += 1
                while cur.at(i) != "\0" and cur.at(i) in _SPACES:
                    i += 1
                if cur.at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {begin_byte}'
                    )
                if cur.at(i) not in "'\"":
                    token_begin = i
                    while cur.at(i).isalnum() or cur.at(i) in ".-":
                        i += 1
                    value = source[token_begin:i].lower()
                    if cur.at(i) not in _SPACES and cur.at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {_byte_offset(source, i)}"
                        )
                else:
                    quote = source[i]
                    i += 1
                    value_end = source.find(quote, i)
                    if value_end == -1:
                        raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
                    value = _decode_attribute(source[i:value_end])
                    i = value_end + 1
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr_name == "expandable":
                    expandable = True
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin_byte}'
                )
            if tag == "tg-emoji" and not argument.isdigit():
                raise EntityParseError("Invalid custom emoji identifier specified")
            stack.append(_OpenTag(tag, argument, u16, len(out), expandable=expandable))
            i += 1  # skip '>'
            continue

        # End tag.
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin_byte}")
        i += 1
        name_begin = i
        while cur.at(i) not in _SPACES and cur.at(i) != ">":
            i += 1
        end_name = source[name_begin:i].lower()
        while cur.at(i) != "\0" and cur.at(i) in _SPACES:
            i += 1
        if cur.at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {begin_byte}")
        i += 1
        open_tag = stack.pop()
        if end_name and end_name != open_tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin_byte}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        length = u16 - open_tag.utf16_offset
        if length <= 0:
            continue
        entity: dict[str, Any] = {"offset": open_tag.utf16_offset, "length": length}
        name = open_tag.name
        if name in _SIMPLE_HTML_TYPES:
            entity["type"] = _SIMPLE_HTML_TYPES[name]
        elif name == "a":
            url = open_tag.argument or "".join(out[open_tag.text_index :])
            if url.startswith("tg://user?id="):
                entity["type"] = "text_mention"
                entity["user"] = {
                    "id": int(url.split("=", 1)[1] or 0),
                    "is_bot": False,
                    "first_name": "",
                }
            else:
                entity["type"] = "text_link"
                entity["url"] = url
        elif name == "code":
            parent = stack[-1] if stack else None
            if (
                parent is not None
                and parent.name == "pre"
                and parent.utf16_offset == open_tag.utf16_offset
                and open_tag.argument
            ):
                # <pre><code class="language-x">…</code></pre> becomes one pre entity.
                parent.language = open_tag.argument
                continue
            entity["type"] = "code"
        elif name == "pre":
            entity["type"] = "pre"
            if open_tag.language:
                entity["language"] = open_tag.language
        elif name == "blockquote":
            entity["type"] = "expandable_blockquote" if open_tag.expandable else "blockquote"
        elif name == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = open_tag.argument
        entities.append(entity)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return ParsedText("".join(out), entities)


# --------------------------------------------------------------------------------------------
# MarkdownV2
# --------------------------------------------------------------------------------------------

_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdEntity:
    kind: str
    argument: str
    utf16_offset: int
    byte_offset: int
    text_index: int


def _skip_pre_newline(cur: _Cursor, i: int) -> int:
    if cur.at(i) in "\r\n":
        if cur.at(i + 1) in "\r\n" and cur.at(i) != cur.at(i + 1):
            return i + 2
        return i + 1
    return i


def _parse_markdown_v2(source: str) -> ParsedText:
    cur = _Cursor(source)
    out: list[str] = []
    u16 = 0
    stack: list[_MdEntity] = []
    entities: list[dict[str, Any]] = []
    quote_start: int | None = None  # utf16 offset of the open blockquote
    quote_expandable = False
    quote_last_line_end = 0  # utf16 offset of the end of the last quoted line
    i = 0

    def close_quote(end_u16: int) -> None:
        nonlocal quote_start
        if quote_start is not None and end_u16 > quote_start:
            entities.append(
                {
                    "type": "expandable_blockquote" if quote_expandable else "blockquote",
                    "offset": quote_start,
                    "length": end_u16 - quote_start,
                }
            )
        quote_start = None

    while i < cur.n:
        c = source[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre", "pre_code")
        at_line_start = i == 0 or source[i - 1] == "\n"
        if at_line_start and not in_code:
            if c == ">" or source.startswith("**>", i):
                if quote_start is None:
                    quote_start = u16
                    quote_expandable = c == "*"
                i += 1 if c == ">" else 3
                continue
            if quote_start is not None:
                close_quote(quote_last_line_end)
        if c == "\n" and quote_start is not None:
            quote_last_line_end = u16
        if c == "\\" and "\0" < cur.at(i + 1) <= "~":
            out.append(source[i + 1])
            u16 += 1
            i += 2
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue

        is_end = False
        if stack:
            kind = stack[-1].kind
            nxt = cur.at(i + 1)
            if kind == "bold":
                is_end = c == "*"
            elif kind == "italic":
                is_end = c == "_" and nxt != "_"
            elif kind == "code":
                is_end = c == "`"
            elif kind in ("pre", "pre_code"):
                is_end = c == "`" and nxt == "`" and cur.at(i + 2) == "`"
            elif kind in ("text_link", "custom_emoji"):
                is_end = c == "]"
            elif kind == "underline":
                is_end = c == "_" and nxt == "_"
            elif kind == "strikethrough":
                is_end = c == "~"
            elif kind == "spoiler":
                is_end = c == "|" and nxt == "|"

        if not is_end:
            # "||" closing an expandable blockquote at the end of a line.
            if (
                c == "|"
                and cur.at(i + 1) == "|"
                and quote_start is not None
                and quote_expandable
                and cur.at(i + 2) in "\n\0"
            ):
                i += 2
                continue
            byte_offset = _byte_offset(source, i)
            argument = ""
            if c == "_":
                if cur.at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|" and cur.at(i + 1) == "|":
                kind = "spoiler"
                i += 1
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if cur.at(i + 1) == "`" and cur.at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    lang_end = i
                    while cur.at(lang_end) not in _SPACES and cur.at(lang_end) != "`":
                        lang_end += 1
                    if i != lang_end and lang_end < cur.n and cur.at(lang_end) != "`":
                        kind = "pre_code"
                        argument = source[i:lang_end]
                        i = lang_end
                    i = _skip_pre_newline(cur, i) - 1
                else:
                    kind = "code"
            elif c == "!" and cur.at(i + 1) == "[":
                kind = "custom_emoji"
                i += 1
            else:
                raise EntityParseError(
                    f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
                )
            stack.append(_MdEntity(kind, argument, u16, byte_offset, len(out)))
            i += 1
            continue

        # End of an entity.
        top = stack.pop()
        skip = u16 == top.utf16_offset
        entity: dict[str, Any] = {"offset": top.utf16_offset, "length": u16 - top.utf16_offset}
        if top.kind in ("underline", "spoiler"):
            i += 1
        elif top.kind in ("pre", "pre_code"):
            i += 2
        elif top.kind == "text_link":
            if cur.at(i + 1) != "(":
                url = "".join(out[top.text_index :])
            else:
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < cur.n and source[i] != ")":
                    if source[i] == "\\" and "\0" < cur.at(i + 1) <= "~":
                        url_chars.append(source[i + 1])
                        i += 2
                        continue
                    url_chars.append(source[i])
                    i += 1
                if cur.at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, url_begin)}"
                    )
                url = "".join(url_chars)
            entity["url"] = url
        elif top.kind == "custom_emoji":
            if cur.at(i + 1) != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_end = source.find(")", i)
            if url_end == -1:
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {_byte_offset(source, i)}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", source[i:url_end])
            if match is None:
                raise EntityParseError("Custom emoji URL must have an emoji identifier")
            entity["custom_emoji_id"] = match.group(1)
            i = url_end
        i += 1
        if skip:
            continue
        if top.kind == "pre_code":
            entity["type"] = "pre"
            entity["language"] = top.argument
        elif top.kind == "text_link" and entity["url"].startswith("tg://user?id="):
            entity["type"] = "text_mention"
            entity["user"] = {
                "id": int(entity.pop("url").split("=", 1)[1] or 0),
                "is_bot": False,
                "first_name": "",
            }
        else:
            entity["type"] = top.kind
        entities.append(entity)

    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[top.kind]} entity at byte offset "
            f"{top.byte_offset}"
        )
    close_quote(u16)
    return ParsedText("".join(out), entities)


# --------------------------------------------------------------------------------------------
# Legacy Markdown
# --------------------------------------------------------------------------------------------


def _parse_markdown(source: str) -> ParsedText:
    cur = _Cursor(source)
    out: list[str] = []
    u16 = 0
    entities: list[dict[str, Any]] = []
    i = 0
    while i < cur.n:
        c = source[i]
        if c == "\\" and cur.at(i + 1) in "_*`[":
            out.append(source[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and cur.at(i) == "`" and cur.at(i + 1) == "`":
            i += 2
            is_pre = True
            lang_end = i
            while cur.at(lang_end) not in _SPACES and cur.at(lang_end) != "`":
                lang_end += 1
            if i != lang_end and lang_end < cur.n and cur.at(lang_end) != "`":
                language = source[i:lang_end]
                i = lang_end
            i = _skip_pre_newline(cur, i)
        entity_offset = u16
        entity_index = len(out)
        while i < cur.n and (
            source[i] != end_char or (is_pre and not (cur.at(i + 1) == "`" == cur.at(i + 2)))
        ):
            out.append(source[i])
            u16 += utf16_len(source[i])
            i += 1
        if i >= cur.n:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        if u16 != entity_offset:
            entity: dict[str, Any] = {"offset": entity_offset, "length": u16 - entity_offset}
            if c == "_":
                entity["type"] = "italic"
            elif c == "*":
                entity["type"] = "bold"
            elif c == "[":
                if cur.at(i + 1) != "(":
                    url = "".join(out[entity_index:])
                else:
                    i += 2
                    url_begin = i
                    while i < cur.n and source[i] != ")":
                        i += 1
                    url = source[url_begin:i]
                entity["type"] = "text_link"
                entity["url"] = url
            elif is_pre:
                entity["type"] = "pre"
                if language:
                    entity["language"] = language
            else:
                entity["type"] = "code"
            entities.append(entity)
        if is_pre:
            i += 2
        i += 1
    return ParsedText("".join(out), entities)


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


def _trim(parsed: ParsedText) -> ParsedText:
    """Strip surrounding whitespace like Telegram does and fix entity offsets."""
    text = parsed.text
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(result, entities)


def parse_formatted(
    text: str,
    parse_mode: str | None,
    *,
    entities: list[dict[str, Any]] | None = None,
    strict_ampersand: bool = True,
) -> ParsedText:
    """Parse ``text`` like Telegram does for sendMessage/captions.

    Raises:
        EntityParseError: markup is malformed (Telegram: "can't parse entities: ...").
        UnsupportedParseModeError: unknown ``parse_mode``.
    """
    if entities is not None:
        return _trim(ParsedText(text, [dict(e) for e in entities]))
    mode = (parse_mode or "").lower()
    if not mode:
        parsed = ParsedText(text, [])
    elif mode == "html":
        parsed = _parse_html(text, strict_ampersand=strict_ampersand)
    elif mode == "markdownv2":
        parsed = _parse_markdown_v2(text)
    elif mode == "markdown":
        parsed = _parse_markdown(text)
    else:
        raise UnsupportedParseModeError(parse_mode)
    return _trim(parsed)


_AUTO_ENTITY_RE = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])"
    r"|(?P<url>https?://[^\s<>\"]+)"
    r"|(?P<email>[\w.+-]+@[\w-]+\.[\w.-]+\w)"
    r"|(?P<mention>(?<!\w)@[A-Za-z0-9_]{4,32})"
    r"|(?P<hashtag>(?<!\w)#\w+)"
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram auto-detects in user-written text (bot_command, url, email, ...)."""
    found: list[dict[str, Any]] = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        found.append(
            {
                "type": kind,
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return found
