"""The staff groups Anju serves, by department, following supergroup upgrades."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class StaffChats:
    """The staff groups, with upgrades (migrate_to_chat_id) followed."""

    default: int | None
    departments: dict[str, int] = field(default_factory=dict)
    extra: set[int] = field(default_factory=set)
    moved: dict[int, int] = field(default_factory=dict)
    supervisor: int | None = None

    def current(self, chat_id: int) -> int:
        """The chat id after any migrations."""
        seen = set()
        while chat_id in self.moved and chat_id not in seen:
            seen.add(chat_id)
            chat_id = self.moved[chat_id]
        return chat_id

    def for_department(self, department: str) -> int | None:
        """The group of a department ("supervisor" included), else the default group."""
        if department == "supervisor" and self.supervisor is not None:
            return self.current(self.supervisor)
        chat = self.departments.get(department, self.default)
        return None if chat is None else self.current(chat)

    def all(self) -> set[int]:
        ids = {*self.departments.values(), *self.extra}
        if self.default is not None:
            ids.add(self.default)
        return ids | {self.current(i) for i in ids} | set(self.moved.values())

    def follow(self, old: int, new: int) -> None:
        """The group `old` became supergroup `new`."""
        self.moved[old] = new
        log.warning("staff group %s migrated to %s", old, new)
