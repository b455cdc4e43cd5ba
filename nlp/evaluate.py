"""Evaluate the classifier on a labelled JSONL set: accuracy, per-class P/R, urgency, confusion."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
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

    def add(self, other: Report) -> None:
        """Count ``other``'s messages in this report too (folds into one)."""
        self.n += other.n
        self.errors += other.errors
        for mine, theirs in (
            (self.correct, other.correct),
            (self.counted, other.counted),
            (self.urgent, other.urgent),
            (self.confident, other.confident),
        ):
            mine.update(theirs)
        for label, pairs in other.pairs.items():
            self.pairs.setdefault(label, Counter()).update(pairs)

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


#: urgent thresholds (learned log-odds) swept by ``cross_validate``
SWEEP = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass
class CrossValidation:
    """Out-of-fold figures: every message scored by a model that never saw it."""

    folds: int
    report: Report  # at the configured urgent threshold
    threshold: float  # the configured one
    sweep: dict[float, tuple[float, float]]  # threshold -> (urgent recall, precision)
    grouped: bool = False  # whole groups (files) per fold

    def suggest(self, recall: float = 0.97) -> float | None:
        """The highest swept threshold whose urgent recall reaches ``recall``."""
        ok = [t for t, (r, _) in self.sweep.items() if r >= recall]
        return max(ok) if ok else None


def fold_indices(
    n: int, folds: int, seed: int = 7, groups: Sequence[str] | None = None
) -> list[list[int]]:
    """Row indices of each fold. Without ``groups``: a seeded shuffle dealt round-robin.
    With ``groups`` (one key per row, e.g. its file): whole groups per fold, largest
    first into the smallest fold, so no fold's rows share a group with its training rows."""
    if folds < 2 or n < folds:
        raise ValueError(f"need at least 2 folds and one message per fold, got {folds}")
    if groups is None:
        order = list(range(n))
        random.Random(seed).shuffle(order)
        return [sorted(order[k::folds]) for k in range(folds)]
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    if len(members) < folds:
        raise ValueError(f"need at least {folds} groups for {folds} folds, got {len(members)}")
    out: list[list[int]] = [[] for _ in range(folds)]
    for g in sorted(members, key=lambda g: (-len(members[g]), g)):
        min(out, key=len).extend(members[g])
    return [sorted(ix) for ix in out]


def cross_validate(
    clf: Classifier,
    rows: list[dict[str, Any]],
    *,
    folds: int = 5,
    seed: int = 7,
    groups: Sequence[str] | None = None,
) -> CrossValidation:
    """K-fold cross-validation of the learned weights (the rules stay as they are): each
    fold is scored by weights fitted to the other folds, at the configured urgent
    threshold and at every threshold of ``SWEEP``. Deterministic for a given seed.
    ``groups`` keeps each group (a file: one writer, one scenario) inside one fold, which
    is how a new held-out set meets the model (see ``fold_indices``)."""
    from nlp.learned import train

    parts = fold_indices(len(rows), folds, seed, groups)
    rules = clf.rules
    fast_cut = clf.segmenter.fast_cut
    configured = float(rules.decision["learned_urgent_threshold"])
    report = Report()
    counts = {t: Counter[str]() for t in SWEEP}
    for part in parts:
        test = set(part)
        held = [rows[i] for i in part]
        model = train([r for i, r in enumerate(rows) if i not in test], clf.tokens)
        fold = Classifier(rules, clf.tokenizer, clf.routing, model, fast_cut)
        report.add(evaluate(fold, held))
        for t in SWEEP:
            at = replace(rules, decision={**rules.decision, "learned_urgent_threshold": t})
            counts[t].update(
                evaluate(Classifier(at, clf.tokenizer, clf.routing, model, fast_cut), held).urgent
            )
    sweep = {}
    for t, c in counts.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        sweep[t] = (tp / (tp + fn) if tp + fn else 1.0, tp / (tp + fp) if tp + fp else 1.0)
    return CrossValidation(folds, report, configured, sweep, groups is not None)


def format_cross_validation(cv: CrossValidation, *, recall: float = 0.97) -> str:
    r = cv.report
    lines = [
        f"{cv.folds}-fold cross-validation over {r.n} messages (each scored by weights "
        + ("fitted without its whole file)" if cv.grouped else "fitted without it)"),
        f"at the configured urgent threshold {cv.threshold:g}: intent {r.accuracy('intent'):.3f}, "
        f"category {r.accuracy('category'):.3f}, area {r.accuracy('area'):.3f}, "
        f"urgent recall {r.urgent_recall:.3f} precision {r.urgent_precision:.3f}",
        "urgent threshold sweep (learned_urgent_threshold):",
    ]
    for t, (rc, pr) in cv.sweep.items():
        mark = "  <- configured" if t == cv.threshold else ""
        lines.append(f"  {t:>5g}  recall {rc:.3f}  precision {pr:.3f}{mark}")
    best = cv.suggest(recall)
    lines.append(
        f"highest threshold with urgent recall >= {recall:g}: "
        + (f"{best:g}" if best is not None else "none in the sweep")
    )
    return "\n".join(lines)
