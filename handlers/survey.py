"""Satisfaction surveys and return visits answered with buttons and the monthly check.

Button data: `sv:<survey id>:<question>:<value>` with questions r (result), p (process),
m (the person responsible) scored 1–5, s (solved? y/n), c (comment: skip) and v (return
visit: still solved? y/n); `mc:<yyyymm>:<score>` answers the monthly satisfaction check.
A score ≤ 2 or "not solved" reopens the case for second handling (二次处理) and alerts staff.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import STAFF, Button, Recipient, Reply
from handlers import casework
from handlers.context import IDLE, Ctx, Step
from handlers.i18n import Texts
from storage.models import Case
from storage.surveys import MonthlyCheck, Survey

COMMENT_STATE = "survey.comment"
# question code -> (catalogue key of the question, Survey column, next question)
SCORES = {
    "r": ("timers.q_result", "score_result", "p"),
    "p": ("timers.q_process", "score_process", "m"),
    "m": ("timers.q_person", "score_person", "s"),
}
LOW = 2


def score_buttons(survey_id: int, question: str) -> tuple[tuple[Button, ...], ...]:
    """One row of 1–5 buttons for a scored question."""
    return (tuple(Button(str(n), f"sv:{survey_id}:{question}:{n}") for n in range(1, 6)),)


def yes_no(t: Texts, survey_id: int, question: str) -> tuple[tuple[Button, ...], ...]:
    """Solved / not solved buttons."""
    return ((Button(t("timers.yes"), f"sv:{survey_id}:{question}:y"),
             Button(t("timers.no"), f"sv:{survey_id}:{question}:n")),)


def survey_reply(t: Texts, survey: Survey, case: Case, *, reminder: bool = False) -> Reply:
    """The first message of a survey (or its reminder): intro and the first question."""
    intro = t("timers.survey_reminder" if reminder else "timers.survey_intro", number=case.number)
    return Reply(f"{intro}\n{t('timers.q_result')}", buttons=score_buttons(survey.id, "r"))


def revisit_reply(t: Texts, survey: Survey, case: Case) -> Reply:
    """The return-visit question: is the problem still solved?"""
    return Reply(t("timers.revisit", number=case.number), buttons=yes_no(t, survey.id, "v"))


def _stay(ctx: Ctx, reply: Reply) -> Step:
    """Asks the next question without disturbing a form the owner may be filling in."""
    return Step([reply], state=ctx.state, data=ctx.data)


def _parse(data: str) -> tuple[int, str, str] | None:
    parts = data.split(":")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


def _belongs(ctx: Ctx, survey: Survey, case: Case) -> bool:
    if ctx.person is not None and survey.person_id == ctx.person.id:
        return True
    return case.channel == ctx.msg.channel and case.chat_id == ctx.msg.chat_id


async def answer(ctx: Ctx) -> Step:
    """Records one button answer of a survey or return visit and asks the next question."""
    parsed = _parse(ctx.button or "")
    survey = await ctx.session.get(Survey, parsed[0]) if parsed else None
    case = await ctx.session.get(Case, survey.case_id) if survey else None
    if parsed is None or survey is None or case is None or not _belongs(ctx, survey, case):
        return Step([ctx.reply("fallback")])
    _, question, value = parsed
    if question == "c":
        return Step([ctx.reply("timers.thanks")])  # comment skipped: back to idle
    if survey.answered_at is not None:
        return Step([ctx.reply("timers.already_answered")])
    if question in SCORES and value.isdigit() and 1 <= int(value) <= 5:
        _, column, following = SCORES[question]
        setattr(survey, column, int(value))
        if following in SCORES:
            key = SCORES[following][0]
            return _stay(ctx, Reply(ctx.t(key), buttons=score_buttons(survey.id, following)))
        return _stay(ctx, Reply(ctx.t("timers.q_solved"), buttons=yes_no(ctx.t, survey.id, "s")))
    if question in ("s", "v") and value in ("y", "n"):
        survey.solved = value == "y"
        survey.answered_at = ctx.now
        replies = await _second_handling(ctx, survey, case)
        skip = (Button(ctx.t("timers.skip"), f"sv:{survey.id}:c:skip"),)
        replies.append(Reply(ctx.t("timers.ask_comment"), buttons=(skip,)))
        if ctx.state not in (IDLE, COMMENT_STATE):  # mid-form: keep the form, skip the comment
            return Step(replies[:-1], state=ctx.state, data=ctx.data)
        return Step(replies, state=COMMENT_STATE, data={"survey": survey.id})
    return Step([ctx.reply("fallback")])


async def _second_handling(ctx: Ctx, survey: Survey, case: Case) -> list[Reply]:
    """Reopens the case and alerts its department when the owner is not satisfied."""
    scores = [s for s in (survey.score_result, survey.score_process, survey.score_person) if s]
    if survey.solved is not False and not any(s <= LOW for s in scores):
        return [ctx.reply("timers.thanks")]
    if case.state in ("resolved",):
        await casework.change_state(ctx.session, case, "reopened", actor="anju:survey",
                                    now=ctx.now, note=f"{survey.kind} unsatisfied",
                                    tz=ctx.config.centre.timezone, config=ctx.config)
    staff = Texts("zh", ctx.config.centre.timezone)
    text = staff("timers.staff_low_score", number=case.number,
                 result=survey.score_result or "—", process=survey.score_process or "—",
                 person=survey.score_person or "—",
                 solved=staff("timers.solved_yes" if survey.solved else "timers.solved_no"),
                 comment="")
    return [ctx.staff(case.department, text.strip(), case, "survey_unsatisfied", STAFF)]


async def comment(ctx: Ctx) -> Step:
    """Stores the optional comment typed after a survey; staff see it if the case reopened."""
    survey = await ctx.session.get(Survey, int(ctx.data.get("survey", 0)))
    if survey is None or not ctx.text:
        return Step([ctx.reply("timers.thanks")])
    survey.comment = ctx.text[:2000]
    replies = [ctx.reply("timers.thanks")]
    case = await ctx.session.get(Case, survey.case_id)
    if case is not None and case.state == "reopened":
        staff = Texts("zh", ctx.config.centre.timezone)
        replies.append(ctx.staff(case.department, staff("timers.staff_comment", text=ctx.text),
                                 case, "owner_message", STAFF))
    return Step(replies, state=IDLE)


async def monthly_answer(ctx: Ctx) -> Step:
    """Records the monthly satisfaction score (one per person and month, the latest answer
    counts; the reports measure it); low scores alert staff."""
    parts = (ctx.button or "").split(":")
    score = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else 0
    month = parts[1] if len(parts) == 3 and len(parts[1]) == 6 and parts[1].isdigit() else ""
    replies = [ctx.reply("timers.thanks")]
    if 1 <= score <= 5 and month and ctx.person is not None:
        check = await ctx.session.scalar(select(MonthlyCheck).where(
            MonthlyCheck.person_id == ctx.person.id, MonthlyCheck.month == month))
        if check is None:
            ctx.session.add(MonthlyCheck(person_id=ctx.person.id, month=month, score=score,
                                         answered_at=ctx.now))
        else:
            check.score, check.answered_at = score, ctx.now
    if 1 <= score <= LOW and ctx.person is not None:
        staff = Texts("zh", ctx.config.centre.timezone)
        person = ctx.person
        text = staff("timers.staff_monthly_low", name=person.name or person.phone or "—",
                     unit=staff.address(person.project, person.building, person.unit), score=score)
        replies.append(Reply(text, to=_customer_service(), priority=STAFF, kind="staff",
                             extra={"event": "monthly_low", "person_id": person.id}))
    return Step(replies)


def _customer_service() -> Recipient:
    return Recipient("staff", "customer_service")

