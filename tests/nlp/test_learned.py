"""The learned word weights (nlp/learned.py) and how the classifier blends them with the rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp import Classifier
from nlp.cli import DATA_DIR, classify_command
from nlp.evaluate import cross_validate, fold_indices
from nlp.learned import BREAKS, NEGATORS, LearnedModel, features, fit, read_labelled, train
from nlp.rules import DEFAULT_RULES_PATH, RULES_DIR


def test_features_mark_negated_words_and_keep_punctuation() -> None:
    got = features(["厨房", "没有", "漏水", "，", "卫生间", "漏水", "吗", "？"])
    assert got == {"厨房", "没有", "~漏水", "P，", "卫生间", "漏水", "吗", "P？"}


def test_fit_learns_which_words_go_with_which_label() -> None:
    ex = [({"漏水", "厨房"}, "repair")] * 5 + [({"投诉", "态度"}, "complaint")] * 5
    table = fit(ex, ("repair", "complaint"), l2=1e-3, epochs=10)
    z = table.logits({"漏水"})
    assert z[0] > z[1]
    assert table.logits({"态度"})[1] > table.logits({"态度"})[0]
    assert table.top_words({"漏水", "态度"}, "repair")[0][0] == "漏水"


def test_shipped_weights_are_what_the_labelled_sets_train(tmp_path: Path, clf: Classifier) -> None:
    """learned.jsonl is generated, never hand-edited: training again gives the same file."""
    rows = list(read_labelled(sorted(DATA_DIR.glob("*.jsonl"))))
    out = tmp_path / "learned.jsonl"
    train(rows, clf.tokens).dump(out)
    assert clf.rules.learned is not None
    assert out.read_bytes() == clf.rules.learned.read_bytes()


def test_load_round_trip(tmp_path: Path, clf: Classifier) -> None:
    assert clf.learned is not None
    out = tmp_path / "copy.jsonl"
    clf.learned.dump(out)
    again = LearnedModel.load(out)
    assert again is not None
    feats = features(clf.tokens("电梯困人了快来"))
    assert again.logits(feats) == pytest.approx(clf.learned.logits(feats), abs=1e-3)
    assert LearnedModel.load(tmp_path / "missing.jsonl") is None


def test_explanation_names_the_learned_words(clf: Classifier) -> None:
    lines = clf.analyze("家里卫生间的水管一直在滴水，麻烦派个师傅", explain=True).explanation
    assert any(line.startswith("intent: learned words for repair:") for line in lines)
    assert any(line.startswith("area: learned words for plumbing:") for line in lines)
    assert any(line.startswith("urgent: learned words") for line in lines)


def test_words_it_never_saw_leave_the_decision_to_the_rules(clf: Classifier) -> None:
    a = clf.analyze("tingchechang duoshao qian yi ge yue", explain=True)
    assert a.intent == "inquiry"
    assert not any("learned" in line for line in a.explanation)


def test_words_the_rules_miss_are_understood(clf: Classifier) -> None:
    """Wordings with no rule phrase at all: the learned weights carry them."""
    a = clf.analyze("我家那个花洒出水越来越小了，能派人瞧瞧不")
    assert (a.intent, a.area) == ("repair", "plumbing")


def test_without_learned_weights_the_rules_decide_alone(tmp_path: Path) -> None:
    for f in RULES_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    rules = tmp_path / DEFAULT_RULES_PATH.name
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace('learned = "learned.jsonl"', ""), encoding="utf-8")
    plain = Classifier.load(rules)
    assert plain.learned is None
    a = plain.analyze("厨房水管漏水了", explain=True)
    assert (a.intent, a.area) == ("repair", "plumbing")
    assert not any("learned" in line for line in a.explanation)


def test_train_command_writes_the_weights_next_to_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for f in RULES_DIR.glob("*.t*"):  # rules.toml and userdict.txt, not the weights
        shutil.copy(f, tmp_path / f.name)
    data = tmp_path / "few.jsonl"
    rows = [
        {
            "text": "厨房水管漏水",
            "intent": "repair",
            "category": None,
            "area": "plumbing",
            "urgent": False,
        },
        {
            "text": "你们态度太差了我要投诉",
            "intent": "complaint",
            "category": "service",
            "area": None,
            "urgent": False,
        },
        {
            "text": "物业费怎么交",
            "intent": "inquiry",
            "category": None,
            "area": None,
            "urgent": False,
        },
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    rc = classify_command(["--train", str(data), "--rules", str(tmp_path / "rules.toml")])
    assert rc == 0
    assert "trained on 3 messages from 1 files" in capsys.readouterr().out
    model = LearnedModel.load(tmp_path / "learned.jsonl")
    assert model is not None and "漏水" in model["intent"].weights


def _features_in_order(tokens: list[str]) -> set[str]:
    """features() written as the plain left-to-right walk (its fast path must agree)."""
    out: set[str] = set()
    neg = False
    for t in tokens:
        if t in BREAKS:
            neg = False
            out.add("P" + t)
        elif t.strip():
            out.add("~" + t if neg else t)
            neg = neg or t in NEGATORS
    return out


def test_features_fast_path_agrees_with_the_walk(clf: Classifier) -> None:
    rows = list(read_labelled(sorted(DATA_DIR.glob("*.jsonl"))))
    assert len(rows) > 5000
    for row in rows:
        tokens = clf.tokens(str(row["text"]))
        assert features(tokens) == _features_in_order(tokens), row["text"]


def test_a_question_with_danger_words_is_asked_about_not_alarmed(clf: Classifier) -> None:
    """Questions and suggestions are emergencies only when the words are overwhelming."""
    q = clf.analyze("请问电梯困人了应该打哪个电话")
    assert (q.intent, q.urgent, q.maybe_urgent) == ("inquiry", False, True)
    assert any("not urgent" in line for line in q.explanation)
    live = clf.analyze("燃气味特别重 我现在该先关阀门还是先开窗？急")
    assert live.urgent


def _sample(n_each: int = 40) -> list[dict[str, object]]:
    """A small labelled sample with emergencies in it, from the shipped sets."""
    rows = list(read_labelled(sorted(DATA_DIR.glob("batch3*.jsonl"))))
    urgent = [r for r in rows if r["urgent"]][:n_each]
    calm = [r for r in rows if not r["urgent"]][: 3 * n_each]
    return urgent + calm


def test_cross_validation_scores_every_message_once_out_of_fold(clf: Classifier) -> None:
    rows = _sample()
    cv = cross_validate(clf, rows, folds=2)
    assert cv.report.n == len(rows)
    assert cv.threshold == clf.rules.decision["learned_urgent_threshold"]
    # the sweep at the configured threshold is the report's own urgent figure
    assert cv.sweep[cv.threshold] == (cv.report.urgent_recall, cv.report.urgent_precision)
    recalls = [cv.sweep[t][0] for t in sorted(cv.sweep)]
    assert recalls == sorted(recalls, reverse=True)  # a higher threshold never finds more
    assert recalls[0] > recalls[-1]
    best = cv.suggest(recalls[3])
    assert best is not None and cv.sweep[best][0] >= recalls[3]
    assert all(cv.sweep[t][0] < recalls[3] for t in cv.sweep if t > best)
    assert cv.suggest(1.01) is None


def test_cross_validation_needs_two_folds_with_a_message_each(clf: Classifier) -> None:
    rows = _sample(1)
    with pytest.raises(ValueError, match="folds"):
        cross_validate(clf, rows[:1], folds=2)
    with pytest.raises(ValueError, match="folds"):
        cross_validate(clf, rows, folds=1)


def test_cv_command_prints_the_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sample.jsonl"
    data.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in _sample(20)), encoding="utf-8"
    )
    assert classify_command(["--cv", str(data), "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "2-fold cross-validation over 80 messages" in out
    assert "<- configured" in out
    assert "highest threshold with urgent recall >= 0.97:" in out
    assert classify_command(["--cv", str(tmp_path / "missing.jsonl")]) == 2


def test_folds_partition_the_rows_and_keep_groups_whole() -> None:
    plain = fold_indices(23, 5, seed=3)
    assert sorted(i for part in plain for i in part) == list(range(23))
    assert {len(part) for part in plain} == {4, 5}
    assert plain == fold_indices(23, 5, seed=3) != fold_indices(23, 5, seed=4)
    groups = ["a"] * 6 + ["b"] * 5 + ["c"] * 4 + ["d"] * 3 + ["e"] * 2
    parts = fold_indices(len(groups), 2, groups=groups)
    assert sorted(i for part in parts for i in part) == list(range(len(groups)))
    for part in parts:  # no group is split between a fold and its training rows
        inside = {groups[i] for i in part}
        assert all(groups[i] not in inside for other in parts if other is not part for i in other)
    # largest first into the smaller fold: a+d+e (11) against b+c (9)
    assert sorted(len(p) for p in parts) == [9, 11]
    with pytest.raises(ValueError, match="groups"):
        fold_indices(4, 3, groups=["x", "x", "y", "y"])


def test_cv_by_file_keeps_each_file_in_one_fold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _sample(20)
    files = []
    for k in range(2):  # urgent and calm messages in both files
        f = tmp_path / f"part{k}.jsonl"
        f.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[k::2]), encoding="utf-8"
        )
        files.append(str(f))
    assert classify_command(["--cv", *files, "--folds", "2", "--by-file"]) == 0
    out = capsys.readouterr().out
    assert "over 80 messages (each scored by weights fitted without its whole file)" in out
    assert classify_command(["--cv", files[0], "--folds", "2", "--by-file"]) == 2
    assert "need at least 2 groups" in capsys.readouterr().err
