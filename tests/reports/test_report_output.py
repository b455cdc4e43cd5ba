"""The report as a terminal table, CSV, JSON, staff summary and chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.reports import Report, build_report, render_csv, render_json, render_summary, render_text
from bot.reports.chart import build_figure, cjk_font, render_chart
from handlers.i18n import Texts
from storage.db import Store
from tests.reports.synthetic import NOW, OCTOBER, TZ, seed_month


@pytest.fixture
async def report(store: Store) -> Report:
    async with store.transaction() as session:
        await seed_month(session)
    async with store.transaction() as session:
        return await build_report(session, OCTOBER, now=NOW, tz=TZ)


async def test_the_text_table_shows_rates_targets_and_verdicts(report: Report) -> None:
    text = render_text(report, Texts("zh", TZ))
    line = next(row for row in text.splitlines() if row.startswith("问题解决率"))
    assert "62.5%" in line and "90.0%" in line and "5/8" in line and "未达标" in line
    assert "翠湖苑 5栋" in text and "+3" in text  # a new hot spot, up from nothing
    assert "水路" in text  # repair areas by name
    english = render_text(report, Texts("en", TZ))
    assert "Resolution rate" in english and "missed" in english


async def test_csv_has_one_row_per_figure_for_spreadsheets(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report, Texts("zh", TZ)))))
    by_key = {(r["section"], r["key"]): r for r in rows}
    resolution = by_key[("rate", "resolution")]
    assert (resolution["hits"], resolution["base"], resolution["target"]) == ("5", "8", "0.9")
    assert resolution["met"] == "False"
    assert by_key[("volume.building", "翠湖苑 3栋")]["previous"] == "3"
    assert by_key[("delivery", "milestone/unreachable")]["value"] == "1"
    assert by_key[("count", "cancelled")]["label"] == "已取消"


async def test_json_carries_every_figure(report: Report) -> None:
    data = json.loads(render_json(report))
    assert data["period"]["label"] == "2026-10"
    assert data["rates"]["first_reply"] == {"value": 0.625, "hits": 5, "base": 8,
                                            "target": None, "met": None}
    assert data["counts"]["reopened"] == 1
    assert data["heat"]["翠湖苑 3栋"]["repair:plumbing"] == 2


async def test_the_staff_summary_names_the_key_figures(report: Report) -> None:
    summary = render_summary(report, Texts("zh", TZ))
    assert "2026-10" in summary and "工单 8 件" in summary
    assert "57.1%" in summary  # handled on time, 4 of 7
    assert "翠湖苑 3栋 (3)" in summary


async def test_the_chart_has_three_panels_and_is_written(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.png"
    fig = render_chart(report, path, "zh", TZ)
    assert path.stat().st_size > 20_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    zh = cjk_font() is not None
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    expected = ["服务指标与目标", "每周工单量（按类型）", "楼栋 × 问题类别"] if zh else \
        ["KPIs vs targets", "Weekly cases by kind", "Building × problem category"]
    assert titles == expected
    kpi, weekly, heat = fig.axes[:3]
    assert len(kpi.patches) == len([r for r in report.rates.values() if r.value is not None])
    assert len(weekly.patches) == 5 * 4  # five weeks, four kinds stacked
    assert heat.images[0].get_array().shape == (2, 5)  # two buildings × five labels


def test_the_chart_of_an_empty_month_still_draws(tmp_path: Path) -> None:
    from bot.reports.model import Report as Empty

    fig = build_figure(Empty(period=OCTOBER, project=None, generated_at=NOW), Texts("en", TZ))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["KPIs vs targets", "Weekly cases by kind", "Building × problem category"]
    fig.savefig(tmp_path / "empty.png")
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_without_a_cjk_font_the_chart_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, report_month_empty: Report, tmp_path: Path
) -> None:
    import bot.reports.chart as chart

    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    assert chart.chart_texts("zh", TZ).lang == "en"
    fig = chart.render_chart(report_month_empty, tmp_path / "en.png", "zh", TZ)
    assert fig.axes[0].get_title() == "KPIs vs targets"


@pytest.fixture
def report_month_empty() -> Report:
    from bot.reports.model import Report as Empty

    return Empty(period=OCTOBER, project=None, generated_at=NOW)
