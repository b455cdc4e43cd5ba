"""The routing table: pure filters over the context, first match wins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import flows, milestone_flows, simple, staff, survey
from handlers.context import IDLE, Ctx, Step
from handlers.identity import ASK_PHONE

Filter = Callable[[Ctx], bool]
Handler = Callable[[Ctx], Awaitable[Step]]
FORMS = ("repair.", "complaint.", "inquiry.", "suggestion.")


@dataclass(frozen=True)
class Route:
    name: str
    when: Filter
    handler: Handler


def command(*names: str) -> Filter:
    return lambda ctx: ctx.msg.command is not None and ctx.msg.command[0] in names


def button(prefix: str) -> Filter:
    return lambda ctx: (ctx.button or "").startswith(prefix)


def in_state(*prefixes: str) -> Filter:
    return lambda ctx: ctx.state.startswith(prefixes)


def emergency(ctx: Ctx) -> bool:
    return ctx.analysis is not None and ctx.analysis.urgent


def identity_answer(ctx: Ctx) -> bool:
    return ctx.state == ASK_PHONE or ctx.msg.contact is not None


def media_only(ctx: Ctx) -> bool:
    return bool(ctx.msg.attachments) and not ctx.text


def has_text(ctx: Ctx) -> bool:
    return bool(ctx.text) and ctx.msg.command is None


def anything(ctx: Ctx) -> bool:
    return True


ROUTES: tuple[Route, ...] = (
    # Staff groups first: their messages never reach the owners' flows (handlers/staff.py).
    Route("staff", staff.from_staff_group, staff.staff_message),
    Route("edited", staff.owner_edit, staff.edited_message),
    Route("start", command("start", "menu"), flows.start),
    Route("help", command("help"), flows.help_),
    Route("cancel", command("cancel"), flows.cancel),
    Route("language", command("lang", "language"), flows.language),
    Route("my cases", lambda c: command("mycases")(c) or button("menu:mycases")(c), simple.my_cases),
    Route("progress", milestone_flows.asks_progress, milestone_flows.progress),
    Route("subscription", milestone_flows.subscription_command, milestone_flows.subscription),
    Route("survey answer", button("sv:"), survey.answer),
    Route("monthly check", button("mc:"), survey.monthly_answer),
    # An emergency beats any form: no questions before the case exists.
    Route("emergency", emergency, simple.open_emergency),
    Route("survey comment", lambda c: in_state(survey.COMMENT_STATE)(c) and has_text(c),
          survey.comment),
    Route("identity", identity_answer, flows.receive_phone),
    Route("menu", lambda c: button("menu:")(c) or button("intent:")(c), flows.menu_choice),
    Route("form", in_state(*FORMS), flows.form_step),
    Route("media", media_only, flows.media),
    Route("free text", has_text, flows.free_text),
    # Catch-all: must stay last.
    Route("fallback", anything, flows.fallback),
)


def pick(ctx: Ctx) -> Route:
    return next(route for route in ROUTES if route.when(ctx))


__all__ = ["IDLE", "ROUTES", "Route", "pick"]
