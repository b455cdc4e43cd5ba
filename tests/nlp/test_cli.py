from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from nlp.cli import classify_command, parse_date_command

DATA = Path(__file__).resolve().parents[2] / "data" / "nlp"


def test_classify_file_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "in.txt"
    f.write_text('马桶堵了\n{"text": "请问什么时候交房"}\n\n', encoding="utf-8")
    assert classify_command([str(f)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {
        "text",
        "intent",
        "category",
        "area",
        "urgent",
        "department",
        "score",
        "matched",
    }
    assert (first["text"], first["intent"], first["area"]) == ("马桶堵了", "repair", "plumbing")
    assert "马桶堵了" in lines[0]  # ensure_ascii=False
    assert json.loads(lines[1])["intent"] == "inquiry"


def test_classify_stdin_explain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("厨房水管没有漏水\n"))
    assert classify_command(["--explain"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any(e.startswith("negated: 漏水") for e in out["explanation"])


def test_eval_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {
            "text": "马桶堵了",
            "intent": "repair",
            "category": None,
            "area": "plumbing",
            "urgent": False,
        },
        {
            "text": "电梯困人了！",
            "intent": "repair",
            "category": None,
            "area": "elevator",
            "urgent": True,
        },
        {
            "text": "请问什么时候交房",
            "intent": "inquiry",
            "category": None,
            "area": None,
            "urgent": False,
        },
        {"text": "你好", "intent": "praise", "category": None, "area": None, "urgent": False},
    ]
    f = tmp_path / "set.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert classify_command(["--eval", str(f)]) == 0
    out = capsys.readouterr().out
    assert "intent accuracy: 0.750 (3/4)" in out
    assert "area accuracy: 1.000 (2/2)" in out
    assert "urgent recall: 1.000" in out
    assert "confusion" in out
    assert "misclassified: 1" in out
    assert "你好" in out.split("misclassified")[1]


def test_eval_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text("{nope\n", encoding="utf-8")
    assert classify_command(["--eval", str(f)]) == 2


def test_parse_date_command(capsys: pytest.CaptureFixture[str]) -> None:
    now = "2026-11-18T10:00:00+08:00"
    assert parse_date_command(["明天下午3点", "--now", now]) == 0
    assert capsys.readouterr().out.strip() == "2026-11-19T15:00:00+08:00"
    assert parse_date_command(["后天上午", "--now", now]) == 0
    assert capsys.readouterr().out.strip() == "2026-11-20T09:00:00+08:00/2026-11-20T12:00:00+08:00"
    assert parse_date_command(["随便", "--now", now]) == 1
    assert capsys.readouterr().out.strip() == "not understood"
