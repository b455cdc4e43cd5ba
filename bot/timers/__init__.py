"""Everything the centre promises to do later: greetings, SLA watch, surveys, notices.

Due work is rows in `timers` (see bot/scheduler.py); the planners here create those rows
idempotently (unique keys) and the jobs turn them into outbox rows in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def install(app: App) -> None:
    """Registers the timer jobs, planners and the business-hours hook on an App."""
    from bot.timers.wiring import install_into

    install_into(app.scheduler, app.dispatcher, app.store, app.config)
