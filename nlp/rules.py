"""Load the supervisor-editable rule file (TOML) into an immutable, compiled rule set."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nlp.model import AREAS, CATEGORIES, INTENTS, PLACES

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_RULES_PATH = RULES_DIR / "rules.toml"

#: label dimensions of the rule file and their allowed labels
DIMENSIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"intent": INTENTS, "category": CATEGORIES, "area": AREAS, "place": PLACES}
)


class RulesError(ValueError):
    """The rule file is malformed; the message says where."""


@dataclass(frozen=True)
class Phrase:
    """One phrase of the rule file with everything it contributes."""

    text: str
    weights: tuple[tuple[str, str, float], ...] = ()  # (dimension, label, weight)
    urgent: float = 0.0
    blocker: bool = False
    sarcasm: bool = False
    latin: bool = False  # needs word boundaries
    free: bool = False  # counts wherever it occurs: no word-boundary check (long or [matching])
    prefix: bool = False  # latin keyword written "leak*": any word starting with it
    labels: frozenset[tuple[str, str]] = frozenset()
    desc: str = ""  # "intent:repair+3, area:plumbing+3" for explanations
    scored: bool = True  # counts towards a score (a pure blocker does not)


@dataclass(frozen=True)
class Combo:
    """Urgent when one phrase of every group occurs in the message."""

    name: str
    groups: tuple[tuple[str, ...], ...]
    weight: float


@dataclass(frozen=True)
class RuleSet:
    phrases: Mapping[str, Phrase]
    first_index: Mapping[str, tuple[int, ...]]  # first char -> phrase lengths, longest first
    trie: dict[str, Any]  # char -> [Phrase ending there or None, {next char: node}]
    negation_re: re.Pattern[str]
    negator_re: Markers  # any negator anywhere (a quick test before negation_re)
    hypothetical_re: Markers
    past_re: Markers
    question_re: re.Pattern[str]
    rhetorical_re: re.Pattern[str]  # 不是 / 难道 before the particle: not a real question
    clause_re: re.Pattern[str]
    combos: tuple[Combo, ...]
    decision: Mapping[str, Any]
    user_dict: Path | None
    source: Path | None = None
    learned: Path | None = None  # learned word weights ([meta] learned), see nlp/learned.py
    counts: Mapping[str, int] = field(default_factory=dict)
    # smell words (味, 气味, 异味 ...) that a negator anywhere before them in the clause
    # cancels: 燃气没有异味, 没有闻到煤气味 ([negation] clause_words / clause_negators)
    clause_words: frozenset[str] = frozenset()
    clause_negator_re: re.Pattern[str] | None = None
    hypothetical_after_re: Markers | None = None  # 电梯困人的话 ... ([hypothetical] after)
    # an earlier event still going on (还在, 现在又, 开始 ...): its urgency counts ([past] ongoing)
    past_ongoing_re: Markers | None = None
    # a defect told as fixed (修好了, 总算通了 ...): that clause and the ones before it
    # tell of the earlier defect ([past] fixed)
    past_fixed_re: Markers | None = None
    # the story of an earlier event goes on over the following clauses until one of these
    # brings it to now (现在, 今天, 刚才 ...: [past] present)
    past_present_re: Markers | None = None


_DECISION_DEFAULTS: dict[str, Any] = {
    "urgent_threshold": 3.0,
    "min_intent_score": 1.0,
    "score_k": 1.0,
    "confident_score": 0.55,
    "hypothetical_inquiry_weight": 2.0,
    "urgent_repair_bonus": 2.0,
    "default_category": "service",
    "default_area": "other",
    "sarcasm_weight": 2.0,
    "public_place_wins": 3.0,
    "area_implies_factor": 0.5,
    "area_implies_cap": 1.5,
    "category_implies_factor": 0.3,
    "category_implies_cap": 1.2,
    "complaint_over_repair": 4.0,
    "repair_over_inquiry": 4.0,
    "fixed_thanks_weight": 0.0,
    "wish_over_hypothetical": 3.0,
    "question_weight": 1.5,
    # blending with the learned word weights ([meta] learned): the rule scores of a
    # dimension, times this factor, are added to the learned log-probabilities
    "learned_intent_rules": 0.3,
    "learned_category_rules": 0.2,
    "learned_area_rules": 1.0,
    # urgent when learned log-odds + this factor x the rule urgent score >= the threshold;
    # the threshold is the highest at which 5-fold cross-validated urgent recall over all
    # the labelled data reaches 0.97 (`anju classify --cv`; docs/nlp.md)
    "learned_urgent_rules": 1.0,
    "learned_urgent_threshold": 0.0,
    "learned_urgent_rule_bonus": 1.5,  # added when the rules alone reach urgent_threshold
    # a question, suggestion, thanks or chit-chat is an emergency only at these log-odds
    # (煤气味好重 是先关阀还是先开窗？ is; 着火了怎么跑 / 建议…免得砸到人 are not)
    "learned_urgent_other_intent": 6.0,
    # not urgent, but at or above these the bot asks "is anyone in danger?" (maybe_urgent)
    "learned_ask_urgent": -2.0,
    "ask_urgent_rules": 1.5,
}


_LATIN_RE = re.compile("[a-z]")


class Markers:
    """Finds marker words (negators, 如果, 上次 ...) in normalised text.

    Behaves like ``re.compile(_alternation(words))`` for ``search`` and ``finditer``,
    but the English words (matched as whole words, which makes a regex slow) are looked
    for only in text that holds a Latin letter."""

    __slots__ = ("_cjk", "_latin")

    def __init__(self, words: list[str]) -> None:
        cjk = [w for w in words if not w.isascii()]
        latin = [w for w in words if w.isascii()]
        self._cjk = re.compile(_alternation(cjk)) if cjk else None
        self._latin = re.compile(_alternation(latin)) if latin else None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._cjk.search(text, pos, endpos) if self._cjk is not None else None
        if self._latin is not None and _LATIN_RE.search(text, pos, endpos):
            m2 = self._latin.search(text, pos, endpos)
            if m2 is not None and (m is None or m2.start() < m.start()):
                return m2
        return m

    def finditer(self, text: str) -> list[re.Match[str]]:
        found = list(self._cjk.finditer(text)) if self._cjk is not None else []
        if self._latin is not None and _LATIN_RE.search(text):
            found += self._latin.finditer(text)
            found.sort(key=lambda m: m.start())
        return found


def _alternation(words: list[str]) -> str:
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w)
        parts.append(rf"\b{esc}\b" if w.isascii() and w.isalpha() else esc)
    return "|".join(parts) or r"(?!x)x"


class _Builder:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def _entry(self, raw: str, where: str) -> dict[str, Any]:
        if not isinstance(raw, str) or not raw.strip():
            raise RulesError(f"{where}: empty phrase")
        text = raw.strip().lower()
        prefix = text.endswith("*") and text[:-1].isascii()
        text = text.rstrip("*") if prefix else text
        e = self.data.setdefault(
            text,
            {"weights": [], "urgent": 0.0, "blocker": False, "sarcasm": False, "prefix": False},
        )
        e["prefix"] = e["prefix"] or prefix
        return e

    def weights(self, dim: str, label: str, table: Mapping[str, Any]) -> None:
        for raw, w in table.items():
            if not isinstance(w, int | float):
                raise RulesError(f"[{dim}.{label}] {raw!r}: weight must be a number, got {w!r}")
            self._entry(raw, f"[{dim}.{label}]")["weights"].append((dim, label, float(w)))

    def build(self, free_chars: frozenset[str] = frozenset()) -> dict[str, Phrase]:
        out = {}
        for text, e in self.data.items():
            parts = [f"{d}:{lab}{w:+g}" for d, lab, w in e["weights"]]
            parts += [f"urgent{e['urgent']:+g}"] if e["urgent"] else []
            out[text] = Phrase(
                labels=frozenset((d, lab) for d, lab, _ in e["weights"]),
                desc=", ".join(parts),
                text=text,
                weights=tuple(e["weights"]),
                urgent=e["urgent"],
                blocker=e["blocker"],
                sarcasm=e["sarcasm"],
                latin=text.isascii(),
                free=not text.isascii() and (len(text) > 1 or text in free_chars),
                prefix=e["prefix"],
                scored=not e["blocker"] or bool(e["weights"]) or bool(e["urgent"]),
            )
        return out


def _str_list(doc: Mapping[str, Any], section: str, key: str) -> list[str]:
    value = doc.get(section, {}).get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"[{section}] {key} must be a list of strings")
    return [v.strip().lower() for v in value if v.strip()]


def parse_rules(doc: Mapping[str, Any], source: Path | None = None) -> RuleSet:
    """Compile a parsed TOML document (see docs/nlp.md for the format)."""
    b = _Builder()
    for dim, labels in DIMENSIONS.items():
        section = doc.get(dim, {})
        for label, table in section.items():
            if label not in labels:
                raise RulesError(f"[{dim}.{label}]: unknown label; expected one of {labels}")
            b.weights(dim, label, table)
    for raw, w in doc.get("urgent", {}).get("words", {}).items():
        b._entry(raw, "[urgent.words]")["urgent"] += float(w)
    for raw in _str_list(doc, "blockers", "phrases"):
        b._entry(raw, "[blockers]")["blocker"] = True
    for raw in _str_list(doc, "sarcasm", "markers"):
        b._entry(raw, "[sarcasm]")["sarcasm"] = True
    combos = []
    for i, c in enumerate(doc.get("urgent", {}).get("combo", [])):
        groups = tuple(tuple(str(p).lower() for p in g) for g in c.get("groups", []))
        if len(groups) < 2:
            raise RulesError(f"[[urgent.combo]] #{i + 1}: needs at least two groups")
        for g in groups:
            for p in g:
                b._entry(p, f"[[urgent.combo]] {c.get('name', i + 1)}")
        combos.append(
            Combo(str(c.get("name", f"combo {i + 1}")), groups, float(c.get("weight", 3)))
        )
    free = doc.get("matching", {}).get("free_chars", "")
    if not isinstance(free, str):
        raise RulesError("[matching] free_chars must be a string of characters")
    phrases = b.build(frozenset(free))
    lengths: dict[str, set[int]] = {}
    for text in phrases:
        lengths.setdefault(text[0], set()).add(len(text))
    first_index = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}
    trie: dict[str, Any] = {}  # char -> [Phrase ending here or None, {char: child}]
    for text, phrase in phrases.items():
        kids = trie
        node: list[Any] = []
        for ch in text:
            node = kids.setdefault(ch, [None, {}])
            kids = node[1]
        node[0] = phrase
    negators = _str_list(doc, "negation", "negators")
    fillers = _str_list(doc, "negation", "fillers")
    neg = f"(?:{_alternation(negators)})(?:{_alternation(fillers)})?$"
    hypo = _str_list(doc, "hypothetical", "markers")
    past = _str_list(doc, "past", "markers")
    clause = doc.get("negation", {}).get("clause_breaks", "，,。.!！?？;；\n~")
    particles = _str_list(doc, "question", "particles")
    question = (
        f"(?:{_alternation(particles)})(?=[\\s{re.escape(clause)}]|$)" if particles else r"(?!x)x"
    )
    decision = dict(_DECISION_DEFAULTS)
    decision.update(doc.get("decision", {}))
    meta = doc.get("meta", {})
    user_dict = None
    if "dictionary" in meta:
        base = source.parent if source else RULES_DIR
        user_dict = base / str(meta["dictionary"])
    learned = (
        (source.parent if source else RULES_DIR) / str(meta["learned"])
        if meta.get("learned")
        else None
    )
    counts = {
        "phrases": len(phrases),
        "blockers": sum(p.blocker for p in phrases.values()),
        "combos": len(combos),
    }
    return RuleSet(
        phrases=phrases,  # plain dicts: looked up in the hot loop (treat as read-only)
        first_index=first_index,
        trie=trie,
        negation_re=re.compile(neg),
        negator_re=Markers(negators),
        hypothetical_re=Markers(hypo),
        # the fixed words date their clause too, and one scan finds either kind
        past_re=Markers(past + _str_list(doc, "past", "fixed")),
        question_re=re.compile(question),
        rhetorical_re=re.compile(_alternation(_str_list(doc, "question", "rhetorical"))),
        clause_re=re.compile(f"[{re.escape(clause)}]"),
        combos=tuple(combos),
        decision=MappingProxyType(decision),
        user_dict=user_dict,
        source=source,
        learned=learned,
        counts=MappingProxyType(counts),
        clause_words=frozenset(_str_list(doc, "negation", "clause_words")),
        clause_negator_re=re.compile(_alternation(_str_list(doc, "negation", "clause_negators"))),
        hypothetical_after_re=_markers(_str_list(doc, "hypothetical", "after")),
        past_ongoing_re=_markers(_str_list(doc, "past", "ongoing")),
        past_fixed_re=_markers(_str_list(doc, "past", "fixed")),
        past_present_re=_markers(_str_list(doc, "past", "present")),
    )


def _markers(words: list[str]) -> Markers | None:
    return Markers(words) if words else None


def load_rules(path: Path | None = None) -> RuleSet:
    """Read and compile a rule file (default: ``nlp/rules/rules.toml``)."""
    path = Path(path) if path else DEFAULT_RULES_PATH
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from exc
    return parse_rules(doc, source=path)
