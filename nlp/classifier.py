"""The rule-based intake classifier: normalise -> segment -> match rules -> score -> decide."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from operator import add
from pathlib import Path

import jieba

from nlp.bounds import FixedBounds, LazyBounds, Segmenter
from nlp.learned import URGENT_LABELS, LearnedModel, Table, features
from nlp.matcher import HYPOTHETICAL, OK, Hit, scan, settle
from nlp.model import AREAS, CATEGORIES, INTENTS, PLACES, Analysis, LazyExplanation
from nlp.routing import build_routing, route
from nlp.rules import DIMENSIONS, RuleSet, load_rules
from nlp.text import new_fast_cut, new_tokenizer, normalize

_HYPO_DROPS = {("intent", "repair"), ("intent", "complaint")}
_new = object.__new__


@lru_cache(maxsize=2)
def _tokenizer(
    user_dict: str | None, mtime_ns: int
) -> tuple[jieba.Tokenizer, Callable[[str], list[str]] | None]:
    path = Path(user_dict) if user_dict else None
    return new_tokenizer(path), new_fast_cut(path)


def _tokenizer_for(rules: RuleSet) -> tuple[jieba.Tokenizer, Callable[[str], list[str]] | None]:
    ud = rules.user_dict
    mtime = ud.stat().st_mtime_ns if ud is not None and ud.exists() else 0
    return _tokenizer(str(ud) if ud else None, mtime)


def _best(scores: Mapping[str, float], order: tuple[str, ...]) -> tuple[str, float, float]:
    """(label, top score, runner-up score); ties go to the earlier label in ``order``."""
    top_label = order[0]
    top = scores[top_label]
    second = float("-inf")
    for lab in order[1:]:
        v = scores[lab]
        if v > top:
            top_label, top, second = lab, v, top
        elif v > second:
            second = v
    return top_label, top, second if len(order) > 1 else 0.0


def _fmt(scores: Mapping[str, float]) -> str:
    return " ".join(f"{k}={v:g}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]) if v)


def _cover(live: list[Hit]) -> None:
    """Give every hit the labels of the longer hits that contain it.

    Hits come sorted by start, longest first at the same start, so a hit can only be
    held by an earlier one, and the inner loop stops at the first hit past the end."""
    n = len(live)
    for x in range(n - 1):
        o = live[x]
        os, oe = o.start, o.end
        for y in range(x + 1, n):
            h = live[y]
            if h.start >= oe:
                break
            if h.end <= oe and oe - os > h.end - h.start:
                h.covered = h.covered | o.phrase.labels


class Classifier:
    """Immutable once built; build a new one (``Classifier.load``) to change rules."""

    def __init__(
        self,
        rules: RuleSet,
        tokenizer: jieba.Tokenizer,
        routing: Mapping[str, str] | None = None,
        learned: LearnedModel | None = None,
        fast_cut: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.rules = rules
        self.learned = learned
        self.tokenizer = tokenizer
        self.segmenter = Segmenter(tokenizer, fast_cut)
        self._combo_sets = tuple(tuple(frozenset(g) for g in c.groups) for c in rules.combos)
        # phrase -> the combos it belongs to, in file order: only those are checked
        by_word: dict[str, list[int]] = {}
        for i, sets in enumerate(self._combo_sets):
            for w in frozenset().union(*sets):
                by_word.setdefault(w, []).append(i)
        self._combos_of = {w: tuple(ix) for w, ix in by_word.items()}
        self._combo_words = frozenset(self._combos_of)
        self.routing = build_routing(routing)
        # numeric thresholds of [decision], as floats (read on every message)
        self._f = {k: float(v) for k, v in rules.decision.items() if isinstance(v, int | float)}
        # object words imply a repair, complaint-category words a complaint (weakly)
        self._implies = tuple(
            (dim, intent, self._f[f"{dim}_implies_factor"], self._f[f"{dim}_implies_cap"])
            for dim, intent in (("area", "repair"), ("category", "complaint"))
        )
        # empty score tables, copied for every message
        self._zero = {dim: dict.fromkeys(labels, 0.0) for dim, labels in DIMENSIONS.items()}
        # per blended dimension: its learned table, its slice of the head vector and the
        # factor of the rule scores
        self._pick_of: dict[str, tuple[Table, slice, float]] = {}
        self._urgent_at = 0
        if learned is not None:
            assert learned["urgent"].labels == URGENT_LABELS  # ("no", "yes")
            self._urgent_at = learned.spans["urgent"][0]
            for dim in ("intent", "category", "area"):
                self._pick_of[dim] = (
                    learned[dim],
                    slice(*learned.spans[dim]),
                    self._f[f"learned_{dim}_rules"],
                )

    @classmethod
    def load(
        cls, rules_path: Path | None = None, routing: dict[str, str] | None = None
    ) -> Classifier:
        rules = load_rules(rules_path)
        learned = LearnedModel.load(rules.learned) if rules.learned is not None else None
        tokenizer, fast_cut = _tokenizer_for(rules)
        return cls(rules, tokenizer, routing, learned, fast_cut)

    def tokens(self, text: str) -> list[str]:
        """The words of a message as the classifier sees them (normalised, jieba, no HMM)."""
        return FixedBounds(self.segmenter, normalize(text)).tokens

    def analyze(self, text: str, *, explain: bool = False) -> Analysis:
        """Classify one message. The explanation is built now with ``explain=True``,
        otherwise on first access of ``Analysis.explanation`` (it costs more than the rest)."""
        norm = normalize(text)
        bounds: LazyBounds | FixedBounds
        learned: tuple[set[str], list[float]] | None = None
        if self.learned is None:
            bounds = LazyBounds(self.segmenter, norm)  # jieba runs only if a rule needs it
        else:
            bounds = FixedBounds(self.segmenter, norm)  # the learned weights need every word
            feats = features(bounds.tokens)
            logits = self.learned.logits(feats)
            if logits is not None:  # None: no word it has seen (pinyin ...): rules alone
                learned = (feats, logits)
        hits, overlap = settle(self.rules, norm, scan(self.rules, norm, bounds), bounds)
        q = self.rules.question_re.search(norm)
        question = q is not None and not self._rhetorical(norm, q.start())
        return self._decide(text, hits, [] if explain else None, question, norm, learned, overlap)

    def _rhetorical(self, norm: str, particle: int) -> bool:
        """不是…吗 / 难道…吗 in one clause asserts, it does not ask (这不是骗人吗)."""
        cstart = 0
        for m in self.rules.clause_re.finditer(norm, 0, particle):
            cstart = m.end()
        return self.rules.rhetorical_re.search(norm, cstart, particle) is not None

    def _over(self, norm: str) -> bool:
        """Is the earlier event a message speaks of over? Yes, unless something says it
        still goes on (还在, 现在又, 开始, 赶紧 ... : [past] ongoing)."""
        ongoing = self.rules.past_ongoing_re
        return ongoing is None or ongoing.search(norm) is None

    def _explain(self, text: str) -> tuple[str, ...]:
        return tuple(self.analyze(text, explain=True).explanation)

    def _decide(
        self,
        text: str,
        hits: list[Hit],
        why: list[str] | None,
        question: bool = False,
        norm: str = "",
        learned: tuple[set[str], list[float]] | None = None,
        overlap: bool = True,
    ) -> Analysis:
        """``hits``: the scored hits, settled; ``overlap``: whether any two overlap."""
        d = self.rules.decision
        f = self._f
        scores = {dim: zero.copy() for dim, zero in self._zero.items()}
        matched: list[str] = []
        urgent = 0.0
        sarcasm = hypothetical = False
        fired: set[str] = set()
        # contributions of hits that tell of an earlier event; dropped for thanks (below)
        deferred: list[tuple[str, str, float]] = []
        past_fired: set[str] = set()
        if overlap:  # some phrases may sit inside longer ones
            _cover([h for h in hits if h.status == OK or h.status == HYPOTHETICAL])
        for h in hits:
            p = h.phrase
            if h.status != OK and h.status != HYPOTHETICAL:
                if why is not None:
                    why.append(f"{h.status}: {p.text} ({h.note})")
                continue
            hypo = h.status == HYPOTHETICAL
            past = h.past
            covered = h.covered  # labels already counted by a longer phrase around it
            if not hypo and not past and covered.isdisjoint(p.labels):  # fast path
                for dim, label, w in p.weights:
                    scores[dim][label] += w
                urgent += p.urgent
                fired.add(p.text)
                if p.sarcasm:
                    sarcasm = True
                    scores["intent"]["complaint"] += f["sarcasm_weight"]
                if p.desc or p.sarcasm:
                    matched.append(p.text)
                    if why is not None:
                        why.append(f"{p.text}: {p.desc}{' sarcasm' if p.sarcasm else ''}")
                continue
            # slow path: some labels are dropped. The explanation strings are built only
            # when asked for (formatting them is the costly part)
            parts: list[str] | None = [] if why is not None else None
            counted = False
            for dim, label, w in p.weights:
                if hypo and (dim in ("category", "area") or (dim, label) in _HYPO_DROPS):
                    hypothetical = hypothetical or (dim, label) in _HYPO_DROPS
                    continue
                if (dim, label) in covered:
                    continue  # the longer phrase around it already counts for this label
                counted = True
                if past and (dim == "area" or (dim, label) == ("intent", "repair")):
                    deferred.append((dim, label, w))
                    if parts is not None:
                        parts.append(f"past {dim}:{label}{w:+g}")
                    continue
                scores[dim][label] += w
                if parts is not None:
                    parts.append(f"{dim}:{label}{w:+g}")
            if p.urgent and not hypo:
                counted = True
                if past:
                    deferred.append(("urgent", "", p.urgent))
                else:
                    urgent += p.urgent
                if parts is not None:
                    parts.append(f"{'past ' if past else ''}urgent{p.urgent:+g}")
            elif p.urgent:
                hypothetical = True
            if p.sarcasm and not hypo:
                sarcasm = True
                counted = True
                scores["intent"]["complaint"] += f["sarcasm_weight"]
                if parts is not None:
                    parts.append("sarcasm")
            if past:
                past_fired.add(p.text)
            elif not hypo:
                fired.add(p.text)
            if counted:
                matched.append(p.text)
                if why is not None and parts is not None:
                    tag = f"hypothetical ({h.note}) " if hypo else ""
                    why.append(f"{tag}{p.text}: {', '.join(parts)}")
            elif hypo and why is not None:
                why.append(f"hypothetical: {p.text} ({h.note})")
        if deferred or past_fired:
            if scores["intent"]["praise"] > 0 or sarcasm:
                if why is not None:
                    why.append(
                        "thanks (or sarcasm) about an earlier event: its repair, area and urgency dropped"
                    )
                fixed, again = self.rules.past_fixed_re, self.rules.past_ongoing_re
                if (
                    not sarcasm
                    and fixed is not None
                    and fixed.search(norm) is not None
                    and (again is None or again.search(norm) is None)
                ):
                    # thanks for a defect told as fixed (漏水的问题终于解决了，谢谢师傅), and
                    # not broken again (修好了，今天又漏了)
                    scores["intent"]["praise"] += f["fixed_thanks_weight"]
                    if why is not None:
                        why.append(f"thanks for a fix: praise{d['fixed_thanks_weight']:+g}")
            elif self._over(norm):
                # the earlier event is over (昨晚电梯困人…最后打的119): no emergency now,
                # but its repair and area words still say what it was about
                for dim, label, w in deferred:
                    if dim != "urgent":
                        scores[dim][label] += w
                if why is not None:
                    why.append("an earlier event that is over: its urgency dropped")
            else:
                for dim, label, w in deferred:
                    if dim == "urgent":
                        urgent += w
                    else:
                        scores[dim][label] += w
                fired |= past_fired
        combos_of = self._combos_of
        in_combos = fired & self._combo_words
        for i in sorted({i for w in in_combos for i in combos_of[w]}) if in_combos else ():
            combo, sets = self.rules.combos[i], self._combo_sets[i]
            for g in sets:
                if fired.isdisjoint(g):
                    break
            else:
                picks = [next((w for w in g if w in fired), None) for g in combo.groups]
                if all(picks):
                    urgent += combo.weight
                    matched.extend(w for w in picks if w and w not in matched)
                    if why is not None:
                        why.append(
                            f"combo {combo.name}: {' + '.join(map(str, picks))} urgent{combo.weight:+g}"
                        )
        intent_s = scores["intent"]
        if question:
            intent_s["inquiry"] += f["question_weight"]
            if why is not None:
                why.append(
                    f"ends a clause with a question particle: inquiry{d['question_weight']:+g}"
                )
        if hypothetical and intent_s["suggestion"] >= f["wish_over_hypothetical"]:
            hypothetical = False  # a wish (希望以后…, 要是能…就好了), not a question
            if why is not None:
                why.append("hypothetical inside a wish: stays a suggestion")
        if hypothetical:
            intent_s["inquiry"] += f["hypothetical_inquiry_weight"]
            if why is not None:
                why.append(f"hypothetical defect -> inquiry{d['hypothetical_inquiry_weight']:+g}")
        if sarcasm and intent_s["praise"]:
            intent_s["complaint"] += intent_s["praise"]
            intent_s["praise"] = 0.0
            if why is not None:
                why.append("sarcasm: praise counted as complaint")
        odds = 0.0  # learned log-odds of an emergency
        if learned is None:
            is_urgent = urgent >= f["urgent_threshold"]
            maybe = not is_urgent and urgent >= f["ask_urgent_rules"]
        else:
            odds = self._learned_urgent(urgent, learned, why)
            is_urgent = odds >= f["learned_urgent_threshold"]
            maybe = not is_urgent and odds >= f["learned_ask_urgent"]
        if is_urgent and intent_s["complaint"] < f["complaint_over_repair"]:
            intent_s["repair"] += f["urgent_repair_bonus"]
        self._implied(scores, why)
        if why is not None:
            why.append(f"intent scores: {_fmt(intent_s) or 'none'}")
        if learned is not None:
            intent, conf = self._learned_pick("intent", intent_s, learned, why)
            if intent == "other":
                conf = min(conf, 0.3)  # never a confident "other": the owner gets the menu
            if sarcasm and intent == "praise":
                intent = "complaint"  # 呵呵…可真快啊，谢谢: the thanks are sarcastic
                if why is not None:
                    why.append("sarcasm: praise counted as complaint")
        else:
            intent, s1, s2 = _best(intent_s, INTENTS)
            if s1 < f["min_intent_score"]:
                intent = "other"
            intent = self._overrides(intent, intent_s, why)
            if intent != "other":
                s1 = intent_s[intent]
                s2 = max(v for k, v in intent_s.items() if k != intent)
            k = f["score_k"]
            conf = s1 / (s1 + max(s2, 0.0) + k) if s1 > 0 else 0.3
        if (
            is_urgent
            and learned is not None
            and intent not in ("repair", "complaint")
            and odds < f["learned_urgent_other_intent"]
        ):
            is_urgent, maybe = False, True  # it asks or proposes; danger words in it
            if why is not None:
                why.append(
                    f"{intent} with urgent log-odds {odds:+.2f} < "
                    f"{f['learned_urgent_other_intent']:g}: not urgent"
                )
        category = area = place = None
        if intent == "complaint":
            if learned is not None:
                category, share = self._learned_pick("category", scores["category"], learned, why)
                conf *= 0.5 + 0.5 * share
            else:
                category, conf = self._sub(scores, "category", CATEGORIES, conf, why)
        elif intent == "repair":
            if learned is not None:
                area, share = self._learned_pick("area", scores["area"], learned, why)
                conf *= 0.5 + 0.5 * share
            else:
                area, conf = self._sub(scores, "area", AREAS, conf, why)
            plab, p1, _ = _best(scores["place"], PLACES)
            place = plab if p1 > 0 else None
            pub = scores["place"]["public_area"]
            # (rules alone: the learned area weights already know the shared spaces)
            if (
                learned is None
                and pub >= f["public_place_wins"]
                and area
                not in (
                    "elevator",
                    "gas",
                    "public_area",
                )
            ):
                if why is not None:
                    why.append(f"shared-space place {pub:g}: area {area} -> public_area")
                area = "public_area"
        if why is not None:
            why.append(f"urgent score {urgent:g} (threshold {d['urgent_threshold']:g})")
        dept = route(self.routing, intent, category)
        confident = conf >= f["confident_score"]
        if why is not None:
            why.append(
                f"decision: {intent} score {conf:.2f} {'confident' if confident else 'unsure'} -> {dept}"
            )
        # Analysis is a frozen dataclass; filling its __dict__ skips the frozen __init__'s
        # eleven object.__setattr__ calls (about 2 us a message), with the same result.
        result: Analysis = _new(Analysis)
        result.__dict__.update(
            text=text,
            intent=intent,
            category=category,
            area=area,
            place=place,
            urgent=is_urgent,
            maybe_urgent=maybe,
            department=dept,
            score=round(min(max(conf, 0.0), 1.0), 4),
            confident=confident,
            matched=tuple(matched),
            explanation=tuple(why)
            if why is not None
            else LazyExplanation(partial(self._explain, text)),
        )
        return result

    def _learned_pick(
        self,
        dim: str,
        rule_scores: Mapping[str, float],
        learned: tuple[set[str], list[float]],
        why: list[str] | None,
    ) -> tuple[str, float]:
        """Learned log-probabilities plus the rule scores times [decision] learned_<dim>_rules;
        returns the best label and its share of the blended probability."""
        feats, head = learned
        table, span, beta = self._pick_of[dim]
        logits = head[span]
        # log-softmax shifts every label alike, so the logits can be blended as they are
        # (the rule scores are in the table's label order: both follow nlp.model)
        blended = list(map(add, logits, map(beta.__mul__, rule_scores.values())))
        m = max(blended)
        label = table.labels[blended.index(m)]
        p = 1.0 / sum(map(math.exp, map((-m).__add__, blended)))
        if why is not None:
            words = ", ".join(f"{w}{v:+.2f}" for w, v in table.top_words(feats, label))
            why.append(
                f"{dim}: learned words for {label}: {words or 'none'}; "
                f"blended with rules x{beta:g} -> {label} p={p:.2f}"
            )
        return label, p

    def _learned_urgent(
        self, rule_score: float, learned: tuple[set[str], list[float]], why: list[str] | None
    ) -> float:
        """Log-odds that the message is an emergency: learned words plus the rules."""
        f = self._f
        feats, logits = learned
        no = self._urgent_at  # the urgent labels ("no", "yes") in the head vector
        lo = logits[no + 1] - logits[no]
        odds = lo + f["learned_urgent_rules"] * rule_score
        if rule_score >= f["urgent_threshold"]:
            odds += f["learned_urgent_rule_bonus"]  # emergencies lean towards recall
        if why is not None:
            assert self.learned is not None
            yes = odds >= f["learned_urgent_threshold"]
            words = ", ".join(
                f"{w}{v:+.2f}" for w, v in self.learned["urgent"].top_words(feats, "yes")
            )
            why.append(
                f"urgent: learned words {words or 'none'}; log-odds {lo:+.2f} + "
                f"rules {rule_score:g} x{f['learned_urgent_rules']:g} = {odds:+.2f} "
                f"({'urgent' if yes else 'not urgent'} at {f['learned_urgent_threshold']:g})"
            )
        return odds

    def _sub(
        self,
        scores: dict[str, dict[str, float]],
        dim: str,
        order: tuple[str, ...],
        conf: float,
        why: list[str] | None,
    ) -> tuple[str, float]:
        d = self.rules.decision
        label, t1, t2 = _best(scores[dim], order)
        if why is not None:
            why.append(f"{dim} scores: {_fmt(scores[dim]) or 'none'}")
        if t1 > 0:
            return label, conf * (0.5 + 0.5 * t1 / (t1 + max(t2, 0.0) + 0.5))
        if dim == "category" and (
            sum(scores["area"].values()) > 0 or scores["intent"]["repair"] > 0
        ):
            return "quality", conf * 0.7
        return str(d[f"default_{dim}"]), conf * 0.6

    def _implied(self, scores: dict[str, dict[str, float]], why: list[str] | None) -> None:
        """Object words imply a repair, complaint-category words a complaint (weakly)."""
        for dim, intent, factor, cap in self._implies:
            top = max(scores[dim].values())
            if top > 0:
                bonus = min(top * factor, cap)
                scores["intent"][intent] += bonus
                if why is not None:
                    why.append(f"{dim} words imply {intent}{bonus:+.2g}")

    def _overrides(self, intent: str, s: dict[str, float], why: list[str] | None) -> str:
        """Precedence rules between intents that plain scores get wrong."""
        d = self.rules.decision
        f = self._f
        if intent == "repair" and s["complaint"] >= f["complaint_over_repair"]:
            if why is not None:
                why.append(
                    f"complaint marker {s['complaint']:g} >= {d['complaint_over_repair']:g}: complaint"
                )
            return "complaint"
        if intent == "inquiry" and s["repair"] >= f["repair_over_inquiry"]:
            if why is not None:
                why.append(
                    f"repair {s['repair']:g} >= {d['repair_over_inquiry']:g} with a question: repair"
                )
            return "repair"
        return intent
