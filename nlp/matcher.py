"""Find rule phrases in a normalised message and settle blockers, overlaps, negation, hypotheticals."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

from nlp.bounds import Bounds
from nlp.rules import Phrase, RuleSet

OK, BLOCKED, NEGATED, HYPOTHETICAL = "ok", "blocked", "negated", "hypothetical"


@dataclass(slots=True)
class Hit:
    start: int
    end: int
    phrase: Phrase
    status: str = OK
    note: str = ""
    past: bool = False  # in a clause that tells of an earlier event (上次, 那回, 去年 ...)
    covered: frozenset[tuple[str, str]] = frozenset()  # labels a longer phrase around it counts

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


def scan(rules: RuleSet, text: str, bounds: Bounds) -> list[Hit]:
    """Every occurrence of a rule phrase (nested ones included), walking the phrase trie.

    Hits come sorted by start, and longest first at the same start."""
    hits: list[Hit] = []
    root = rules.trie
    n = len(text)
    for i, ch in enumerate(text):
        node = root.get(ch)
        if node is None:
            continue
        first = len(hits)
        j = i + 1
        while True:
            p, kids = node
            if p is not None and (
                p.free or (_latin_ok(text, i, j, p.prefix) if p.latin else bounds.aligned(i, j))
            ):  # a single Chinese character counts as a whole word only, unless free
                hits.append(Hit(i, j, p))
            if j >= n or not kids:
                break
            node = kids.get(text[j])
            if node is None:
                break
            j += 1
        if len(hits) > first + 1:  # several phrases start here: longest first
            hits[first:] = reversed(hits[first:])
    return hits


def settle(rules: RuleSet, text: str, hits: list[Hit], lazy: Bounds) -> tuple[list[Hit], bool]:
    """Mark hits blocked / negated / hypothetical (and past) in place. Returns the hits
    that count towards scores (not pure blockers), and whether any two of them overlap."""
    words = [h for h in hits if h.phrase.scored]
    for b in [h for h in hits if h.phrase.blocker]:
        bs, be = b.start, b.end
        for h in words:
            if h.end <= bs or h.start >= be or h is b or h.status != OK:
                continue  # no overlap
            if not (h.start <= bs and be <= h.end):  # a keyword holding the blocker counts
                h.status, h.note = BLOCKED, f"by {b.phrase.text}"
    if not words:
        return words, False
    # crossing keywords: the one that agrees with the word segmentation wins
    # (words are sorted by start, so any overlap shows up between neighbours)
    overlap = any(a.end > c.start for a, c in pairwise(words))
    if overlap:
        partners = _crossings(words)
        if partners is not None:
            _cross(words, partners, lazy)
    neg = rules.negator_re.search(text) is not None
    after_re = rules.hypothetical_after_re
    hypo_after = after_re is not None and after_re.search(text) is not None
    hypo = rules.hypothetical_re.search(text) is not None or hypo_after
    past = rules.past_re.search(text) is not None  # past_re holds the fixed words too
    fixed_re = rules.past_fixed_re
    fixed = fixed_re.finditer(text) if past and fixed_re is not None else []
    if not (neg or hypo or past):
        return words, overlap  # nothing can negate, hypothesise or date a keyword
    clause_starts = [0] + [m.end() for m in rules.clause_re.finditer(text)]
    past_clauses = (
        {
            clause_starts[bisect_right(clause_starts, m.start()) - 1]
            for m in rules.past_re.finditer(text)
        }
        if past
        else set()
    )
    present_re = rules.past_present_re
    if past_clauses and present_re is not None:
        # 前天晚上地库有台车自燃，烟都飘到楼上了: the clauses after a past one go on with
        # its story, up to one that comes back to now (现在还在冒烟)
        ends = [*clause_starts[1:], len(text)]
        story = False
        for cs, ce in zip(clause_starts, ends, strict=True):
            if cs in past_clauses:
                story = True
            elif story and present_re.search(text, cs, ce) is not None:
                story = False
            elif story:
                past_clauses.add(cs)
    if fixed:
        # 马桶堵了一周，今天总算通了: the clauses up to the fix tell of the fixed defect
        last = bisect_right(clause_starts, fixed[-1].start())
        past_clauses.update(clause_starts[:last])
    negation_re, hypothetical_re = rules.negation_re, rules.hypothetical_re
    neg_start = neg_end = -1  # the last negated hit: keywords inside it are negated too
    for h in words:
        if h.status != OK:
            continue
        start = h.start
        if neg_start <= start and h.end <= neg_end:
            h.status, h.note = NEGATED, "inside a negated phrase"
            continue
        cstart = clause_starts[bisect_right(clause_starts, start) - 1]
        if neg:
            lo = max(cstart, start - 4)
            m = negation_re.search(text, lo, start)
            if (
                m
                and not _a_not_a(text, m.start(), lo)
                and not _rhetorical(text, m, rules)
                and not _bie_word(text, m)
            ):
                h.status, h.note = NEGATED, f"after {m.group(0)}"
                neg_start, neg_end = start, h.end
                continue
            if h.phrase.text in rules.clause_words and rules.clause_negator_re is not None:
                # a smell word: a negator anywhere before it in the clause (燃气没有异味)
                m = rules.clause_negator_re.search(text, max(cstart, start - 6), start)
                if m and not _a_not_a(text, m.start(), max(cstart, start - 6)):
                    h.status, h.note = NEGATED, f"after {m.group(0)} (smell)"
                    neg_start, neg_end = start, h.end
                    continue
        m2 = hypothetical_re.search(text, cstart, start) if hypo else None
        if m2 is None and hypo_after and after_re is not None:
            # a marker after the keyword in the same clause: 电梯困人的话找谁
            cend = rules.clause_re.search(text, h.end)
            m2 = after_re.search(text, h.end, cend.start() if cend else len(text))
        if m2:
            h.status, h.note = HYPOTHETICAL, f"after {m2.group(0)}"
        elif past_clauses:
            # a past marker anywhere in the same clause (上次电梯困人 / 电梯困人那次)
            h.past = cstart in past_clauses
    return words, overlap


def _bie_word(text: str, m: re.Match[str]) -> bool:
    """Is the negator 别 the end of a word (特别, 分别, 区别, 级别 ...)? 特别感谢 is thanks."""
    return m.group(0) == "别" and m.start() > 0 and text[m.start() - 1] in "特分区级类个识辨性告"


def _a_not_a(text: str, neg: int, lo: int) -> bool:
    """Is the negator at ``neg`` the middle of 是不是 or 有没有? Those ask (or accuse), they
    do not deny: 是不是偷工了 is not 不是偷工, 有没有违约金 is not 没有违约金.
    (要不要断电 stays a negation: nothing is cut yet.)"""
    return neg > lo and text[neg - 1 : neg + 2] in ("是不是", "有没有")


def _rhetorical(text: str, m: re.Match[str], rules: RuleSet) -> bool:
    """不是 … 吗 in one clause asserts: 这不是骗人吗 means it is cheating."""
    if not m.group(0).startswith("不是"):
        return False
    end = rules.clause_re.search(text, m.end())
    return text[m.end() : end.start() if end else len(text)].endswith("吗")


def _crossings(words: list[Hit]) -> list[list[int]] | None:
    """For every keyword, the indices of the keywords it crosses (overlaps without one
    holding the other), in list order (the outer loop appends them in that order); None
    when no two cross. Words are sorted by start, longest first at the same start."""
    partners: list[list[int]] | None = None
    n = len(words)
    for i in range(n - 1):
        a = words[i]
        ae = a.end
        for j in range(i + 1, n):
            c = words[j]
            if c.start >= ae:
                break
            if c.end > ae and c.start > a.start:
                if partners is None:
                    partners = [[] for _ in words]
                partners[i].append(j)
                partners[j].append(i)
    return partners


def _cross(words: list[Hit], partners: list[list[int]], lazy: Bounds) -> None:
    """Of two keywords that cross, drop the one the word segmentation splits."""
    for i, a in enumerate(words):
        for j in partners[i]:
            c = words[j]
            if a.status != OK or c.status != OK:
                continue
            if any(o.contains(a) and o.contains(c) for o in words if o.status == OK):
                continue  # both inside a longer phrase (煤气 / 气味 in 煤气味)
            if not lazy.aligned(a.start, a.end) and lazy.aligned(c.start, c.end):
                a.status, a.note = BLOCKED, f"crosses {c.phrase.text}"
