"""The one-step flows: inquiry (answered from the knowledge base), suggestion, emergency, cases."""

from __future__ import annotations

from typing import Any

from bot.messages import Reply
from handlers import faq
from handlers.context import IDLE, Ctx, Step
from handlers.forms import with_menu
from handlers.identity import ask_phone
from handlers.intake import open_case, substantive
from nlp.routing import department_name
from storage.lifecycle import OPEN_STATES

INQUIRY_ASK, INQUIRY_FEEDBACK, SUGGESTION_ASK = "inquiry.ask", "inquiry.feedback", "suggestion.ask"
INQUIRY_SAFETY = "inquiry.safety"  # the danger question before answering (handlers.safety)


def start_inquiry(ctx: Ctx, seed: dict[str, Any]) -> Step:
    """Answers from the knowledge base, or asks what the question is."""
    if not substantive(seed.get("text")):
        return Step([ctx.reply("inquiry.ask")], INQUIRY_ASK, {"form": "inquiry"})
    return answer(ctx, seed["text"])


def answer(ctx: Ctx, question: str) -> Step:
    entry = faq.best_match(question)
    data = {"form": "inquiry", "question": question[:1000]}
    if entry is None:
        return Step([], "inquiry.handoff", data)  # the caller opens a case for staff
    text = entry.answers.get(ctx.lang, entry.answers["zh"]).format(
        hotline=ctx.config.centre.hotline, emergency=ctx.config.centre.emergency_phone
    )
    rows = (ctx.button_row(("btn.solved", "faq:solved"), ("btn.human", "faq:human")),)
    return Step(
        [Reply(text), ctx.reply("inquiry.was_it_helpful", buttons=rows)],
        INQUIRY_FEEDBACK,
        {**data, "faq": entry.id},
    )


async def open_inquiry(ctx: Ctx, question: str, *, unanswered: bool) -> Step:
    """Hands the question to staff as an inquiry case."""
    opened = await open_case(ctx, kind="inquiry", description=question)
    replies = [ctx.reply("inquiry.no_answer")] if unanswered else []
    replies.append(
        ctx.reply(
            "inquiry.opened",
            number=opened.case.number,
            first_reply=ctx.t.when(opened.promise.first_reply_due),
        )
    )
    return Step([*replies, opened.staff_alert], IDLE, {}, case=opened.case)


async def open_suggestion(ctx: Ctx, text: str) -> Step:
    """Records a suggestion, thanks the owner and passes it on with the 1-day promise."""
    opened = await open_case(ctx, kind="suggestion", description=text)
    reply = ctx.reply(
        "suggestion.opened",
        number=opened.case.number,
        department=department_name(opened.case.department, ctx.lang),
        handle=ctx.t.when(opened.promise.handle_due),
    )
    return Step([reply, opened.staff_alert], IDLE, {}, case=opened.case)


ADVICE_WORDS = (
    ("fire", ("火", "烟", "fire", "smoke")),
    ("gas", ("燃气", "煤气", "天然气", "瓦斯", "gas")),
    ("elevator", ("电梯", "lift", "elevator")),
    ("plumbing", ("水", "flood", "water", "leak")),
    ("electrical", ("电", "spark", "power")),
)


def safety_advice(ctx: Ctx, text: str) -> str:
    lowered = text.lower()
    for key, words in ADVICE_WORDS:
        if any(w in lowered for w in words):
            return ctx.t(f"emergency.{key}")
    return ctx.t("emergency.general")


async def urgent_case(ctx: Ctx, kind: str, description: str, **fields: Any) -> Step:
    """An urgent case at once: the emergency number, safety advice fitting the description,
    and the duty desk alerted. ``fields`` go to ``open_case`` (category, area, place ...)."""
    opened = await open_case(ctx, kind=kind, description=description, urgent=True, **fields)
    reply = ctx.reply(
        "emergency.opened",
        number=opened.case.number,
        phone=ctx.config.centre.emergency_phone,
        advice=safety_advice(ctx, description),
    )
    return Step([reply, opened.staff_alert], IDLE, {}, case=opened.case)


async def open_emergency(ctx: Ctx) -> Step:
    """No form: an urgent case straight from the first message."""
    analysis = ctx.analysis
    assert analysis is not None
    kind = "complaint" if analysis.intent == "complaint" else "repair"
    step = await urgent_case(
        ctx,
        kind,
        ctx.text,
        category=analysis.category if kind == "complaint" else None,
        area=analysis.area or "other" if kind == "repair" else None,
        place=analysis.place,
    )
    assert step.case is not None
    if ctx.person is None:
        # Identify afterwards: the case is already with staff; the phone attaches it to a person.
        follow = ask_phone(ctx, {"flow": "attach", "case_id": step.case.id})
        step.replies.extend(follow.replies)
        step.state, step.data = follow.state, follow.data
    return step


async def my_cases(ctx: Ctx) -> Step:
    """Lists the user's cases with number, kind, state and promised time."""
    if ctx.person is None:
        return ask_phone(ctx, {"flow": "mycases"})
    if ctx.verified:
        cases = await ctx.cases.for_person(ctx.person.id)
    else:  # a typed phone proves nothing: show only what this chat itself opened
        cases = await ctx.cases.for_person(
            ctx.person.id, channel=ctx.msg.channel, chat_id=ctx.msg.chat_id
        )
    if not cases:
        return Step([with_menu(ctx, "mycases.none")], IDLE)
    lines = [ctx.t("mycases.header", count=len(cases))]
    for case in cases:
        promise = ""
        if case.state in OPEN_STATES and case.handle_due:
            promise = ctx.t("mycases.promise", due=ctx.t.when(case.handle_due))
        lines.append(
            ctx.t(
                "mycases.line",
                number=case.number,
                kind=ctx.t(f"kind.{case.kind}"),
                state=ctx.t(f"state.{case.state}"),
                promise=promise,
            )
        )
    return Step([Reply("\n".join(lines))], IDLE)
