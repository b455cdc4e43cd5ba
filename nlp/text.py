"""Text normalisation and segmentation: NFKC, traditional->simplified, length cap, jieba."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import jieba
from opencc import OpenCC

#: Messages are cut to this many characters before any further work.
MAX_CHARS = 1000

_opencc_lock = threading.Lock()
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> tuple[OpenCC, frozenset[str]]:
    conv = OpenCC("t2s")
    conv.convert("")  # loads the dictionaries
    trad: set[str] = set()
    for chain in conv._dict_chain_data:  # [(max_len, min_len, {trad: simp})...]
        for entry in chain:
            for key, value in entry[2].items():
                if len(key) == 1 and key != value:  # characters only: phrases hold common chars
                    trad.add(key)
    return conv, frozenset(trad)


def to_simplified(text: str) -> str:
    """Traditional -> simplified; skips OpenCC entirely when nothing is traditional."""
    conv, trad = _converter()
    if trad.isdisjoint(text):
        return text
    with _opencc_lock:  # the pure-python converter keeps a cache dict
        return str(conv.convert(text))


#: what NFKC does to full-width ASCII (，！？（） …) and the ideographic space, as a table:
#: most messages need nothing else, and ``str.translate`` is far cheaper than NFKC
_WIDE = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F)} | {0x3000: " "}


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, skipping the full pass when the
    full-width characters were all there was to change (tests/nlp check it agrees)."""
    text = text.translate(_WIDE)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def normalize(text: str, max_chars: int = MAX_CHARS) -> str:
    """NFKC, cap, simplified Chinese, lower-case Latin, collapsed whitespace."""
    text = nfkc(text[: max_chars * 2])[:max_chars]
    text = to_simplified(text).lower()
    return _SPACE_RE.sub(" ", text).strip()


def user_words(user_dict: Path | None) -> list[tuple[str, int | None]]:
    """(word, frequency or None) of the domain dictionary, one per line, # comments."""
    if user_dict is None or not user_dict.exists():
        return []
    out: list[tuple[str, int | None]] = []
    for line in user_dict.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            out.append((parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None))
    return out


def new_tokenizer(user_dict: Path | None) -> jieba.Tokenizer:
    """A private jieba tokenizer with the domain dictionary loaded (quietly)."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    # read the file ourselves: jieba.load_userdict leaves it open
    for word, freq in user_words(user_dict):
        tok.add_word(word, freq)  # no frequency: jieba picks just enough to keep it whole
    return tok


def new_fast_cut(user_dict: Path | None) -> Callable[[str], list[str]] | None:
    """jieba's accurate mode without HMM, compiled: jieba-rs through ``rjieba``, with the
    same default dictionary and the same domain words (and so the same words as
    ``segment``, checked by tests/nlp/test_bounds.py); about ten times faster than
    jieba. None when rjieba is not installed: the pure-Python path is used then."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is a dependency; this is the fallback
        return None
    cutter = rjieba.Jieba()
    for word, freq in user_words(user_dict):
        cutter.add_word(word, freq, None)

    def cut(text: str) -> list[str]:
        return cutter.cut(text, False)

    return cut


def segment(tok: jieba.Tokenizer, text: str) -> list[str]:
    """Segment without HMM (HMM is quadratic on long runs of unknown characters)."""
    return list(tok.cut(text, HMM=False))


def boundaries(tokens: list[str]) -> frozenset[int]:
    """Character offsets where a token starts or ends."""
    out = {0}
    pos = 0
    for t in tokens:
        pos += len(t)
        out.add(pos)
    return frozenset(out)
