"""Learned word weights: a second rule layer, fitted to the labelled messages.

The hand-written rules (rules.toml) know the words a supervisor thought of. Owners use
many more, so the classifier also keeps one weight per jieba word and label, learned
from the labelled sets in ``data/nlp/`` by multinomial logistic regression
(``anju classify --train`` writes ``nlp/rules/learned.jsonl``). At run time a message's
words add up their weights, exactly as the hand rules do, and the two are blended
(``[decision] learned_*`` in rules.toml). Words in the scope of a negation
(没有/不 ... up to the end of the clause) count as different words (``~漏水``), and
clause-ending punctuation counts as a word of its own (``P?``).

The file is plain JSON lines, one word per line, so it can be read, searched and diffed:

    {"dim": "intent", "labels": [...], "bias": [...]}
    {"dim": "intent", "word": "漏水", "w": [2.1, -0.3, ...]}

Training is deterministic (three fixed shuffle seeds, averaged), pure Python, ~40 s.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlp.model import AREAS, CATEGORIES, INTENTS
from nlp.rules import RulesError

URGENT_LABELS = ("no", "yes")
#: dimension -> (labels, which labelled rows train it, the row's label)
DIMS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "intent": (INTENTS, None, "intent"),
    "category": (CATEGORIES, "complaint", "category"),
    "area": (AREAS, "repair", "area"),
    "urgent": (URGENT_LABELS, None, "urgent"),
}
#: words that open a negation scope (to the end of the clause)
NEGATORS = frozenset(
    {
        "不",
        "没",
        "没有",
        "未",
        "无",
        "别",
        "不是",
        "并非",
        "不用",
        "不要",
        "没什么",
        "not",
        "no",
        "don't",
    }
)
BREAKS = frozenset("，,。.!！?？;；\n~")
#: punctuation and the white space normalised text can hold (dropped from the features)
_MARKS = BREAKS | frozenset(" \t\r\u3000")
#: regularisation per dimension (stronger where there are few examples or few positives)
L2 = {"intent": 1e-2, "category": 1e-2, "area": 3e-3, "urgent": 1e-2}
EPOCHS = 30
RATE = 0.5
DECAY = 5.0
SEEDS = (0, 1, 2)


def features(tokens: Iterable[str]) -> set[str]:
    """The words of a message as features: negated words marked, punctuation kept."""
    tokens = list(tokens)
    out = set(tokens)
    if out.isdisjoint(NEGATORS):  # no negation scope: set operations do it all
        marks = out & _MARKS
        if marks:
            out -= marks
            out.update("P" + t for t in marks if t in BREAKS)
        return out
    out.clear()
    neg = False
    for t in tokens:
        if t in BREAKS:
            neg = False
            out.add("P" + t)
            continue
        if not t.strip():
            continue
        out.add("~" + t if neg else t)
        if t in NEGATORS:
            neg = True
    return out


@dataclass(frozen=True, slots=True)
class Table:
    """Weights of one dimension: per word, one weight per label."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def logits(self, feats: Iterable[str]) -> list[float]:
        """Bias plus the weights of the known words: column sums, all in C."""
        return list(map(sum, zip(self.bias, *filter(None, map(self.weights.get, feats)))))  # noqa: B905

    def top_words(self, feats: Iterable[str], label: str, k: int = 5) -> list[tuple[str, float]]:
        """The words that pushed hardest for ``label`` (for explanations)."""
        i = self.labels.index(label)
        got = [(f, w[i]) for f in feats if (w := self.weights.get(f)) is not None and w[i] > 0]
        return sorted(got, key=lambda fw: (-fw[1], fw[0]))[:k]  # ties: stable text


