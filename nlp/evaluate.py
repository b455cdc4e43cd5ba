"""Evaluate the classifier on a labelled JSONL set: accuracy, per-class P/R, urgency, confusion."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.classifier import Classifier
from nlp.model import INTENTS, Analysis


@dataclass
class Report:
    n: int = 0
    correct: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)
    pairs: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    urgent: Counter[str] = field(default_factory=Counter)  # tp fp fn tn
    confident: Counter[str] = field(default_factory=Counter)  # right/wrong when (un)sure
    errors: list[tuple[dict[str, Any], Analysis]] = field(default_factory=list)

    def accuracy(self, label: str) -> float:
        return self.correct[label] / self.counted[label] if self.counted[label] else 0.0

    @property
    def urgent_recall(self) -> float:
        tp, fn = self.urgent["tp"], self.urgent["fn"]
        return tp / (tp + fn) if tp + fn else 1.0

    @property
    def urgent_precision(self) -> float:
        tp, fp = self.urgent["tp"], self.urgent["fp"]
        return tp / (tp + fp) if tp + fp else 1.0


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: {exc}") from exc
    return rows


def evaluate(clf: Classifier, rows: Iterable[dict[str, Any]]) -> Report:
    r = Report()
    for row in rows:
        a = clf.analyze(row["text"])
        r.n += 1
        wrong = False
        checks: list[tuple[str, Any, str | None]] = [("intent", row.get("intent"), a.intent)]
        if row.get("intent") == "complaint" and a.intent == "complaint":
            checks.append(("category", row.get("category"), a.category))
        if row.get("intent") == "repair" and a.intent == "repair":
            checks.append(("area", row.get("area"), a.area))
        for label, gold, got in checks:
            if gold is None:
                continue
            r.counted[label] += 1
            r.correct[label] += gold == got
            r.pairs.setdefault(label, Counter())[(str(gold), str(got))] += 1
            wrong = wrong or gold != got
        gold_u = bool(row.get("urgent", False))
        r.urgent[("t" if gold_u == a.urgent else "f") + ("p" if a.urgent else "n")] += 1
        wrong = wrong or gold_u != a.urgent
        ok = "right" if a.intent == row.get("intent") else "wrong"
        r.confident[f"{'sure' if a.confident else 'unsure'}_{ok}"] += 1
        if wrong:
            r.errors.append((row, a))
    return r


def _per_class(pairs: Counter[tuple[str, str]]) -> list[str]:
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    out = [f"  {'class':<14}{'prec':>7}{'recall':>8}{'n':>5}"]
    for lab in labels:
        tp = pairs[(lab, lab)]
        pred = sum(v for (_, p), v in pairs.items() if p == lab)
        gold = sum(v for (g, _), v in pairs.items() if g == lab)
        p = tp / pred if pred else 0.0
        rc = tp / gold if gold else 0.0
        out.append(f"  {lab:<14}{p:>7.2f}{rc:>8.2f}{gold:>5}")
    return out


def _confusion(pairs: Counter[tuple[str, str]], order: Iterable[str]) -> list[str]:
    labels = [x for x in order if any(x in k for k in pairs)]
    labels += sorted(({g for g, _ in pairs} | {p for _, p in pairs}) - set(labels))
    short = [lab[:6] for lab in labels]
    out = ["  gold\\pred     " + "".join(f"{s:>7}" for s in short)]
    for g in labels:
        out.append(f"  {g:<14}" + "".join(f"{pairs[(g, p)]:>7}" for p in labels))
    return out


def format_report(r: Report, *, max_errors: int = 200) -> str:
    lines = [f"messages: {r.n}"]
    for label in ("intent", "category", "area"):
        if r.counted[label]:
            lines.append(
                f"{label} accuracy: {r.accuracy(label):.3f} ({r.correct[label]}/{r.counted[label]})"
            )
    lines.append(
        f"urgent recall: {r.urgent_recall:.3f}  precision: {r.urgent_precision:.3f}  "
        f"(tp {r.urgent['tp']} fp {r.urgent['fp']} fn {r.urgent['fn']})"
    )
    c = r.confident
    sure = c["sure_right"] + c["sure_wrong"]
    unsure = c["unsure_right"] + c["unsure_wrong"]
    lines.append(
        f"confident: {sure} ({c['sure_right'] / sure if sure else 0:.3f} right), "
        f"unsure: {unsure} ({c['unsure_right'] / unsure if unsure else 0:.3f} right)"
    )
    for label in ("intent", "category", "area"):
        if label in r.pairs:
            lines.append(f"\n{label}: precision / recall")
            lines += _per_class(r.pairs[label])
            lines.append(f"{label} confusion (rows gold, columns predicted)")
            lines += _confusion(r.pairs[label], INTENTS if label == "intent" else ())
    lines.append(f"\nmisclassified: {len(r.errors)}")
    for row, a in r.errors[:max_errors]:
        gold = f"{row.get('intent')}/{row.get('category') or row.get('area') or '-'}/{'U' if row.get('urgent') else '-'}"
        got = f"{a.intent}/{a.category or a.area or '-'}/{'U' if a.urgent else '-'}"
        lines.append(f"  gold {gold:<26} got {got:<26} {row['text']}  [{' '.join(a.matched)}]")
    return "\n".join(lines)


def summary(r: Report) -> dict[str, float]:
    return {
        "intent": r.accuracy("intent"),
        "category": r.accuracy("category"),
        "area": r.accuracy("area"),
        "urgent_recall": r.urgent_recall,
        "urgent_precision": r.urgent_precision,
    }
