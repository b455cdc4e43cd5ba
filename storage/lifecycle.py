"""The case lifecycle as an explicit state machine."""

from __future__ import annotations

NEW, ASSIGNED, IN_PROGRESS, RESOLVED, REOPENED, CLOSED, CANCELLED = (
    "new",
    "assigned",
    "in_progress",
    "resolved",
    "reopened",
    "closed",
    "cancelled",
)

STATES = (NEW, ASSIGNED, IN_PROGRESS, RESOLVED, REOPENED, CLOSED, CANCELLED)
OPEN_STATES = frozenset({NEW, ASSIGNED, IN_PROGRESS, REOPENED})

# new → assigned → in progress → resolved → closed; resolved → reopened (二次处理) → in progress.
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED}),
    ASSIGNED: frozenset({ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED}),
    IN_PROGRESS: frozenset({ASSIGNED, RESOLVED, CANCELLED}),
    RESOLVED: frozenset({CLOSED, REOPENED}),
    REOPENED: frozenset({ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    """A state change the lifecycle does not allow."""

    def __init__(self, number: str, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none (final state)"
        super().__init__(
            f"case {number} is {current}; it cannot become {target} (allowed: {allowed})"
        )
        self.current = current
        self.target = target


def check_transition(number: str, current: str, target: str) -> None:
    if target not in STATES:
        raise ValueError(f"unknown case state: {target}")
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(number, current, target)
