"""Roster import: validate everything first, report each bad line, upsert by phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage import roster
from storage.db import Store
from storage.models import Person
from tests.support import ROOT, ROSTER

BAD = ROOT / "examples" / "roster_with_errors.csv"


def test_every_bad_line_is_reported_with_its_number_and_reason() -> None:
    parsed = roster.parse(roster.read_rows(BAD))
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (3, "name is empty"),
        (4, "phone '1360013600' is not an 11-digit mobile number"),
        (5, "role '租户' is not owner, buyer or prospect"),
        (6, "birthday '1986-13-40' is not a date (YYYY-MM-DD)"),
        (7, "phone already on line 2"),
    ]
    assert [r["name"] for r in parsed.records] == ["马超"]


def test_chinese_headers_roles_and_lunar_flags_are_understood() -> None:
    parsed = roster.parse(roster.read_rows(ROSTER))
    assert not parsed.errors
    wang = next(r for r in parsed.records if r["name"] == "王芳")
    assert (wang["role"], wang["birthday_lunar"], wang["building"]) == ("owner", True, "3栋")
    assert len(parsed.records) == 14


def test_xlsx_rosters_are_read_too(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机号", "项目", "楼栋", "房号", "身份", "生日"])
    sheet.append(["高原", "13500135000", "安居·翠湖苑", "1栋", "0101", "业主", "1980-01-02"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    parsed = roster.parse(roster.read_rows(path))
    assert not parsed.errors and parsed.records[0]["phone"] == "13500135000"


def run_cli(tmp_path: Path, *args: str) -> int:
    config = tmp_path / "anju.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "anju.db"}"\n', encoding="utf-8")
    return main(["--config", str(config), *args])


async def count_people(tmp_path: Path) -> int:
    store = Store.from_url(f"sqlite:///{tmp_path / 'anju.db'}")
    try:
        async with store.transaction() as session:
            return int(await session.scalar(select(func.count(Person.id))) or 0)
    finally:
        await store.close()


async def test_cli_imports_nothing_when_a_line_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio_to_thread(run_cli, tmp_path, "import", "owners", str(BAD)) == 1
    err = capsys.readouterr().err
    assert "line 3: name is empty" in err and "nothing imported" in err
    assert await count_people(tmp_path) == 0
    assert await asyncio_to_thread(run_cli, tmp_path, "import", "owners", str(BAD), "--skip-bad") == 0
    assert "imported 1 new" in capsys.readouterr().out
    assert await count_people(tmp_path) == 1


async def test_reimport_updates_by_phone(store: Store, tmp_path: Path) -> None:
    from bot.clock import SystemClock

    records = roster.parse(roster.read_rows(ROSTER)).records
    async with store.transaction() as session:
        assert await roster.upsert(session, records, SystemClock().now()) == (14, 0)
    changed = tmp_path / "changed.csv"
    changed.write_text("name,phone,project,building,unit,role\n"
                       "张伟,13800138001,安居·翠湖苑,3栋,1202,owner\n", encoding="utf-8")
    again = roster.parse(roster.read_rows(changed)).records
    async with store.transaction() as session:
        assert await roster.upsert(session, again, SystemClock().now()) == (0, 1)
        person = await session.scalar(select(Person).where(Person.phone == "13800138001"))
        assert person is not None and person.unit == "1202"
        assert int(await session.scalar(select(func.count(Person.id))) or 0) == 14


async def asyncio_to_thread(func: object, *args: object) -> int:
    """The CLI runs its own event loop; call it from a worker thread."""
    import asyncio

    return await asyncio.to_thread(func, *args)  # type: ignore[arg-type]
