"""Find rule phrases in a normalised message and settle blockers, overlaps, negation, hypotheticals."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

from nlp.bounds import LazyBounds
from nlp.rules import Phrase, RuleSet

OK, BLOCKED, NEGATED, HYPOTHETICAL = "ok", "blocked", "negated", "hypothetical"


@dataclass(slots=True)
class Hit:
    start: int
    end: int
    phrase: Phrase
    status: str = OK
    note: str = ""

    def contains(self, other: Hit) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Hit) -> bool:
        return self.start < other.end and other.start < self.end


def _latin_ok(text: str, start: int, end: int, prefix: bool) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isascii() and before.isalnum():
        return False
    return prefix or not (after.isascii() and after.isalnum())


def scan(rules: RuleSet, text: str, bounds: LazyBounds) -> list[Hit]:
    """Every occurrence of a rule phrase (nested ones included), walking the phrase trie.

    Hits come sorted by start, and longest first at the same start."""
    hits: list[Hit] = []
    root = rules.trie
    n = len(text)
    for i, ch in enumerate(text):
        node = root.get(ch)
        if node is None:
            continue
        found: list[Hit] | None = None
        j = i + 1
        while True:
            p, kids = node
            if p is not None and (
                (_latin_ok(text, i, j, p.prefix) if p.latin else j - i > 1)
                or (not p.latin and bounds.aligned(i, j))  # one character: a whole word only
            ):
                if found is None:
                    found = [Hit(i, j, p)]
                else:
                    found.append(Hit(i, j, p))
            if j >= n or not kids:
                break
            node = kids.get(text[j])
            if node is None:
                break
            j += 1
        if found is not None:
            found.reverse()
            hits.extend(found)
    return hits


def settle(rules: RuleSet, text: str, hits: list[Hit], lazy: LazyBounds) -> None:
    """Mark hits blocked / negated / hypothetical in place."""
    blockers = [h for h in hits if h.phrase.blocker]
    words = [h for h in hits if h.phrase.scored]
    for b in blockers:
        bs, be = b.start, b.end
        for h in words:
            if h.end <= bs or h.start >= be or h is b or h.status != OK:
                continue  # no overlap
            if not (h.start <= bs and be <= h.end):  # a keyword holding the blocker counts
                h.status, h.note = BLOCKED, f"by {b.phrase.text}"
    # crossing keywords: the one that agrees with the word segmentation wins
    # (words are sorted by start, so any overlap shows up between neighbours)
    crossing = any(a.end > c.start for a, c in pairwise(words))
    for a in words if crossing else ():
        for c in words:
            if a is c or a.status != OK or c.status != OK:
                continue
            if a.overlaps(c) and not a.contains(c) and not c.contains(a):
                if any(o.contains(a) and o.contains(c) for o in words if o.status == OK):
                    continue  # both inside a longer phrase (煤气 / 气味 in 煤气味)
                if not lazy.aligned(a.start, a.end) and lazy.aligned(c.start, c.end):
                    a.status, a.note = BLOCKED, f"crosses {c.phrase.text}"
    if not words:
        return
    clause_starts = [0] + [m.end() for m in rules.clause_re.finditer(text)]
    for h in words:
        if h.status != OK:
            continue
        cstart = clause_starts[bisect_right(clause_starts, h.start) - 1]
        ctx = text[max(cstart, h.start - 4) : h.start]
        m = rules.negation_re.search(ctx)
        if m:
            h.status, h.note = NEGATED, f"after {m.group(0)}"
            continue
        m2 = rules.hypothetical_re.search(text, cstart, h.start)
        if m2:
            h.status, h.note = HYPOTHETICAL, f"after {m2.group(0)}"
