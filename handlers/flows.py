"""Entering, resuming and leaving flows; the handlers behind commands, menu and free text."""

from __future__ import annotations

from typing import Any

from bot.messages import STAFF
from handlers import complaint, faq, repair, safety, simple
from handlers.context import IDLE, Ctx, Step
from handlers.forms import with_menu
from handlers.i18n import LANGUAGES, Texts
from handlers.identity import ask_phone, bind_phone

FLOWS = ("repair", "complaint", "inquiry", "suggestion")
MAX_TEXT = 2000


def seed_from(ctx: Ctx) -> dict[str, Any]:
    """What the first message already tells a flow (text, labels, photos)."""
    seed: dict[str, Any] = {"text": ctx.text}
    if ctx.analysis is not None:
        seed.update(
            place=ctx.analysis.place,
            area=ctx.analysis.area,
            category=ctx.analysis.category,
            urgent=ctx.analysis.urgent,
            maybe_urgent=ctx.analysis.maybe_urgent,
        )
    photos = [a.to_json() for a in ctx.msg.attachments if a.kind in ("photo", "document")]
    if photos:
        seed["photos"] = photos
    return seed


async def start_flow(ctx: Ctx, flow: str, seed: dict[str, Any]) -> Step:
    """Enters `flow`, asking who the user is first when a case will need a person."""
    if ctx.person is None and flow in FLOWS:
        return ask_phone(ctx, {"flow": flow, "seed": seed})
    if flow == "repair":
        return repair.start(ctx, seed)
    if flow == "complaint":
        return complaint.start(ctx, seed)
    if flow == "inquiry":
        if seed.get("maybe_urgent") and simple.substantive(seed.get("text")):
            # a question with danger words in it (电梯困人了打哪个电话): is it happening now?
            data = {"form": "inquiry", "question": seed["text"][:1000]}
            return safety.ask(ctx, data, simple.INQUIRY_SAFETY)
        return await answer_inquiry(ctx, seed.get("text") or "")
    if flow == "suggestion":
        if seed.get("text") and simple.substantive(seed["text"]):
            return await simple.open_suggestion(ctx, seed["text"])
        return Step([ctx.reply("suggestion.ask")], simple.SUGGESTION_ASK, {"form": "suggestion"})
    if flow == "mycases":
        return await simple.my_cases(ctx)
    return Step([with_menu(ctx, "menu_prompt")], IDLE)


async def answer_inquiry(ctx: Ctx, question: str) -> Step:
    """The knowledge-base answer, or (none fits) an inquiry case for staff."""
    step = simple.start_inquiry(ctx, {"text": question})
    if step.state == "inquiry.handoff":
        return await simple.open_inquiry(ctx, question, unanswered=True)
    return step


async def resume(ctx: Ctx, pending: dict[str, Any]) -> Step:
    """Continues what the user wanted before we asked for their phone number."""
    flow = pending.get("flow")
    if flow == "attach":
        case = await ctx.cases.get(int(pending["case_id"]))
        if case is not None and ctx.person is not None and case.person_id is None:
            case.person_id = ctx.person.id
            case.project, case.building = ctx.person.project, ctx.person.building
            case.unit = case.unit or ctx.person.unit
        return Step([], IDLE)
    if isinstance(flow, str):
        return await start_flow(ctx, flow, dict(pending.get("seed") or {}))
    return Step([with_menu(ctx, "menu_prompt")], IDLE)


async def receive_phone(ctx: Ctx) -> Step:
    """Binds the phone number the user sent, then carries on with what they wanted."""
    bound = await bind_phone(ctx)
    if isinstance(bound, Step):
        return bound
    step = await resume(ctx, dict(ctx.data.get("pending") or {}))
    step.replies[:0] = bound
    return step


async def start(ctx: Ctx) -> Step:
    """Greets with the centre's script and shows what the bot can do."""
    name = ctx.config.centre.name if ctx.lang == "zh" else ctx.config.centre.name_en
    return Step([with_menu(ctx, "greeting", centre=name)], IDLE)


async def help_(ctx: Ctx) -> Step:
    """Explains how to use the bot."""
    return Step([with_menu(ctx, "help", emergency=ctx.config.centre.emergency_phone)], IDLE)


async def cancel(ctx: Ctx) -> Step:
    """Leaves whatever flow the user is in."""
    key = "cancelled" if ctx.state != IDLE else "nothing_to_cancel"
    return Step([with_menu(ctx, key)], IDLE)


async def language(ctx: Ctx) -> Step:
    """Switches the conversation language (/lang zh|en)."""
    command = ctx.msg.command
    wanted = (command[1] if command else "").strip().lower()[:2]
    if wanted not in LANGUAGES:
        return Step([ctx.reply("lang_unknown")], ctx.state, ctx.data)
    ctx.lang = wanted
    ctx.t = Texts(wanted, ctx.config.centre.timezone)
    if ctx.person is not None:
        ctx.person.language = wanted
    return Step([with_menu(ctx, "lang_switched")], ctx.state, ctx.data)


async def menu_choice(ctx: Ctx) -> Step:
    """A menu or intent button: start that flow fresh."""
    flow = (ctx.button or "").split(":", 1)[1]
    seed = dict(ctx.data.get("seed") or {})  # the unsure text or the photo that came first
    return await start_flow(ctx, flow, seed)


