"""The architecture rules that keep the flows channel-neutral."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

FORBIDDEN_IN_HANDLERS = ("telegram", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_handlers_never_import_telegram_or_aiohttp() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_HANDLERS
        )
        for path in (ROOT / "handlers").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_storage_and_nlp_know_nothing_of_channels() -> None:
    for package in ("storage", "nlp"):
        for path in (ROOT / package).rglob("*.py"):
            bad = [m for m in imported_modules(path)
                   if m.split(".")[0] in (*FORBIDDEN_IN_HANDLERS, "handlers", "bot")]
            assert bad == [], f"{path} imports {bad}"


def test_the_layering_check_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from telegram import Update\nimport aiohttp.web\n", encoding="utf-8")
    assert {"telegram", "aiohttp.web"} <= imported_modules(sample)


def test_handlers_use_only_the_neutral_parts_of_bot() -> None:
    """Flows may use config, message types, calendars, the scheduler API and the report engine,
    never the channels, the app, the sender, the timers or dispatch (those call the flows)."""
    allowed = ("bot.config", "bot.messages", "bot.calendar", "bot.scheduler", "bot.reports")
    for path in (ROOT / "handlers").rglob("*.py"):
        bad = [m for m in imported_modules(path)
               if m.split(".")[0] == "bot" and not m.startswith(allowed)]
        assert bad == [], f"{path} imports {bad}"
