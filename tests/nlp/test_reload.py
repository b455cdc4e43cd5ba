from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

import nlp
from nlp import Classifier, RulesError
from nlp.rules import DEFAULT_RULES_PATH, RULES_DIR


def _copy_rules(tmp_path: Path) -> Path:
    for f in RULES_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / DEFAULT_RULES_PATH.name


def test_reload_swaps_without_mutating(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    old = nlp.configure(rules_path=rules)
    try:
        assert nlp.analyze("小区的喷泉好看").intent != "praise"
        text = rules.read_text(encoding="utf-8")
        rules.write_text(
            text.replace("[intent.praise]\n", '[intent.praise]\n"好看" = 12\n'), encoding="utf-8"
        )
        new = nlp.reload()
        assert new is not old
        assert nlp.get_classifier() is new
        assert nlp.analyze("小区的喷泉好看").intent == "praise"
        assert old.analyze("小区的喷泉好看").intent != "praise"  # the old one is untouched
    finally:
        nlp.configure()


def test_broken_rules_keep_live_classifier(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    live = nlp.configure(rules_path=rules)
    try:
        rules.write_text("[intent.repair\n", encoding="utf-8")
        with pytest.raises(RulesError):
            nlp.reload()
        assert nlp.get_classifier() is live
        rules.write_text('[intent.nonsense]\n"x" = 1\n', encoding="utf-8")
        with pytest.raises(RulesError):
            nlp.reload()
    finally:
        nlp.configure()


def test_analyze_is_thread_safe() -> None:
    texts = ["马桶堵了", "请问什么时候交房", "投诉物业，保安天天睡觉"] * 50
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for t in texts:
            r = nlp.analyze(t).intent
            with lock:
                results.append(r)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 * len(texts)
    assert set(results) == {"repair", "inquiry", "complaint"}


def test_load_default() -> None:
    assert isinstance(Classifier.load(), Classifier)


def test_reload_picks_up_retrained_weights(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    nlp.configure(rules_path=rules)
    try:
        assert nlp.analyze("厨房水管漏水了").intent == "repair"
        learned = tmp_path / "learned.jsonl"
        lines = learned.read_text(encoding="utf-8").splitlines()
        head = json.loads(lines[0])
        assert head["dim"] == "intent"
        head["bias"] = [50.0 if lab == "praise" else 0.0 for lab in head["labels"]]
        learned.write_text(
            "\n".join([json.dumps(head, ensure_ascii=False), *lines[1:]]), encoding="utf-8"
        )
        nlp.reload()
        assert nlp.analyze("厨房水管漏水了").intent == "praise"
    finally:
        nlp.configure()


def test_broken_weights_keep_live_classifier(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    live = nlp.configure(rules_path=rules)
    try:
        (tmp_path / "learned.jsonl").write_text(
            '{"dim": "intent", "labels": ["x"]}\n', encoding="utf-8"
        )
        with pytest.raises(RulesError, match="learned-weights"):
            nlp.reload()
        assert nlp.get_classifier() is live
    finally:
        nlp.configure()
