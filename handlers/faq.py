"""The inquiry knowledge base: a data file of questions staff maintain, matched by keywords."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nlp.text import normalize

FAQ_FILE = Path(__file__).parent / "data" / "faq.toml"


@dataclass(frozen=True)
class Entry:
    id: str
    keywords: tuple[str, ...]
    answers: dict[str, str]


@cache
def load(path: Path = FAQ_FILE) -> tuple[Entry, ...]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Entry(
            id=item["id"],
            keywords=tuple(normalize(k).lower() for k in item["keywords"]),
            answers={"zh": item["zh"], "en": item["en"]},
        )
        for item in raw["faq"]
    )


def best_match(text: str, entries: tuple[Entry, ...] | None = None) -> Entry | None:
    """The entry whose keywords cover the most characters of the question, if any."""
    norm = normalize(text).lower()
    best: tuple[int, Entry] | None = None
    for entry in entries if entries is not None else load():
        score = sum(len(k) for k in entry.keywords if k in norm)
        if score and (best is None or score > best[0]):
            best = (score, entry)
    return best[1] if best else None
