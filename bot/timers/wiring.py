"""Registers the timer jobs, the periodic planners and the business-hours hook."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.dispatch import Dispatcher
from bot.scheduler import Scheduler
from bot.timers import greetings, notices, sla, surveys
from bot.timers.common import business_clock, local_today
from bot.timers.hours import off_hours_hook
from storage.db import Store

log = logging.getLogger(__name__)
Planner = Callable[[AsyncSession, datetime], Awaitable[object]]


class Planners:
    """The periodic tasks: each planner runs in its own transaction on every scheduler loop."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.clock = business_clock(config)
        self.planners: list[tuple[str, Planner]] = [
            ("greetings", lambda s, now: greetings.plan_today(s, config, now)),
            ("notices", lambda s, now: notices.plan_today(s, config, now)),
            ("sla", lambda s, now: sla.plan_open_cases(s, config, self.clock)),
            ("surveys", lambda s, now: surveys.plan_resolved_cases(s, config, now)),
        ]
        self._checked_day: object = None

    async def __call__(self, now: datetime) -> None:
        """Runs every planner; one failing does not stop the others."""
        self.warn_missing_holidays(now)
        for name, planner in self.planners:
            try:
                async with self.store.transaction() as session:
                    await planner(session, now)
            except Exception:
                log.exception("timer planner %s failed; retrying next loop", name)

    def warn_missing_holidays(self, now: datetime) -> None:
        """Once a day: warn when statutory-holiday data for this or next year is missing
        (official data for next year appears each November)."""
        day = local_today(now, self.config.centre.timezone)
        if day == self._checked_day or not (self.config.sla.business_time or self.config.hours.enabled):
            return
        self._checked_day = day
        missing = self.clock.missing_years(now=now)
        if missing:
            log.warning("no statutory holiday data for %s: update chinese_calendar or add "
                        "[hours] extra_holidays/extra_workdays and override_years",
                        ", ".join(map(str, missing)))


def install_into(scheduler: Scheduler, dispatcher: Dispatcher, store: Store, config: Config) -> Planners:
    """Wires jobs, planners and the out-of-hours hook; returns the planners (for tests)."""
    scheduler.register(greetings.KIND, greetings.job(config))
    scheduler.register(notices.KIND, notices.job(config))
    scheduler.register(sla.KIND, sla.job(config))
    scheduler.register("survey_remind", surveys.remind_job(config))
    scheduler.register("revisit", surveys.revisit_job(config))
    planners = Planners(store, config)
    scheduler.periodic.append(planners)
    if config.hours.enabled:
        dispatcher.hooks.append(off_hours_hook(config, planners.clock))
    return planners
