"""The complaint flow (投诉): category, description, desired outcome, confirm.

See docs/flows/complaint.mmd. The case is routed by DOMAIN.md's table (nlp.routing)."""

from __future__ import annotations

from typing import Any

from bot.messages import Button
from handlers import safety
from handlers.context import IDLE, Ctx, Step
from handlers.forms import CANCEL, CONFIRM, EDIT, confirm_buttons, edit_buttons
from handlers.intake import open_case, substantive
from nlp.routing import department_name

CATEGORIES = ("quality", "service", "contract", "price", "property")
SAFETY, PICK, CHECK, DESC, OUTCOME, CONFIRMING, EDITING = (
    "complaint.safety",
    "complaint.category",
    "complaint.check",
    "complaint.desc",
    "complaint.outcome",
    "complaint.confirm",
    "complaint.edit",
)


def category_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(ctx.t(f"category.{c}"), f"cat:{c}") for c in CATEGORIES]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


def start(ctx: Ctx, seed: dict[str, Any]) -> Step:
    """Starts a complaint, proposing the category the classifier found."""
    data: dict[str, Any] = {"form": "complaint", "urgent": bool(seed.get("urgent"))}
    if substantive(seed.get("text")):
        data["desc"] = seed["text"]
    if seed.get("category") in CATEGORIES:
        data["suggested"] = seed["category"]
    if seed.get("maybe_urgent") and not data["urgent"]:
        data["ask_safety"] = True  # the words come close to an emergency: ask first
    return ask_next(ctx, data)


def ask_next(ctx: Ctx, data: dict[str, Any]) -> Step:
    if data.get("ask_safety"):
        return safety.ask(ctx, data, SAFETY)
    if not data.get("category"):
        if data.get("suggested"):
            name = ctx.t(f"category.{data['suggested']}")
            rows = (ctx.button_row(("btn.yes", "cat:yes"), ("btn.other_category", "cat:other")),)
            return Step([ctx.reply("complaint.confirm_category", buttons=rows, category=name)],
                        CHECK, data)
        return Step([ctx.reply("complaint.ask_category", buttons=category_buttons(ctx))], PICK, data)
    if not data.get("desc"):
        return Step([ctx.reply("complaint.ask_desc")], DESC, data)
    if "outcome" not in data:
        skip = (ctx.button_row(("btn.skip", "outcome:skip")),)
        return Step([ctx.reply("complaint.ask_outcome", buttons=skip)], OUTCOME, data)
    values = {
        "category": ctx.t(f"category.{data['category']}"),
        "desc": data["desc"],
        "outcome": data["outcome"] or ctx.t("complaint.no_outcome"),
    }
    return Step([ctx.reply("complaint.summary", buttons=confirm_buttons(ctx), **values)],
                CONFIRMING, data)


async def step(ctx: Ctx) -> Step:
    """Takes the answer to the current question of the complaint flow."""
    data = dict(ctx.data)
    state, text, button = ctx.state, ctx.text, ctx.button or ""
    if button == CANCEL:
        return Step([ctx.reply("cancelled")], IDLE)
    if state == SAFETY:
        escalated = await safety.step(ctx, data, "complaint")
        if escalated is not None:
            return escalated
    elif state == CHECK:
        if button == "cat:yes":
            data["category"] = data.pop("suggested")
        elif button == "cat:other":
            data.pop("suggested", None)
    elif state == PICK:
        chosen = button.removeprefix("cat:")
        if chosen not in CATEGORIES:
            chosen = next((c for c in CATEGORIES if ctx.t(f"category.{c}") in text), "")
        if chosen:
            data["category"] = chosen
    elif state == DESC and text:
        data["desc"] = text[:2000]
    elif state == OUTCOME:
        if button == "outcome:skip":
            data["outcome"] = None
        elif text:
            data["outcome"] = text[:500]
    elif state == CONFIRMING:
        if button == CONFIRM:
            return await submit(ctx, data)
        if button == EDIT:
            rows = edit_buttons(ctx, "complaint", ("category", "desc", "outcome"))
            return Step([ctx.reply("complaint.edit_which", buttons=rows)], EDITING, data)
    elif state == EDITING:
        field = button.removeprefix("edit:")
        if field in ("category", "desc", "outcome"):
            data.pop(field, None)
            data.pop("suggested", None)
    return ask_next(ctx, data)


async def submit(ctx: Ctx, data: dict[str, Any]) -> Step:
    """Opens the complaint case, routed to the category's department."""
    opened = await open_case(
        ctx,
        kind="complaint",
        description=data["desc"],
        category=data["category"],
        urgent=bool(data.get("urgent")),
        desired_outcome=data.get("outcome"),
    )
    reply = ctx.reply(
        "complaint.opened",
        number=opened.case.number,
        department=department_name(opened.case.department, ctx.lang),
        first_reply=ctx.t.when(opened.promise.first_reply_due),
        handle=ctx.t.when(opened.promise.handle_due),
    )
    return Step([reply, opened.staff_alert], IDLE, {}, case=opened.case)
