"""The message catalogue: one TOML file per language, looked up by dotted key."""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
_WEEKDAYS_ZH = "一二三四五六日"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


@cache
def catalogue(lang: str) -> dict[str, str]:
    path = LOCALES / f"{lang}.toml"
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


class Texts:
    """Texts of one language; a missing key falls back to Chinese, then to the key itself."""

    def __init__(self, lang: str, tz: str = "Asia/Shanghai") -> None:
        self.lang = lang if lang in LANGUAGES else "zh"
        self.tz = ZoneInfo(tz)

    def __call__(self, key: str, **values: Any) -> str:
        text = catalogue(self.lang).get(key) or catalogue("zh").get(key) or key
        return text.format(**values) if values else text

    def when(self, moment: datetime | None) -> str:
        """An absolute local time people read at a glance: 11月19日（周四）15:00."""
        if moment is None:
            return "—"
        local = moment.astimezone(self.tz)
        if self.lang == "zh":
            return f"{local.month}月{local.day}日（周{_WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"
        return local.strftime("%a %d %b %H:%M")

    def address(self, project: str | None, building: str | None, unit: str | None) -> str:
        parts = [p for p in (project, building, unit) if p]
        return ("" if self.lang == "zh" else " ").join(parts) or "—"
