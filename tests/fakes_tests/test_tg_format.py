"""Unit tests for the Telegram markup parsers of the fake server."""

from __future__ import annotations

import pytest

from tests.fakes.tg_format import (
    EntityParseError,
    UnsupportedParseModeError,
    detect_entities,
    parse_formatted,
    utf16_len,
)


def test_utf16_len_counts_surrogate_pairs() -> None:
    assert utf16_len("安居") == 2
    assert utf16_len("🏠") == 2
    assert utf16_len("a🏠b") == 4


def test_html_entities_and_offsets_in_utf16() -> None:
    parsed = parse_formatted("🏠 <b>安居</b> &lt;ok&gt; &amp; &#20320;", "HTML")
    assert parsed.text == "🏠 安居 <ok> & 你"
    assert parsed.entities == [{"offset": 3, "length": 2, "type": "bold"}]


@pytest.mark.parametrize(
    ("markup", "entity"),
    [
        ("<i>x</i>", {"type": "italic"}),
        ("<em>x</em>", {"type": "italic"}),
        ("<u>x</u>", {"type": "underline"}),
        ("<ins>x</ins>", {"type": "underline"}),
        ("<s>x</s>", {"type": "strikethrough"}),
        ("<strike>x</strike>", {"type": "strikethrough"}),
        ("<del>x</del>", {"type": "strikethrough"}),
        ('<span class="tg-spoiler">x</span>', {"type": "spoiler"}),
        ("<tg-spoiler>x</tg-spoiler>", {"type": "spoiler"}),
        ('<a href="https://example.com/?a=1&amp;b=2">x</a>', {"type": "text_link"}),
        ("<code>x</code>", {"type": "code"}),
        ("<pre>x</pre>", {"type": "pre"}),
        ('<pre><code class="language-python">x</code></pre>', {"type": "pre"}),
        ("<blockquote>x</blockquote>", {"type": "blockquote"}),
        ("<blockquote expandable>x</blockquote>", {"type": "expandable_blockquote"}),
        ('<tg-emoji emoji-id="5368324170671202286">x</tg-emoji>', {"type": "custom_emoji"}),
    ],
)
def test_html_supported_tags(markup: str, entity: dict[str, str]) -> None:
    parsed = parse_formatted(markup, "HTML")
    assert parsed.text == "x"
    assert len(parsed.entities) == 1
    assert parsed.entities[0]["type"] == entity["type"]


def test_html_link_and_pre_language_arguments() -> None:
    link = parse_formatted('<a href="https://example.com/?a=1&amp;b=2">x</a>', "HTML")
    assert link.entities[0]["url"] == "https://example.com/?a=1&b=2"
    pre = parse_formatted('<pre><code class="language-python">x</code></pre>', "HTML")
    assert pre.entities == [{"offset": 0, "length": 1, "type": "pre", "language": "python"}]


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("Tom & Jerry", "unescaped '&'"),
        ("&unknown; x", "unescaped '&'"),
        ("安<x>", 'Unsupported start tag "x" at byte offset 3'),
    ],
)
def test_html_errors(markup: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_formatted(markup, "HTML")
    assert fragment in str(info.value)


def test_html_bare_ampersand_allowed_in_lenient_mode() -> None:
    parsed = parse_formatted("Tom & Jerry", "HTML", strict_ampersand=False)
    assert parsed.text == "Tom & Jerry"


def test_markdown_v2_entities() -> None:
    parsed = parse_formatted(
        "*bold* _it_ __u__ ~s~ ||sp|| `c` [link](https://e.com/a\\)b) 1\\.5", "MarkdownV2"
    )
    assert parsed.text == "bold it u s sp c link 1.5"
    types = [e["type"] for e in parsed.entities]
    assert types == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert parsed.entities[-1]["url"] == "https://e.com/a)b"


def test_markdown_v2_pre_with_language_and_blockquote() -> None:
    parsed = parse_formatted("```python\nprint(1)\n```", "MarkdownV2")
    assert parsed.text == "print(1)"
    assert parsed.entities[0]["type"] == "pre"
    assert parsed.entities[0]["language"] == "python"
    quote = parse_formatted(">line one\n>line two\nafter", "MarkdownV2")
    assert quote.text == "line one\nline two\nafter"
    assert quote.entities == [{"type": "blockquote", "offset": 0, "length": 17}]


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("Price: 1.5", "Character '.' is reserved"),
        ("Call +86 123", "Character '+' is reserved"),
        ("a-b", "Character '-' is reserved"),
        ("(x)", "Character '(' is reserved"),
        ("wow!", "Character '!' is reserved"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("x _it", "Can't find end of Italic entity at byte offset 2"),
        ("[a](http://x", "Can't find end of a URL"),
    ],
)
def test_markdown_v2_errors(markup: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_formatted(markup, "MarkdownV2")
    assert fragment in str(info.value)


def test_markdown_v2_code_only_reserves_backtick() -> None:
    parsed = parse_formatted("`a.b-c!`", "MarkdownV2")
    assert parsed.text == "a.b-c!"


def test_legacy_markdown() -> None:
    parsed = parse_formatted("*b* _i_ `c` [t](http://x.y) 1.5!", "Markdown")
    assert parsed.text == "b i c t 1.5!"
    with pytest.raises(EntityParseError, match="Can't find end of the entity"):
        parse_formatted("snake_case", "Markdown")


def test_unsupported_parse_mode() -> None:
    with pytest.raises(UnsupportedParseModeError):
        parse_formatted("x", "BBCode")


def test_trimming_shifts_entities() -> None:
    parsed = parse_formatted("  <b>x</b>  ", "HTML")
    assert parsed.text == "x"
    assert parsed.entities == [{"offset": 0, "length": 1, "type": "bold"}]


def test_detect_entities_for_incoming_text() -> None:
    found = detect_entities("/start@anju_test_bot hi @someone see https://a.b/c #tag")
    kinds = [e["type"] for e in found]
    assert kinds == ["bot_command", "mention", "url", "hashtag"]
    assert found[0] == {"type": "bot_command", "offset": 0, "length": 20}
    assert detect_entities("1/2 and a/b") == []