async def form_step(ctx: Ctx) -> Step:
    """The next answer inside a form."""
    if ctx.state.startswith("repair."):
        return await repair.step(ctx)
    if ctx.state.startswith("complaint."):
        return await complaint.step(ctx)
    if ctx.state == simple.INQUIRY_ASK and ctx.text:
        return await answer_inquiry(ctx, ctx.text)
    if ctx.state == simple.INQUIRY_SAFETY:
        danger = safety.answer(ctx)
        question = ctx.data.get("question", "")
        if danger:
            return await safety.escalate(ctx, {"desc": question}, "repair")
        if danger is False:
            return await answer_inquiry(ctx, question)
        return await free_text(ctx)  # something else instead of an answer
    if ctx.state == simple.INQUIRY_FEEDBACK:
        if ctx.button == "faq:human":
            return await simple.open_inquiry(ctx, ctx.data.get("question", ""), unanswered=False)
        if ctx.button == "faq:solved":
            return Step([with_menu(ctx, "inquiry.glad")], IDLE)
        return await free_text(ctx)  # a new question instead of feedback
    if ctx.state == simple.SUGGESTION_ASK and ctx.text:
        return await simple.open_suggestion(ctx, ctx.text[:MAX_TEXT])
    return await fallback(ctx)


#: openings that add to what the owner said before (checked before a new flow starts)
CONTINUES = ("另外", "还有", "补充", "对了", "顺便", "再补充", "也就是说", "also", "and ", "plus ")


async def free_text(ctx: Ctx) -> Step:
    """Text outside a form: follow-up on an open case, or a new request by intent."""
    if len(ctx.text) > MAX_TEXT:
        return Step([ctx.reply("bad_input", limit=MAX_TEXT)], IDLE)
    analysis = ctx.analysis
    assert analysis is not None
    intent, confident = analysis.intent, analysis.confident
    if ctx.text.lstrip().lower().startswith(CONTINUES):
        # "另外…", "还有…": more about the open case, whatever the words look like
        followup = await follow_up(ctx)
        if followup is not None:
            return followup
    if confident and intent in FLOWS:
        return await start_flow(ctx, intent, seed_from(ctx))
    followup = await follow_up(ctx)
    if followup is not None:
        return followup
    if intent == "praise" and confident:
        return Step([with_menu(ctx, "praise_thanks")], IDLE)
    if intent in ("inquiry", "other") and faq.best_match(ctx.text) is not None:
        return simple.answer(ctx, ctx.text)
    if intent == "other":
        return Step([with_menu(ctx, "other_reply")], IDLE)
    # Unsure: offer the likely flows as buttons, keeping the text to seed the chosen one.
    rows = (
        ctx.button_row(("btn.repair", "intent:repair"), ("btn.complaint", "intent:complaint")),
        ctx.button_row(("btn.inquiry", "intent:inquiry"), ("btn.suggestion", "intent:suggestion")),
    )
    return Step([ctx.reply("choose_intent", buttons=rows)], "choose", {"seed": seed_from(ctx)})


async def follow_up(ctx: Ctx) -> Step | None:
    """Adds the message to the chat's open case and relays it to staff, if there is one."""
    case = await ctx.cases.open_case_for_chat(ctx.msg.channel, ctx.msg.chat_id)
    if case is None:
        return None
    actor = f"owner:{ctx.msg.channel}:{ctx.msg.user_id}"
    text = ctx.text or ""
    await ctx.cases.add_event(
        case,
        "message_in",
        actor=actor,
        now=ctx.now,
        text=text,
        data={"attachments": [a.to_json() for a in ctx.msg.attachments]},
    )
    relay_text = ctx.t("staff.owner_message", number=case.number, text=text or "📎")
    relay = ctx.staff(
        case.department, relay_text, case, "owner_message", STAFF, attachments=ctx.msg.attachments
    )
    return Step([ctx.reply("followup_recorded", number=case.number), relay], IDLE, {}, case=case)


async def media(ctx: Ctx) -> Step:
    """Photos, voice notes, locations, stickers outside a form: kept, relayed, answered."""
    kinds = {a.kind for a in ctx.msg.attachments}
    what = "、".join(sorted(kinds)) if ctx.lang == "zh" else ", ".join(sorted(kinds))
    followup = await follow_up(ctx)
    if followup is not None:
        if kinds <= {"photo", "document"}:
            return followup
        note = ctx.reply("media_unsupported", what=what, followup=ctx.t("media_forwarded"))
        return Step([note, *followup.replies[1:]], IDLE, {}, case=followup.case)
    if kinds <= {"photo", "document"}:
        return Step([with_menu(ctx, "media_describe")], IDLE, {"seed": seed_from(ctx)})
    return Step(
        [with_menu(ctx, "media_unsupported", what=what, followup=ctx.t("media_describe"))], IDLE
    )


async def fallback(ctx: Ctx) -> Step:
    """Anything no other route took: a polite answer and the menu."""
    return Step([with_menu(ctx, "fallback")], ctx.state if ctx.state != IDLE else IDLE, ctx.data)
