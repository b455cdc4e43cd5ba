"""`anju report` from the command line, on a SQLite store seeded with the synthetic month."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Store
from tests.reports.synthetic import seed_month


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    db = tmp_path / "anju.db"

    async def seed() -> None:
        store = Store.from_url(f"sqlite:///{db}")
        await store.upgrade()
        async with store.transaction() as session:
            await seed_month(session)
        await store.close()

    asyncio.run(seed())
    path = tmp_path / "anju.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    return path


def test_the_text_report_for_a_month(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config_file), "report", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "安居服务报告 2026-10" in out
    assert "问题解决率" in out and "5/8" in out


def test_csv_and_json_for_a_project_and_a_date_range(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config_file), "report", "--from", "2026-10-01", "--to", "2026-10-31"]
    assert main([*args, "--project", "云栖府", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["project"] == "云栖府" and data["counts"]["cases"] == 1
    assert data["period"]["label"] == "2026-10-01..2026-10-31"
    assert main([*args, "--format", "csv", "--lang", "en"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"section": "count", "key": "cases", "label": "Cases (not cancelled)",
            "value": "8"}.items() <= next(r for r in rows if r["key"] == "cases").items()


def test_the_chart_is_drawn_on_request(config_file: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "oct.png"
    assert main(["--config", str(config_file), "report", "--month", "2026-10",
                 "--chart", str(chart)]) == 0
    assert chart.stat().st_size > 20_000
    assert str(chart) in capsys.readouterr().err


def test_bad_periods_are_refused(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config_file), "report", "--month", "10/2026"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["--config", str(config_file), "report", "--from", "2026-10-01"]) == 2
