"""Test fakes shared across the test suite (fake Telegram Bot API server, ...)."""

from .telegram_api import (
    ApiError,
    CallRecord,
    ErrorRecord,
    FakeChat,
    FakeFile,
    FakeTelegram,
    ForumTopic,
    RateLimits,
    SentRecord,
)

__all__ = [
    "ApiError",
    "CallRecord",
    "ErrorRecord",
    "FakeChat",
    "FakeFile",
    "FakeTelegram",
    "ForumTopic",
    "RateLimits",
    "SentRecord",
]
