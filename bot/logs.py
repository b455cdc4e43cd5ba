"""Logging set-up: one line per event, phone/ID numbers masked, tokens never printed."""

from __future__ import annotations

import json
import logging
import re
import sys

_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")


def mask(text: str) -> str:
    """Mask mainland mobile numbers, resident ID numbers and bot tokens in free text."""
    text = _TOKEN.sub("<token>", text)
    text = _ID_CARD.sub(r"\1********\2", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message so nothing sensitive reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (it may be swapped, e.g. under test)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup_logging(level: str = "INFO", json_lines: bool = False) -> None:
    handler = StderrHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL, and Bot API URLs carry the token.
    # Alembic narrates every start; storage.db logs the migrations actually applied.
    for noisy in ("httpx", "httpcore", "telegram.ext", "jieba", "aiosqlite", "apscheduler",
                  "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def quiet_for_chat() -> None:
    """`anju chat`: the conversation owns the terminal. Only warnings reach the console, and
    what the staff desk receives is shown as a plain, marked line (masked like every log)."""
    logging.getLogger().setLevel(logging.WARNING)
    staff = logging.getLogger("anju.staff")
    handler = StderrHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("  〔客服台〕%(message)s"))
    staff.handlers[:] = [handler]
    staff.setLevel(logging.INFO)
    staff.propagate = False