class LearnedModel:
    """The tables of all dimensions, their weights also kept side by side in one vector
    per word: one lookup and one vector addition per word give every dimension at once.
    (Summing 22 columns instead of the 8 of intent and urgent costs about 0.3 us a
    message; a separate pass for the area or category of a repair or complaint cost 3-6 us.)"""

    HEAD = ("intent", "urgent", "category", "area")

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.tables = dict(tables)
        self.spans: dict[str, tuple[int, int]] = {}
        pos = 0
        for dim in self.HEAD:
            n = len(self.tables[dim].labels)
            self.spans[dim] = (pos, pos + n)
            pos += n
        heads = [self.tables[d] for d in self.HEAD]
        self.bias = tuple(b for t in heads for b in t.bias)
        zero = [(0.0,) * len(t.labels) for t in heads]
        self.head: dict[str, tuple[float, ...]] = {
            w: tuple(x for t, z in zip(heads, zero, strict=True) for x in t.weights.get(w, z))
            for w in set().union(*(t.weights for t in heads))
        }
        self.words = frozenset(w for w in self.head if w[0] != "P")  # punctuation aside

    def __getitem__(self, dim: str) -> Table:
        return self.tables[dim]

    def logits(self, feats: Iterable[str]) -> list[float] | None:
        """Bias plus the weights of every known word for all dimensions side by side
        (``spans[dim]`` says which slice is which); None when no word but punctuation is
        known (pinyin, odd text: the rules decide alone)."""
        if self.words.isdisjoint(feats):
            return None
        # column sums of the bias and the known words' vectors, all in C
        return list(map(sum, zip(self.bias, *filter(None, map(self.head.get, feats)))))  # noqa: B905

    @classmethod
    def load(cls, path: Path) -> LearnedModel | None:
        """The model in ``path``, or None when there is no such file."""
        if not path.exists():
            return None
        heads: dict[str, dict[str, object]] = {}
        words: dict[str, dict[str, tuple[float, ...]]] = {}
        try:
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    row = json.loads(line)
                    dim = row["dim"]
                    if "word" in row:
                        words.setdefault(dim, {})[row["word"]] = tuple(map(float, row["w"]))
                    else:
                        heads[dim] = row
            tables = {
                dim: Table(tuple(h["labels"]), tuple(map(float, h["bias"])), words.get(dim, {}))  # type: ignore[call-overload,arg-type]
                for dim, h in heads.items()
            }
            for dim, (labels, _, _) in DIMS.items():
                t = tables[dim]
                if t.labels != labels or any(len(v) != len(labels) for v in t.weights.values()):
                    raise ValueError(f"the {dim} table does not have the labels {labels}")
        except (ValueError, KeyError, TypeError) as exc:
            # a broken file must not replace a working classifier (nlp.reload keeps the old one)
            raise RulesError(f"{path}: not a learned-weights file ({exc!r})") from exc
        return cls(tables)

    def dump(self, path: Path) -> None:
        lines: list[str] = []
        for dim, t in self.tables.items():
            head = {"dim": dim, "labels": list(t.labels), "bias": [round(b, 4) for b in t.bias]}
            lines.append(json.dumps(head, ensure_ascii=False))
            for word in sorted(t.weights):
                w = [round(v, 3) for v in t.weights[word]]
                lines.append(json.dumps({"dim": dim, "word": word, "w": w}, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _label(row: Mapping[str, object], key: str) -> str:
    v = row.get(key)
    if key == "urgent":
        return "yes" if v else "no"
    return str(v)


def fit(
    examples: Sequence[tuple[set[str], str]],
    labels: tuple[str, ...],
    l2: float,
    epochs: int = EPOCHS,
    rate: float = RATE,
    seed: int = 0,
) -> Table:
    """Multinomial logistic regression by stochastic gradient descent.

    The L2 penalty is applied to the weights a message touches, when it touches them
    (so rare words are kept small without a pass over the whole vocabulary)."""
    n = len(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    w: dict[str, list[float]] = {}
    b = [0.0] * n
    rows = [(sorted(f), index[y]) for f, y in examples if y in index]
    order = list(range(len(rows)))
    rng = random.Random(seed)
    base = rate
    for epoch in range(epochs):
        rate = base / (1.0 + epoch / DECAY)  # a shrinking step: the last updates no longer dominate
        rng.shuffle(order)
        for k in order:
            feats, y = rows[k]
            vecs = [w.setdefault(f, [0.0] * n) for f in feats]
            z = b[:]
            for vec in vecs:
                for i in range(n):
                    z[i] += vec[i]
            m = max(z)
            e = [math.exp(v - m) for v in z]
            s = sum(e)
            g = [v / s for v in e]
            g[y] -= 1.0
            for vec in vecs:
                for i in range(n):
                    vec[i] -= rate * (g[i] + l2 * vec[i])
            for i in range(n):
                b[i] -= rate * 0.1 * g[i]
    kept = {f: tuple(v) for f, v in w.items() if max(abs(x) for x in v) >= 0.005}
    return Table(labels, tuple(b), kept)


def read_labelled(paths: Iterable[Path]) -> Iterator[dict[str, object]]:
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def train(
    rows: Sequence[Mapping[str, object]], tokenize: Callable[[str], list[str]]
) -> LearnedModel:
    """Fit every dimension; ``tokenize`` is the classifier's own (``Classifier.tokens``)."""
    feats = [features(tokenize(str(r["text"]))) for r in rows]
    tables: dict[str, Table] = {}
    for dim, (labels, only_intent, key) in DIMS.items():
        ex = [
            (f, _label(r, key))
            for f, r in zip(feats, rows, strict=True)
            if only_intent is None or r.get("intent") == only_intent
        ]
        tables[dim] = average([fit(ex, labels, L2[dim], seed=s) for s in SEEDS])
    return LearnedModel(tables)


def average(tables: Sequence[Table]) -> Table:
    """The mean of several fits that differ only in the order they saw the messages:
    steadier than any one of them (single fits moved urgent recall by ±2.5 points)."""
    n = len(tables)
    labels = tables[0].labels
    zero = (0.0,) * len(labels)
    words = set().union(*(t.weights for t in tables))
    bias = tuple(sum(col) / n for col in zip(*(t.bias for t in tables), strict=True))
    weights = {
        w: tuple(
            sum(col) / n for col in zip(*(t.weights.get(w, zero) for t in tables), strict=True)
        )
        for w in words
    }
    return Table(labels, bias, {w: v for w, v in weights.items() if max(map(abs, v)) >= 0.005})
