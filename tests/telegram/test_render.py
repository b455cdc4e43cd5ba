"""Text rendering for the Bot API: splitting, control characters, error mapping."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.error import RetryAfter as TgRetryAfter

from bot.channels.base import Rejected, RetryAfter, Transient, Unreachable
from bot.channels.telegram.render import clean, map_error, split_text, utf16_len


def test_long_text_is_split_under_the_limit_at_line_breaks() -> None:
    text = "\n".join(f"第{i}行：" + "漏水" * 40 for i in range(200))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_emoji_count_as_two_units_when_splitting() -> None:
    parts = split_text("😀" * 3000)
    assert all(utf16_len(p) <= 4096 for p in parts) and len(parts) == 2


def test_control_characters_are_removed_and_empty_text_gets_a_placeholder() -> None:
    assert clean("a\x00b\x1bc\nd") == "abc\nd"
    assert split_text("\x00\x07 ") == ["…"]


def test_bot_api_errors_map_to_what_the_sender_should_do(monkeypatch: object) -> None:
    assert isinstance(map_error(Forbidden("Forbidden: bot was blocked by the user")), Unreachable)
    assert isinstance(map_error(BadRequest("Chat not found")), Unreachable)
    assert isinstance(map_error(BadRequest("Can't parse entities")), Rejected)
    assert isinstance(map_error(TimedOut()), Transient)
    assert isinstance(map_error(NetworkError("Bad Gateway")), Transient)
    mapped = map_error(TgRetryAfter(7))
    assert isinstance(mapped, RetryAfter) and mapped.seconds == 7
