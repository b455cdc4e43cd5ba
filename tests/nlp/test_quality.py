"""Quality floors on the separately written dev set (data/nlp/dev.jsonl)."""

from __future__ import annotations

from pathlib import Path

from nlp import Classifier
from nlp.evaluate import evaluate, load_jsonl

DEV = Path(__file__).resolve().parents[2] / "data" / "nlp" / "dev.jsonl"
LABELLED = DEV.with_name("labelled.jsonl")


def test_labelled_sets_are_well_formed() -> None:
    assert len(load_jsonl(LABELLED)) >= 450
    assert len(load_jsonl(DEV)) >= 150


def test_dev_set_quality_floors(clf: Classifier) -> None:
    r = evaluate(clf, load_jsonl(DEV))
    assert r.accuracy("intent") >= 0.92
    assert r.accuracy("category") >= 0.88
    assert r.accuracy("area") >= 0.88
    assert r.urgent_recall >= 0.97
    assert r.urgent_precision >= 0.85
