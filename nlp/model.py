"""Result types and label vocabularies of the intake classifier."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, overload

INTENTS: Final = ("repair", "complaint", "inquiry", "suggestion", "praise", "other")
CATEGORIES: Final = ("quality", "service", "contract", "price", "property")
AREAS: Final = (
    "plumbing",
    "electrical",
    "doors_windows",
    "walls_floors",
    "elevator",
    "gas",
    "hvac",
    "public_area",
    "other",
)
PLACES: Final = ("kitchen", "bathroom", "living_room", "bedroom", "balcony", "public_area")


class LazyExplanation(Sequence[str]):
    """The reasoning lines of an analysis, built only when somebody reads them.

    Building the strings costs more than classifying, so ``Classifier.analyze`` stores
    this stand-in; it behaves like (and compares equal to) the tuple of lines.
    """

    __slots__ = ("_build", "_lines")

    def __init__(self, build: Callable[[], tuple[str, ...]]) -> None:
        self._build: Callable[[], tuple[str, ...]] | None = build
        self._lines: tuple[str, ...] = ()

    def lines(self) -> tuple[str, ...]:
        if self._build is not None:
            self._lines = tuple(self._build())
            self._build = None
        return self._lines

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...
    def __getitem__(self, i: int | slice) -> str | tuple[str, ...]:
        return self.lines()[i]

    def __len__(self) -> int:
        return len(self.lines())

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyExplanation):
            other = other.lines()
        return isinstance(other, tuple) and self.lines() == other

    def __hash__(self) -> int:
        return hash(self.lines())

    def __reduce__(self) -> tuple[type[tuple[str, ...]], tuple[tuple[str, ...]]]:
        # copy / deepcopy / pickle get the plain tuple, not the classifier behind it
        return (tuple, (self.lines(),))

    def __repr__(self) -> str:
        return repr(self.lines()) if self._build is None else "LazyExplanation(<not built>)"


@dataclass(frozen=True)
class Analysis:
    """What the classifier made of one owner message.

    ``category`` is set for complaints only, ``area`` and ``place`` for repairs only.
    ``score`` is the confidence in the intent (and sub-label) decision, 0..1;
    ``confident`` is False when the bot should ask the owner to pick with buttons.
    ``matched`` lists the rule phrases that counted; ``explanation`` the reasoning
    (a tuple, or a ``LazyExplanation`` that builds the same lines on first use).
    """

    text: str
    intent: str
    category: str | None
    area: str | None
    place: str | None
    urgent: bool
    department: str
    score: float
    confident: bool
    matched: tuple[str, ...] = ()
    explanation: Sequence[str] = ()
    # not urgent, but close enough that the bot asks the owner whether anyone is in danger
    maybe_urgent: bool = False

    def as_dict(self, *, explain: bool = False) -> dict[str, object]:
        """JSON-ready dict (the shape printed by ``anju classify``)."""
        out: dict[str, object] = {
            "text": self.text,
            "intent": self.intent,
            "category": self.category,
            "area": self.area,
            "place": self.place,
            "urgent": self.urgent,
            "maybe_urgent": self.maybe_urgent,
            "department": self.department,
            "score": round(self.score, 3),
            "confident": self.confident,
            "matched": list(self.matched),
        }
        if explain:
            out["explanation"] = list(self.explanation)
        return out
