"""Word boundaries of jieba's accurate mode (HMM off), computed fast and only on demand.

``Segmenter.bounds(text)`` returns exactly the offsets where a token of
``list(tokenizer.cut(text, HMM=False))`` starts or ends (``tests/nlp/test_bounds.py``
checks this), but it skips building the token strings and jieba's generators, and it
caches the log-probability of every dictionary word it has looked at.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, pairwise
from math import log

import jieba

# the patterns jieba.Tokenizer.cut uses (jieba.re_han_default, jieba.re_skip_default)
_HAN_RE = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class Segmenter:
    """Boundary finder over a loaded ``jieba.Tokenizer`` (read-only use of its dictionary)."""

    def __init__(
        self, tokenizer: jieba.Tokenizer, fast_cut: Callable[[str], list[str]] | None = None
    ) -> None:
        tokenizer.check_initialized()
        self.fast_cut = fast_cut  # compiled jieba (nlp.text.new_fast_cut), when installed
        self.freq: dict[str, int] = tokenizer.FREQ
        self.logtotal = log(tokenizer.total)
        self._lp: dict[str, float] = {}  # word -> log(freq) - log(total), filled on demand

    def _logp(self, frag: str) -> float:
        lp = self._lp.get(frag)
        if lp is None:
            lp = log(self.freq.get(frag) or 1) - self.logtotal
            if len(self._lp) > 500_000:  # bounded: odd characters would grow it forever
                self._lp.clear()
            self._lp[frag] = lp
        return lp

    def _block(self, s: str, offset: int, out: set[int]) -> None:
        """Boundaries of one han block (jieba's __cut_DAG_NO_HMM), shifted by offset."""
        freq, lps, logp = self.freq, self._lp, self._logp
        n = len(s)
        score = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            best_v = 0.0
            best_x = -1
            i = k
            frag = s[k]
            while i < n:
                f = freq.get(frag)
                if f is None:
                    break
                if f:
                    lp = lps.get(frag)
                    if lp is None:
                        lp = logp(frag)
                    v = lp + score[i + 1]
                    if best_x < 0 or v >= best_v:  # max() over (v, x): ties go to larger x
                        best_v, best_x = v, i
                i += 1
                frag = s[k : i + 1]
            if best_x < 0:  # no dictionary word starts here: the single character
                best_v, best_x = logp(s[k]) + score[k + 1], k
            score[k] = best_v
            nxt[k] = best_x + 1
        x = 0
        in_eng = False  # single ASCII letters/digits are glued into one token
        while x < n:
            y = nxt[x]
            if y - x == 1 and s[x] in _ASCII_ALNUM:
                if not in_eng:
                    out.add(offset + x)
                    in_eng = True
            else:
                out.add(offset + x)
                in_eng = False
            x = y
        out.add(offset + n)

    def bounds(self, text: str) -> frozenset[int]:
        """Character offsets where a jieba token (HMM off) starts or ends."""
        out = {0}
        pos = 0
        for blk in _HAN_RE.split(text):
            if not blk:
                continue
            if _HAN_RE.fullmatch(blk):
                self._block(blk, pos, out)
            else:  # jieba yields every other character on its own ("\r\n" as one token)
                for j in range(len(blk)):
                    if not (blk[j] == "\n" and j > 0 and blk[j - 1] == "\r"):
                        out.add(pos + j)
                out.add(pos + len(blk))
            pos += len(blk)
        return frozenset(out)


class LazyBounds:
    """Word boundaries of one message, segmenting only the blocks a rule asks about.

    ``aligned(start, end)`` is ``start in b and end in b`` for ``b = seg.bounds(text)``,
    but jieba's dynamic programme runs only over the han block(s) holding the offsets.
    """

    __slots__ = ("_blocks", "_done", "_seg", "_spans", "_text")

    def __init__(self, seg: Segmenter, text: str) -> None:
        self._seg = seg
        self._text = text
        self._spans: list[int] | None = None  # flat [start0, end0, start1, end1, ...]
        self._done: dict[int, set[int]] = {}  # block start -> its boundaries

    def _is_bound(self, pos: int) -> bool:
        text = self._text
        if pos <= 0 or pos >= len(text):
            return True
        if self._spans is None:
            self._spans = [x for m in _HAN_RE.finditer(text) for x in m.span()]
        k = bisect_right(self._spans, pos)
        if k % 2 == 0:  # outside every han block, or on a block's end
            return not (text[pos - 1] == "\r" and text[pos] == "\n")
        start = self._spans[k - 1]
        if pos == start:
            return True
        got = self._done.get(start)
        if got is None:
            got = set()
            self._seg._block(text[start : self._spans[k]], start, got)
            self._done[start] = got
        return pos in got

    def aligned(self, start: int, end: int) -> bool:
        """Both offsets are token boundaries."""
        return self._is_bound(start) and self._is_bound(end)


class FixedBounds:
    """All word boundaries of one message, computed up front (same ``aligned`` as
    ``LazyBounds``); used when the learned weights need every word anyway."""

    __slots__ = ("_b", "tokens")

    def __init__(self, seg: Segmenter, text: str) -> None:
        self._b: frozenset[int] | None
        if seg.fast_cut is not None:
            self.tokens = seg.fast_cut(text)
            self._b = None  # most phrases need no boundaries: built on first use
        else:
            b = seg.bounds(text)
            self._b = b
            self.tokens = [text[x:y] for x, y in pairwise(sorted(b))]

    def aligned(self, start: int, end: int) -> bool:
        b = self._b
        if b is None:
            b = self._b = frozenset(accumulate(map(len, self.tokens), initial=0))
        return start in b and end in b


Bounds = LazyBounds | FixedBounds
