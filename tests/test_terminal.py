"""The terminal channel end to end: the real `anju` command in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.channels.base import Outgoing, render_plain
from bot.channels.terminal import TerminalChannel


def anju(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "anju.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "anju.db"}"\n[web]\nenabled = false\n',
                      encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )


def test_a_demo_owner_reports_a_repair_in_the_terminal(tmp_path: Path) -> None:
    # menu → 报修 → 厨房 → description → 尽快安排 → 确认提交
    chat = anju(tmp_path, "chat", stdin="/start\n1\n1\n水龙头一直漏水\n1\n1\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "演示：您是 张伟" in chat.stdout
    assert "[1] 报修" in chat.stdout and "请问需要维修的位置在哪里" in chat.stdout
    number = re.search(r"R-\d{8}-\d{4}", chat.stdout)
    assert number, chat.stdout

    listing = anju(tmp_path, "cases", "list")
    assert number.group() in listing.stdout and "张伟" in listing.stdout

    shown = anju(tmp_path, "cases", "show", number.group())
    assert "水龙头一直漏水" in shown.stdout and "created" in shown.stdout
    assert "← 水龙头一直漏水" in shown.stdout  # the transcript, both ways

    moved = anju(tmp_path, "cases", "set", number.group(), "closed")
    assert moved.returncode == 1 and "cannot become closed" in moved.stderr

    # Staff without Telegram work from the terminal: a reply and a state change reach the owner
    # (queued for the running service), a note does not.
    assert anju(tmp_path, "cases", "note", number.group(), "业主下午才在家").returncode == 0
    replied = anju(tmp_path, "cases", "reply", number.group(), "师傅明早9点上门")
    assert replied.returncode == 0, replied.stderr
    assert anju(tmp_path, "cases", "set", number.group(), "assigned").returncode == 0
    shown = anju(tmp_path, "cases", "show", number.group())
    assert "业主下午才在家" in shown.stdout
    assert "💬 客服回复" in shown.stdout and "师傅明早9点上门" in shown.stdout
    sent = shown.stdout.split("业主下午才在家")[-1]
    assert "状态更新" in shown.stdout
    assert "→ 业主下午才在家" not in sent


def test_numbers_press_the_buttons_last_shown() -> None:
    terminal = TerminalChannel()
    terminal.choices = ["menu:repair", "menu:complaint"]
    assert terminal.to_message("2").button == "menu:complaint"
    assert terminal.to_message("3").text == "3"
    assert terminal.to_message("/photo /tmp/a.jpg").attachments[0].name == "a.jpg"


def test_buttons_render_as_numbered_lines() -> None:
    message = Outgoing(1, "c", {"text": "选择", "buttons": [[{"label": "是", "data": "y"}],
                                                            [{"label": "否", "data": "n"}]]})
    assert render_plain(message) == "选择\n  [1] 是\n  [2] 否"


def test_the_nlp_tools_take_their_own_options_through_anju(tmp_path: Path) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text('{"text": "厨房燃气泄漏了", "intent": "repair", "area": "gas", '
                        '"urgent": true}\n', encoding="utf-8")
    evaluated = anju(tmp_path, "classify", "--eval", str(labelled))
    assert evaluated.returncode == 0, evaluated.stderr
    assert "intent accuracy: 1.000 (1/1)" in evaluated.stdout
    explained = anju(tmp_path, "classify", "--explain", stdin="厨房燃气泄漏了\n")
    assert '"urgent": true' in explained.stdout and "explanation" in explained.stdout
    parsed = anju(tmp_path, "parse-date", "明天下午3点", "--now", "2026-11-23T10:00:00+08:00")
    assert parsed.stdout.strip() == "2026-11-24T15:00:00+08:00"
