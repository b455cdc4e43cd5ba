"""The fast boundary finder must agree exactly with jieba's own segmentation."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path

from nlp import Classifier
from nlp.bounds import LazyBounds
from nlp.model import LazyExplanation
from nlp.text import normalize, segment

DATA = Path(__file__).resolve().parents[2] / "data" / "nlp"


def _jieba_bounds(clf: Classifier, text: str) -> frozenset[int]:
    out = {0}
    pos = 0
    for tok in segment(clf.tokenizer, text):
        pos += len(tok)
        out.add(pos)
    return frozenset(out)


def _samples() -> list[str]:
    texts = [
        json.loads(line)["text"]
        for line in (DATA / "labelled.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(7)
    pool = "".join(sorted(set("".join(texts)))) + "abc12 \r\n-_.%#"
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 25))) for _ in range(300)]
    texts += ["a b\r\nc", "\r\n", "", "x1y2 ab c3 漏水", "电梯3号", "wifi没信号。。"]
    return texts


def test_bounds_match_jieba(clf: Classifier) -> None:
    for text in _samples():
        for t in (text, normalize(text)):
            assert clf.segmenter.bounds(t) == _jieba_bounds(clf, t), t


def test_lazy_bounds_match_full_bounds(clf: Classifier) -> None:
    for text in _samples()[::3]:
        t = normalize(text)
        b = clf.segmenter.bounds(t)
        lazy = LazyBounds(clf.segmenter, t)
        for i in range(len(t) + 1):
            for j in (i, i + 1, i + 2):
                if j <= len(t):
                    assert lazy.aligned(i, j) == (i in b and j in b), (t, i, j)


def test_explanation_is_lazy_and_equal(clf: Classifier) -> None:
    text = "厨房没有漏水，是楼道灯不亮了"
    lazy = clf.analyze(text)
    eager = clf.analyze(text, explain=True)
    assert isinstance(lazy.explanation, LazyExplanation)
    assert isinstance(eager.explanation, tuple)
    assert tuple(lazy.explanation) == eager.explanation
    assert lazy == eager
    assert lazy.as_dict(explain=True) == eager.as_dict(explain=True)
    assert lazy.explanation[-1].startswith("decision:")


def test_compiled_jieba_cuts_exactly_like_jieba() -> None:
    """rjieba (jieba-rs) with the domain words gives jieba's words on every labelled message."""
    from nlp.bounds import FixedBounds, Segmenter
    from nlp.rules import load_rules
    from nlp.text import new_fast_cut, new_tokenizer, normalize, segment

    ud = load_rules().user_dict
    tok, fast = new_tokenizer(ud), new_fast_cut(ud)
    assert fast is not None
    seg = Segmenter(tok, fast)
    data = Path(__file__).resolve().parents[2] / "data" / "nlp"
    texts = [
        normalize(json.loads(line)["text"])
        for p in sorted(data.glob("*.jsonl"))
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts += ["", "   ", "a" * 300, "漏" * 5000, "wifi密码是多少？abc123 ok", "\r\n换行\n"]
    for text in texts:
        assert fast(text) == segment(tok, text), text
        fb = FixedBounds(seg, text)
        assert fb.tokens == segment(tok, text)
        cuts = sorted(seg.bounds(text))
        assert all(fb.aligned(x, y) for x, y in pairwise(cuts))


def test_fast_nfkc_agrees_with_unicodedata() -> None:
    """nlp.text.nfkc skips the full NFKC pass after mapping full-width characters; the
    result must be NFKC's own, for every character and for mixed, composing text."""
    import unicodedata

    from nlp.text import nfkc

    for c in range(0x30000):
        ch = chr(c)
        if 0xD800 <= c < 0xE000:
            continue  # surrogates
        assert nfkc(ch) == unicodedata.normalize("NFKC", ch), hex(c)
    mixed = [*_samples(), "Ａ\u0301ｂ", "ｶﾞｷﾞ", "㎡①，ｅ\u0301！", "\u3000ﬁ\u3000", "Ｈｅｌｌｏ，ｗｏｒｌｄ！"]
    for text in mixed:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), text
