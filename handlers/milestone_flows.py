"""Owner-facing flows for construction news: /progress (工程进度), /subscribe, /unsubscribe."""

from __future__ import annotations

from sqlalchemy import distinct, select

from bot.messages import Button, Reply
from handlers.context import IDLE, Ctx, Step
from handlers.identity import ask_phone
from handlers.milestones import CATALOGUE, announcements, place
from storage.milestones import MilestoneSubscription
from storage.models import Person

TOPICS = ("notices", "greetings")
PROGRESS_WORDS = ("工程进度", "施工进度", "楼栋进度", "construction progress")


def asks_progress(ctx: Ctx) -> bool:
    """/progress, or a message that is just "工程进度" (and the like)."""
    command = ctx.msg.command
    if command is not None:
        return command[0] == "progress"
    return ctx.text.lower().rstrip("?？。!！") in PROGRESS_WORDS


def subscription_command(ctx: Ctx) -> bool:
    command = ctx.msg.command
    return (command is not None and command[0] in ("subscribe", "unsubscribe")) or (
        (ctx.button or "").startswith("sub:")
    )


async def progress(ctx: Ctx) -> Step:
    """Lists the milestones announced for the person's building (and whole project) so far."""
    person = ctx.person
    if person is None:
        return ask_phone(ctx, {})
    if not person.project:
        return Step([ctx.reply("milestone.no_project", hotline=ctx.config.centre.hotline)], IDLE)
    where = place(ctx.t, person.project, person.building)
    reached = [a for a in await announcements(ctx.session, person.project)
               if a.building in ("", person.building or "")]
    if not reached:
        return Step([ctx.reply("milestone.progress_none", place=where)], IDLE)
    done = {a.milestone for a in reached}
    reached.sort(key=lambda a: (CATALOGUE.index(a.milestone), a.id))
    lines = [ctx.t("milestone.progress_header", place=where)]
    for item in reached:
        when = item.reached_on or item.created_at.astimezone(ctx.t.tz).date()
        lines.append(ctx.t("milestone.progress_line", name=ctx.t(f"milestone.names.{item.milestone}"),
                           date=ctx.t("milestone.progress_date", date=when.isoformat())))
    upcoming = [code for code in CATALOGUE if code not in done]
    if upcoming:
        lines.append(ctx.t("milestone.progress_next", name=ctx.t(f"milestone.names.{upcoming[0]}")))
    return Step([Reply("\n".join(lines))], IDLE)


def _choose(ctx: Ctx, on: bool) -> Step:
    verb = "on" if on else "off"
    row = tuple(Button(ctx.t(f"subscription.{topic}"), f"sub:{verb}:{topic}") for topic in TOPICS)
    return Step([ctx.reply(f"subscription.choose_{verb}", buttons=(row,))], IDLE)


async def subscription(ctx: Ctx) -> Step:
    """`/subscribe [notices|greetings]`, `/unsubscribe [...]` and their buttons: notices
    (case progress and construction news) and greetings are switched separately."""
    if ctx.button:
        _, verb, topic = [*ctx.button.split(":", 2), "", ""][:3]
        on = verb == "on"
    else:
        command = ctx.msg.command
        assert command is not None
        on, topic = command[0] == "subscribe", command[1].strip().lower()
    if ctx.person is None:
        return ask_phone(ctx, {})
    if topic.startswith("project:"):
        return await _follow(ctx, topic.removeprefix("project:"))
    if topic not in TOPICS:
        return _choose(ctx, on)
    person = ctx.person
    if topic == "greetings":
        person.greetings_opt_out = not on
        return Step([ctx.reply(f"subscription.{'on' if on else 'off'}_greetings")], IDLE)
    person.notices_opt_out = not on
    replies = [ctx.reply(f"subscription.{'on' if on else 'off'}_notices")]
    if on and person.role == "prospect":
        if person.project:
            return await _follow(ctx, person.project, replies)
        projects = (await ctx.session.scalars(
            select(distinct(Person.project)).where(Person.project.is_not(None))
            .order_by(Person.project).limit(6))).all()
        choices = tuple((Button(p, f"sub:on:project:{p}"),) for p in projects if p
                        if len(f"sub:on:project:{p}".encode()) <= 64)
        if choices:
            replies.append(ctx.reply("subscription.which_project", buttons=choices))
    return Step(replies, IDLE)


async def _follow(ctx: Ctx, project: str, replies: list[Reply] | None = None) -> Step:
    """Subscribes the person to a project's construction news (idempotent)."""
    assert ctx.person is not None
    exists = await ctx.session.scalar(select(MilestoneSubscription.id).where(
        MilestoneSubscription.person_id == ctx.person.id, MilestoneSubscription.project == project))
    if exists is None:
        ctx.session.add(MilestoneSubscription(person_id=ctx.person.id, project=project,
                                              created_at=ctx.now))
    ctx.person.notices_opt_out = False
    return Step([*(replies or []), ctx.reply("subscription.following", project=project)], IDLE)
