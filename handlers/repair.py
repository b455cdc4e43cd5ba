"""The repair form (报修): where, what, when, then confirm. See docs/flows/repair.mmd."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages import Button
from handlers import safety
from handlers.context import IDLE, Ctx, Step
from handlers.forms import CANCEL, CONFIRM, EDIT, collect_photos, confirm_buttons, edit_buttons
from handlers.intake import open_case, substantive
from nlp import parse_when

PLACES = ("kitchen", "bathroom", "living_room", "bedroom", "balcony", "public_area")
SAFETY, UNIT, PLACE, DESC, TIME, CONFIRMING, EDITING = (
    "repair.safety",
    "repair.unit",
    "repair.place",
    "repair.desc",
    "repair.time",
    "repair.confirm",
    "repair.edit",
)
DONE_WORDS = frozenset({"好了", "好", "没了", "完成", "done", "ok", "next", "下一步"})


def start(ctx: Ctx, seed: dict[str, Any]) -> Step:
    """Starts a repair form, keeping whatever the first message already told us."""
    data: dict[str, Any] = {"form": "repair"}
    if substantive(seed.get("text")):
        data["desc"] = seed["text"]
    for key in ("place", "area", "photos"):
        if seed.get(key):
            data[key] = seed[key]
    if seed.get("maybe_urgent"):
        data["ask_safety"] = True  # the words come close to an emergency: ask before the form
    return ask_next(ctx, data)


def ask_next(ctx: Ctx, data: dict[str, Any]) -> Step:
    """Asks for the first missing field, or shows the summary when nothing is missing."""
    if data.get("ask_safety"):
        return safety.ask(ctx, data, SAFETY)
    if not data.get("unit") and not (ctx.person and ctx.person.unit):
        return Step([ctx.reply("repair.ask_unit")], UNIT, data)
    if not data.get("place"):
        rows = (
            tuple(Button(ctx.t(f"place.{p}"), f"place:{p}") for p in PLACES[:3]),
            tuple(Button(ctx.t(f"place.{p}"), f"place:{p}") for p in PLACES[3:]),
        )
        return Step([ctx.reply("repair.ask_place", buttons=rows)], PLACE, data)
    if not data.get("desc"):
        return Step([ctx.reply("repair.ask_desc")], DESC, data)
    if "when" not in data:
        asap = (ctx.button_row(("btn.asap", "time:asap")),)
        return Step([ctx.reply("repair.ask_time", buttons=asap)], TIME, data)
    return Step([ctx.reply("repair.summary", buttons=confirm_buttons(ctx), **summary(ctx, data))],
                CONFIRMING, data)


def when_text(ctx: Ctx, data: dict[str, Any]) -> str:
    if not data.get("when"):
        return ctx.t("repair.asap")
    start = ctx.t.when(datetime.fromisoformat(data["when"]))
    if data.get("when_end"):
        end = datetime.fromisoformat(data["when_end"]).astimezone(ctx.t.tz)
        return f"{start}–{end:%H:%M}"
    return start


def unit_of(ctx: Ctx, data: dict[str, Any]) -> str:
    if data.get("unit"):
        return str(data["unit"])
    person = ctx.person
    return ctx.t.address(person.project, person.building, person.unit) if person else "—"


def summary(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit": unit_of(ctx, data),
        "place": ctx.t(f"place.{data['place']}"),
        "desc": data["desc"],
        "photos": len(data.get("photos", [])),
        "when": when_text(ctx, data),
    }


async def step(ctx: Ctx) -> Step:
    """Takes the answer to the current question of the repair form."""
    data = dict(ctx.data)
    state, text, button = ctx.state, ctx.text, ctx.button
    if button == CANCEL:
        return Step([ctx.reply("cancelled")], IDLE)
    if ctx.msg.attachments and state in (PLACE, DESC, TIME, UNIT):
        count = collect_photos(ctx, data)
        caption = text
        if caption and not data.get("desc") and state == DESC:
            data["desc"] = caption
            return ask_next(ctx, data)
        return Step([ctx.reply("repair.photo_added", count=count)], state, data)

    if state == SAFETY:
        escalated = await safety.step(ctx, data, "repair")
        if escalated is not None:
            return escalated
    elif state == UNIT and text:
        data["unit"] = text[:50]
    elif state == PLACE:
        place = (button or "").removeprefix("place:")
        if place not in PLACES:
            place = next((p for p in PLACES if ctx.t(f"place.{p}") in text), "")
        if not place:
            return ask_next(ctx, data)
        data["place"] = place
    elif state == DESC and text:
        if text.lower() in DONE_WORDS and data.get("photos"):
            data["desc"] = ctx.t("repair.see_photos")
        else:
            data["desc"] = text[:1000]
    elif state == TIME:
        if button == "time:asap" or text in (ctx.t("btn.asap"), "尽快"):
            data["when"] = None
        elif text:
            expr = parse_when(text, ctx.now, tz=ctx.config.centre.timezone, mode="future")
            if expr is None:
                return Step([ctx.reply("repair.time_not_understood", text=text[:40])], TIME, data)
            if expr.start < ctx.now and expr.kind != "deadline":
                return Step([ctx.reply("repair.time_past")], TIME, data)
            data["when"] = expr.start.isoformat()
            data["when_end"] = expr.end.isoformat() if expr.end and expr.kind == "range" else None
    elif state == CONFIRMING:
        if button == CONFIRM:
            return await submit(ctx, data)
        if button == EDIT:
            return Step([ctx.reply("repair.edit_which",
                                   buttons=edit_buttons(ctx, "repair", ("place", "desc", "time")))],
                        EDITING, data)
    elif state == EDITING:
        field = (button or "").removeprefix("edit:")
        for key in {"place": ("place",), "desc": ("desc",), "time": ("when", "when_end")}.get(
            field, ()
        ):
            data.pop(key, None)
    return ask_next(ctx, data)


async def submit(ctx: Ctx, data: dict[str, Any]) -> Step:
    """Opens the repair case and tells the owner its number and the promised times."""
    when = datetime.fromisoformat(data["when"]) if data.get("when") else None
    when_end = datetime.fromisoformat(data["when_end"]) if data.get("when_end") else None
    analysis_area = data.get("area")
    opened = await open_case(
        ctx,
        kind="repair",
        description=data["desc"],
        area=analysis_area or "other",
        place=data["place"],
        unit=data.get("unit"),
        visit_at=when,
        visit_end=when_end,
        attachments={"photos": data.get("photos", [])} if data.get("photos") else None,
    )
    reply = ctx.reply(
        "repair.opened",
        number=opened.case.number,
        when=when_text(ctx, data),
        first_reply=ctx.t.when(opened.promise.first_reply_due),
        handle=ctx.t.when(opened.promise.handle_due),
    )
    return Step([reply, opened.staff_alert], IDLE, {}, case=opened.case)
