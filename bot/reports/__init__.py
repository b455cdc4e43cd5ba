"""Reports: the centre's promises and targets measured from the store, as text, CSV, JSON
and a chart. `build_report` computes; the `render_*` functions present (docs/reports.md)."""

from typing import Any

from bot.reports.figures import build_report
from bot.reports.model import TARGETS, Rate, Report, Volume
from bot.reports.period import Period, days_range, last_month, month, parse_month
from bot.reports.render import render_csv, render_json, render_summary, render_text

__all__ = [
    "TARGETS",
    "Period",
    "Rate",
    "Report",
    "Volume",
    "build_figure",
    "build_report",
    "days_range",
    "last_month",
    "month",
    "parse_month",
    "render_chart",
    "render_csv",
    "render_json",
    "render_summary",
    "render_text",
]


def __getattr__(name: str) -> Any:
    """The chart functions, imported on first use: matplotlib is slow to load."""
    if name in ("build_figure", "render_chart"):
        from bot.reports import chart

        return getattr(chart, name)
    raise AttributeError(name)
