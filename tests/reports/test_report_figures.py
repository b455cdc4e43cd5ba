"""The synthetic month's figures, one by one, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from bot.reports import Report, build_report, days_range, parse_month
from storage.db import Store
from tests.reports.synthetic import NOW, OCTOBER, OTHER, TZ, seed_month


async def report_for(store: Store, project: str | None = None) -> Report:
    async with store.transaction() as session:
        await seed_month(session)
    async with store.transaction() as session:
        return await build_report(session, OCTOBER, project, now=NOW, tz=TZ)


def shares(report: Report) -> dict[str, tuple[int, int]]:
    return {key: (r.hits, r.base) for key, r in report.rates.items()}


async def test_rates_of_the_month_match_the_known_answers(store: Store) -> None:
    report = await report_for(store)
    assert shares(report) == {
        "first_reply": (5, 8),  # the late reply, the inquiry never answered, the 23:00 case
        "handled_on_time": (4, 7),  # the 23:00 case is still within its promise: not counted
        "resolution": (5, 8),  # reopened and open cases are not resolved
        "satisfaction": (3, 5),  # average of the answered questions ≥ 4
        "satisfaction_result": (2, 4),
        "satisfaction_process": (2, 4),
        "satisfaction_person": (5, 5),
        "complaint_routine_on_time": (1, 1),
        "complaint_major_on_time": (0, 1),
        "complaint_satisfaction": (1, 2),
        "monthly_satisfaction": (1, 2),  # 张伟 5 counts, 赵强 2 does not, November's is out
        "archive_complete": (3, 4),
        "reach": (2, 4),
    }


async def test_rates_are_judged_against_the_centre_targets(store: Store) -> None:
    report = await report_for(store)
    assert report.rate("handled_on_time").target == 0.95
    assert report.rate("handled_on_time").met is False
    assert report.rate("satisfaction_person").met is True
    assert report.rate("complaint_satisfaction").target == 1.0
    assert report.rate("first_reply").met is None  # no target set by the centre
    assert report.rate("resolution").value == pytest.approx(5 / 8)


async def test_counts_cover_cancelled_reopened_breached_and_open_cases(store: Store) -> None:
    report = await report_for(store)
    assert report.counts == {
        "cases": 8, "cancelled": 1, "previous_cases": 3, "breaches": 2, "open_now": 3,
        "first_reply_late": 3, "handled_late": 3, "reopened": 1, "roster": 4,
    }


async def test_volumes_show_hot_spots_and_the_change_from_last_month(store: Store) -> None:
    report = await report_for(store)
    volumes = {dim: {v.key: (v.count, v.previous) for v in vs}
               for dim, vs in report.volumes.items()}
    assert volumes["kind"] == {"repair": (4, 2), "complaint": (2, 1), "inquiry": (1, 0),
                               "suggestion": (1, 0)}
    assert volumes["category"] == {"service": (1, 1), "quality": (1, 0)}
    assert volumes["area"] == {"plumbing": (2, 2), "electrical": (1, 0), "doors_windows": (1, 0)}
    assert volumes["project"] == {"翠湖苑": (7, 3), OTHER: (1, 0)}
    assert volumes["building"] == {"翠湖苑 3栋": (3, 3), "翠湖苑 5栋": (3, 0), "翠湖苑": (1, 0),
                                   "云栖府 1栋": (1, 0)}
    assert report.volumes["kind"][0].key == "repair"  # biggest first


async def test_weekly_volumes_and_heat_map_use_local_weeks(store: Store) -> None:
    report = await report_for(store)
    assert report.weekly == {
        "2026-09-28": {},
        "2026-10-05": {"repair": 2},
        "2026-10-12": {"repair": 1, "complaint": 1},
        "2026-10-19": {"complaint": 1, "inquiry": 1, "suggestion": 1},
        "2026-10-26": {"repair": 1},  # 31 Oct 23:00 local is 15:00 UTC, still October
    }
    assert report.heat == {
        "翠湖苑 3栋": {"repair:plumbing": 2, "complaint:service": 1},
        "翠湖苑 5栋": {"repair:electrical": 1, "complaint:quality": 1, "repair:doors_windows": 1},
    }


async def test_delivery_counts_notices_and_greetings_by_status(store: Store) -> None:
    report = await report_for(store)
    assert report.delivery == {"milestone": {"sent": 2, "unreachable": 1},
                               "greeting": {"sent": 1, "failed": 1}}


async def test_a_project_report_only_counts_that_project(store: Store) -> None:
    report = await report_for(store, project=OTHER)
    assert report.counts["cases"] == 1
    assert shares(report)["satisfaction"] == (1, 1)
    assert shares(report)["archive_complete"] == (1, 1)
    assert shares(report)["complaint_satisfaction"] == (0, 0)
    assert report.rate("complaint_satisfaction").value is None
    assert shares(report)["monthly_satisfaction"] == (0, 1)  # only 赵强 is in that project
    assert report.delivery == {"milestone": {"sent": 1}, "greeting": {}}
    assert [v.key for v in report.volumes["building"]] == ["云栖府 1栋"]


async def test_an_empty_store_reports_no_data_rather_than_zero(store: Store) -> None:
    async with store.transaction() as session:
        report = await build_report(session, OCTOBER, now=NOW, tz=TZ)
    assert all(r.value is None and r.met is None for r in report.rates.values())
    assert report.counts["cases"] == 0


def test_periods_are_local_months_or_inclusive_day_ranges() -> None:
    october = parse_month("2026-10", TZ)
    assert october.start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert october.end.isoformat() == "2026-11-01T00:00:00+08:00"
    assert october.previous().label == "2026-09"
    assert parse_month("2026-01", TZ).previous().label == "2025-12"
    assert parse_month("2026-12", TZ).end.date() == date(2027, 1, 1)
    week = days_range(date(2026, 10, 5), date(2026, 10, 11), TZ)
    assert week.previous() == days_range(date(2026, 9, 28), date(2026, 10, 4), TZ)
    with pytest.raises(ValueError):
        parse_month("October", TZ)
    with pytest.raises(ValueError):
        days_range(date(2026, 10, 5), date(2026, 10, 1), TZ)
