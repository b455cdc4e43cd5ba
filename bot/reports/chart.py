"""The report as one picture: KPIs against targets, weekly volumes by kind, a hot-spot heat map."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findSystemFonts, fontManager
from matplotlib.ticker import MaxNLocator

from bot.reports.model import Report
from bot.reports.render import label, percent
from handlers.i18n import Texts

log = logging.getLogger(__name__)

# Font files known to cover Chinese (Debian fonts-noto-cjk, fonts-wqy-*, Source Han, Droid).
CJK_FILES = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy-", "DroidSansFallback")
KIND_COLOURS = {"repair": "#4C72B0", "complaint": "#C44E52", "inquiry": "#55A868",
                "suggestion": "#8172B2"}


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that can draw Chinese, or None."""
    files = sorted(findSystemFonts(), key=lambda p: ("Sans" not in p, "Bold" in p, p))
    for path in files:
        if any(mark in Path(path).name for mark in CJK_FILES):
            try:
                fontManager.addfont(path)
                return str(FontProperties(fname=path).get_name())
            except (OSError, RuntimeError):  # an unreadable font file: try the next one
                continue
    return None


def chart_texts(lang: str, tz: str = "Asia/Shanghai") -> Texts:
    """Chinese labels when a CJK font exists; English otherwise (boxes help nobody)."""
    if lang == "zh" and cjk_font() is None:
        log.warning("no CJK font found (install fonts-noto-cjk); the chart uses English labels")
        return Texts("en", tz)
    return Texts(lang, tz)


def _kpi_panel(ax: Axes, report: Report, t: Texts) -> None:
    rates = [r for r in report.rates.values() if r.value is not None]
    ax.set_title(t("report.chart_kpi"))
    if not rates:
        ax.text(0.5, 0.5, t("report.chart_none"), ha="center", va="center")
        ax.set_axis_off()
        return
    names = [t(f"report.rate.{r.key}") for r in rates][::-1]
    values = [(r.value or 0.0) * 100 for r in rates][::-1]
    colours = [{True: "#55A868", False: "#C44E52", None: "#8C8C8C"}[r.met] for r in rates][::-1]
    ax.barh(names, values, color=colours)
    for y, rate in enumerate(rates[::-1]):
        ax.text(min(values[y] + 1, 101), y, percent(rate.value), va="center", fontsize=8)
        if rate.target is not None:
            ax.plot([rate.target * 100] * 2, [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.plot([], [], color="black", linewidth=2, label=t("report.chart_target"))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("%")


def _weekly_panel(ax: Axes, report: Report, t: Texts) -> None:
    ax.set_title(t("report.chart_weekly"))
    weeks = list(report.weekly)
    kinds = sorted({k for counts in report.weekly.values() for k in counts},
                   key=lambda k: list(KIND_COLOURS).index(k) if k in KIND_COLOURS else 99)
    bottom = [0] * len(weeks)
    for kind in kinds:
        heights = [report.weekly[w].get(kind, 0) for w in weeks]
        ax.bar([w[5:] for w in weeks], heights, bottom=bottom, label=label(t, "kind", kind),
               color=KIND_COLOURS.get(kind))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if kinds:
        ax.legend(fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=8)


def _heat_panel(fig: Figure, ax: Axes, report: Report, t: Texts) -> None:
    ax.set_title(t("report.chart_heat"))
    buildings = list(report.heat)
    labels = sorted({lab for row in report.heat.values() for lab in row})
    if not buildings:
        ax.text(0.5, 0.5, t("report.chart_none"), ha="center", va="center")
        ax.set_axis_off()
        return
    grid = [[report.heat[b].get(lab, 0) for lab in labels] for b in buildings]
    image = ax.imshow(grid, cmap="OrRd", aspect="auto")
    ax.set_xticks(range(len(labels)), [label(t, "heat", lab) for lab in labels],
                  rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(buildings)), buildings, fontsize=8)
    top = max(max(row) for row in grid) or 1
    for y, row in enumerate(grid):
        for x, n in enumerate(row):
            if n:
                ax.text(x, y, str(n), ha="center", va="center", fontsize=8,
                        color="white" if n > top / 2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, ticks=MaxNLocator(integer=True))


def build_figure(report: Report, t: Texts) -> Figure:
    """The three-panel figure (no pyplot: no global state, safe in the service)."""
    fig = Figure(figsize=(13, 10), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.1])
    kpi, weekly, heat = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                         fig.add_subplot(grid[1, :]))
    project = t("report.project", project=report.project) if report.project else ""
    fig.suptitle(t("report.title", period=report.period.label, project=project))
    _kpi_panel(kpi, report, t)
    _weekly_panel(weekly, report, t)
    _heat_panel(fig, heat, report, t)
    return fig


def _fonts(t: Texts) -> dict[Any, Any]:
    """rcParams that make the figure draw Chinese with the CJK font found."""
    font = cjk_font() if t.lang == "zh" else None
    return {"font.family": [font, "DejaVu Sans"]} if font else {}


def render_chart(report: Report, path: Path, lang: str = "zh",
                 tz: str = "Asia/Shanghai") -> Figure:
    """Draws the chart into a PNG at `path` and returns the figure (tests inspect it)."""
    t = chart_texts(lang, tz)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Text objects take their font when drawn, so the family must hold while saving too.
    with rc_context(_fonts(t)):
        fig = build_figure(report, t)
        fig.savefig(path, dpi=110)
    return fig
