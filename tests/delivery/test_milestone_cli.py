"""`anju milestone announce|status` end to end on a SQLite file."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Store
from tests.support.harness import Harness

YUNQI = "安居·云栖府"


async def populate(url: str) -> None:
    store = Store.from_url(url)
    await store.upgrade()
    h = Harness(store)
    await h.load_roster()
    for chat, phone in (("yl", "13900139001"), ("zm", "13900139002"), ("hq", "13900139003")):
        await h.identify(phone, user=chat)
    await store.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'anju.db'}"
    asyncio.run(populate(url))
    path = tmp_path / "anju.toml"
    path.write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    return path


ANNOUNCE = ["milestone", "announce", "--project", YUNQI, "--building", "1栋",
            "--milestone", "topped_out", "--date", "2026-11-20"]


def test_announce_previews_confirms_and_never_sends_twice(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["--config", str(config), *ANNOUNCE]) == 1
    declined = capsys.readouterr().out
    assert "接收人数：2" in declined and "主体结构封顶" in declined and "cancelled" in declined

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["--config", str(config), *ANNOUNCE, "--no-wait"]) == 0
    assert "announcement #1: 2 new notices queued" in capsys.readouterr().out
    assert main(["--config", str(config), *ANNOUNCE, "--yes", "--no-wait"]) == 0
    assert "announcement #1: 0 new notices queued (2 in all" in capsys.readouterr().out

    assert main(["--config", str(config), "milestone", "status", "1"]) == 0
    status = capsys.readouterr().out
    assert "sent 0  pending 2  unreachable 0  failed 0  total 2" in status
    assert main(["--config", str(config), "milestone", "status", "9"]) == 1


def test_bad_input_is_refused(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--config", str(config), "milestone", "announce", "--project", YUNQI,
              "--milestone", "finished"])
    assert "invalid choice" in capsys.readouterr().err
    code = main(["--config", str(config), *ANNOUNCE, "--photo", "/no/such.jpg", "--yes"])
    assert code == 2 and "photo not found" in capsys.readouterr().err
