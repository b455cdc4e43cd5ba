"""Staff-side routes: what staff do in their group (claim, resolve, reply, notes), and owners'
edited messages. Channel-neutral: the adapter marks verified staff with `msg.staff`.

Staff commands in a case topic (or in reply to its card): /claim, /progress, /resolve [note],
/reopen, /assign DEPT, /note TEXT, /case; a message starting with `#` is an internal note;
anything else is relayed to the owner, signed as customer service. Anywhere in a staff group,
/milestone announces a construction milestone to buyers after a preview and confirmation."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.messages import PROGRESS, STAFF, Button, Recipient, Reply
from handlers import milestones
from handlers.casework import add_note, change_state, reroute, staff_reply, verify_identity
from handlers.context import IDLE, Ctx, Step
from handlers.i18n import Texts
from handlers.intake import staff_text
from nlp.routing import DEPARTMENTS, department_name
from storage.lifecycle import ASSIGNED, IN_PROGRESS, REOPENED, RESOLVED, IllegalTransition
from storage.milestones import MilestoneSubscription
from storage.models import Case, Identity, Person
from storage.models import InboundMessage as InboundRow

log = logging.getLogger(__name__)
ACTIONS = {"claim": ASSIGNED, "progress": IN_PROGRESS, "resolve": RESOLVED, "reopen": REOPENED}
COMMANDS = frozenset({*ACTIONS, "assign", "note", "case", "help", "start", "report",
                      "milestone", "verify"})
# What a staff member may send an owner besides text (a voice note or sticker is not an answer).
RELAYED_MEDIA = frozenset({"photo", "document", "video"})
MILESTONE_STATE = "staff.milestone"  # a /milestone preview waiting for 确认发布 / 取消
MILESTONE_BUTTON = "ms:"  # ms:ok:<token> / ms:no:<token>
CONFIRM_WORDS = frozenset({"ok", "yes", "confirm", "确认", "确认发布"})
CANCEL_WORDS = frozenset({"no", "cancel", "取消"})


# ------------------------------------------------------------------ the case card


def card_text(case: Case, person: Person | None, tz: str = "Asia/Shanghai") -> str:
    """The case card staff see: the intake card plus the case's current state."""
    t = Texts("zh", tz)
    return staff_text(case, person, tz) + "\n" + t("tg.card_state", state=t("state." + case.state))


def card_buttons(case: Case) -> list[list[dict[str, str]]]:
    """认领 / 处理中 / 已解决 / 转派, as outbox button rows."""
    t = Texts("zh")
    return [
        [{"label": t("tg.btn_claim"), "data": f"case:claim:{case.id}"},
         {"label": t("tg.btn_progress"), "data": f"case:progress:{case.id}"}],
        [{"label": t("tg.btn_resolve"), "data": f"case:resolve:{case.id}"},
         {"label": t("tg.btn_assign"), "data": f"case:assign:{case.id}"}],
    ]


def topic_name(case: Case, person: Person | None) -> str:
    """`R-20261122-0007 · 卫生间漏水 · 3栋1201` (Telegram allows 128 characters)."""
    unit = "".join(p for p in (case.building, case.unit) if p) or "—"
    urgent = "🚨 " if case.urgent else ""
    return f"{urgent}{case.number} · {case.title[:40]} · {unit}"[:128]


# ------------------------------------------------------------------ route filters


def from_staff_group(ctx: Ctx) -> bool:
    """Everything from a staff group goes to staff routes, never to owner flows."""
    return ctx.msg.channel == "staff" or ctx.msg.chat_type != "private"


def owner_edit(ctx: Ctx) -> bool:
    return ctx.msg.edited and not from_staff_group(ctx)


# ------------------------------------------------------------------ handlers


def _answer(
    ctx: Ctx, text: str, case: Case | None, event: str = "info",
    buttons: tuple[tuple[Button, ...], ...] = (),
) -> Reply:
    """A message back into the staff group (the case's topic when there is a case)."""
    target = Recipient("staff", case.department if case else ctx.msg.chat_id,
                       None if case else ctx.msg.thread_id)
    extra: dict[str, Any] = {"event": event}
    if case is not None:
        extra.update(case_id=case.id, case_number=case.number)
    return Reply(text, to=target, priority=STAFF, kind="staff", buttons=buttons,
                 case_id=case.id if case else None, extra=extra)


async def find_case(ctx: Ctx) -> Case | None:
    """The case a staff message is about: button data, topic, or reply to its card."""
    data = ctx.button or ""
    if data.startswith("case:"):
        parts = data.split(":")
        if len(parts) >= 3 and parts[2].isdigit():
            return await ctx.cases.get(int(parts[2]))
        return None
    chat = ctx.msg.chat_id
    if ctx.msg.thread_id and ctx.msg.thread_id != "1":
        found = await ctx.session.scalar(select(Case).where(
            Case.staff_chat_id == chat, Case.staff_thread_id == ctx.msg.thread_id))
        if found is not None:
            return found
    if ctx.msg.reply_to:
        return await ctx.session.scalar(select(Case).where(
            Case.staff_chat_id == chat, Case.staff_message_id == ctx.msg.reply_to))
    return None


async def staff_message(ctx: Ctx) -> Step:
    """A message, command or button press in a staff group."""
    ctx.first_contact = False  # the owners' greeting never goes to a staff group
    t = Texts("zh", ctx.config.centre.timezone)
    command = ctx.msg.command
    # A pending /milestone preview only lives until this staff member's next message here.
    pending = dict(ctx.data) if ctx.state == MILESTONE_STATE else None
    ctx.state, ctx.data = IDLE, {}
    if (command is not None and command[0] == "milestone") or (
            ctx.button or "").startswith(MILESTONE_BUTTON):
        if not ctx.msg.staff:
            log.warning("non-member %s refused in staff chat %s", ctx.msg.user_id, ctx.msg.chat_id)
            return Step([_answer(ctx, t("tg.not_staff"), None)])
        return await milestone_command(ctx, command[1] if command else "", pending, t)
    case = await find_case(ctx)
    attempt = case is not None or ctx.button is not None or (
        command is not None and command[0] in COMMANDS)
    if not ctx.msg.staff:
        if attempt:
            log.warning("non-member %s refused in staff chat %s", ctx.msg.user_id, ctx.msg.chat_id)
            return Step([_answer(ctx, t("tg.not_staff"), None)])
        return Step([])
    if command is not None and command[0] == "report":
        return Step([_answer(ctx, await _report(ctx, command[1], t), None)])
    if case is None:
        if attempt:
            return Step([_answer(ctx, t("tg.no_case"), None)])
        return Step([])  # chatter in General or outside any case thread
    actor = f"staff:{ctx.msg.channel}:{ctx.msg.user_id}"
    who = ctx.msg.user_name or actor
    if ctx.button:
        return await _button(ctx, case, actor, who, t)
    if command is not None:
        if ctx.msg.edited:  # editing a command does not run it again
            return Step([_answer(ctx, t("tg.edited_command"), case)], case=case)
        return await _command(ctx, case, command[0], command[1], actor, who, t)
    text = ctx.text
    if text.startswith("#"):
        await add_note(ctx.session, case, text[1:].strip(), actor=actor, now=ctx.now,
                       edited=ctx.msg.edited)
        return Step([], case=case)
    # An edited answer reaches the owner once more, marked as a correction.
    media = () if ctx.msg.edited else tuple(
        a for a in ctx.msg.attachments if a.kind in RELAYED_MEDIA)
    if not text and not media:
        if ctx.msg.edited:
            return Step([], case=case)
        return Step([_answer(ctx, t("tg.media_not_relayed"), case)], case=case)
    await staff_reply(ctx.session, case, text, actor=actor, now=ctx.now,
                      tz=ctx.config.centre.timezone, attachments=media,
                      corrected=ctx.msg.edited)
    return Step([], case=case)


async def _button(ctx: Ctx, case: Case, actor: str, who: str, t: Texts) -> Step:
    parts = (ctx.button or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    if action in ACTIONS:
        return await _move(ctx, case, ACTIONS[action], actor, who, t, None)
    if action == "assign":
        rows = tuple((Button(department_name(d), f"case:to:{case.id}:{d}"),)
                     for d in DEPARTMENTS if d != case.department)
        text = t("tg.choose_department", number=case.number)
        return Step([_answer(ctx, text, case, buttons=rows)], case=case)
    if action == "to" and len(parts) == 4:
        return await _reroute(ctx, case, parts[3], actor, who, t)
    return Step([], case=case)


async def _command(
    ctx: Ctx, case: Case, name: str, args: str, actor: str, who: str, t: Texts
) -> Step:
    if name in ACTIONS:
        return await _move(ctx, case, ACTIONS[name], actor, who, t, args or None)
    if name == "assign":
        return await _reroute(ctx, case, args.strip(), actor, who, t)
    if name == "note":
        if args:
            await add_note(ctx.session, case, args, actor=actor, now=ctx.now)
        return Step([], case=case)
    if name == "case":
        return Step([_answer(ctx, "", case, event="card")], case=case)
    if name == "verify":
        return await _verify(ctx, case, actor, who, t)
    return Step([_answer(ctx, t("tg.staff_help"), case)], case=case)


async def _verify(ctx: Ctx, case: Case, actor: str, who: str, t: Texts) -> Step:
    """/verify: staff confirmed by phone that the person in this chat is the roster's owner
    (for channels that cannot prove a phone number themselves, such as the web chat)."""
    identity = None
    if case.person_id is not None:
        identity = await ctx.session.scalar(select(Identity).where(
            Identity.channel == case.channel, Identity.chat_id == case.chat_id,
            Identity.person_id == case.person_id))
    if identity is None:
        return Step([_answer(ctx, t("tg.verify_none", number=case.number), case)], case=case)
    if identity.verified:
        return Step([_answer(ctx, t("tg.verify_already", number=case.number), case)],
                    case=case)
    await verify_identity(ctx.session, case, identity, actor=actor, now=ctx.now,
                          tz=ctx.config.centre.timezone)
    return Step([_answer(ctx, t("tg.verified", number=case.number, who=who), case)], case=case)


async def _move(
    ctx: Ctx, case: Case, target: str, actor: str, who: str, t: Texts, note: str | None
) -> Step:
    """A state change: the owner gets a progress notice, the topic shows it."""
    try:
        await change_state(ctx.session, case, target, actor=actor, now=ctx.now, note=note,
                           tz=ctx.config.centre.timezone, config=ctx.config)
    except IllegalTransition as exc:
        return Step([_answer(ctx, t("tg.illegal", reason=str(exc)), case)], case=case)
    shown = t("tg.progress", number=case.number, state=t("state." + target), who=who)
    if note:
        shown += "\n" + t("progress.note", note=note)
    reply = _answer(ctx, shown, case, event="progress")
    return Step([Reply(**{**reply.__dict__, "priority": PROGRESS})], case=case)


async def _reroute(ctx: Ctx, case: Case, department: str, actor: str, who: str,
                   t: Texts) -> Step:
    if department not in DEPARTMENTS:
        return Step([_answer(ctx, t("tg.bad_department", choices=", ".join(DEPARTMENTS)), case)],
                    case=case)
    await reroute(ctx.session, case, department, actor=actor, now=ctx.now)
    text = t("tg.rerouted", number=case.number, department=department_name(department), who=who)
    return Step([_answer(ctx, text, case, event="rerouted")], case=case)


async def _report(ctx: Ctx, args: str, t: Texts) -> str:
    """/report [YYYY-MM]: the month's service figures (last month by default) for staff."""
    from bot.reports.figures import build_report  # the report engine, only when asked
    from bot.reports.period import last_month, parse_month
    from bot.reports.render import render_summary

    tz = ctx.config.centre.timezone
    try:
        period = parse_month(args.strip(), tz) if args.strip() else last_month(ctx.now, tz)
    except ValueError:
        return t("tg.report_usage")
    report = await build_report(ctx.session, period, now=ctx.now, tz=tz)
    return render_summary(report, t)


# ------------------------------------------------------------------ /milestone


def _codes(t: Texts) -> str:
    return "\n".join(t("tg_milestone.code_line", code=code, name=t(f"milestone.names.{code}"))
                     for code in milestones.CATALOGUE)


def _milestone_code(word: str, t: Texts) -> str | None:
    """A catalogue code from its code (any case) or its Chinese name."""
    if word.lower() in milestones.CATALOGUE:
        return word.lower()
    return next((c for c in milestones.CATALOGUE if t(f"milestone.names.{c}") == word), None)


async def _projects(ctx: Ctx) -> list[str]:
    people = await ctx.session.scalars(
        select(Person.project).where(Person.project.is_not(None)).distinct())
    subscribed = await ctx.session.scalars(select(MilestoneSubscription.project).distinct())
    return sorted({p for p in [*people, *subscribed] if p})


async def _buildings(ctx: Ctx, project: str) -> list[str]:
    found = await ctx.session.scalars(select(Person.building).where(
        Person.project == project, Person.building.is_not(None)).distinct())
    return sorted(b for b in found if b)


async def parse_milestone(ctx: Ctx, args: str, t: Texts) -> dict[str, Any] | str:
    """`PROJECT [BUILDING] CODE [YYYY-MM-DD] [note…]` → the announcement's parameters, or the
    polite answer explaining what is wrong."""
    words = list(re.finditer(r"\S+", args))
    at = next((i for i, w in enumerate(words) if _milestone_code(w.group(), t)), None)
    if at is None:
        return t("tg_milestone.unknown_code", args=args, codes=_codes(t))
    if at == 0:
        return t("tg_milestone.usage", codes=_codes(t))
    code = _milestone_code(words[at].group(), t)
    head = [w.group() for w in words[:at]]
    projects = await _projects(ctx)
    building: str | None = None
    if " ".join(head) in projects:
        project = " ".join(head)
    elif len(head) > 1 and " ".join(head[:-1]) in projects:
        project, building = " ".join(head[:-1]), head[-1]
    else:
        return t("tg_milestone.unknown_project", project=" ".join(head),
                 projects="、".join(projects) or "—", codes=_codes(t))
    if building is not None:
        buildings = await _buildings(ctx, project)
        if building not in buildings and building + "栋" in buildings:
            building += "栋"
        if building not in buildings:
            return t("tg_milestone.unknown_building", project=project, building=building,
                     buildings="、".join(buildings) or "—")
    rest = words[at + 1:]
    reached_on: date | None = None
    if rest and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", rest[0].group()):
        try:
            year, month, day = (int(p) for p in rest[0].group().split("-"))
            reached_on = date(year, month, day)
        except ValueError:
            return t("tg_milestone.bad_date", date=rest[0].group())
        rest = rest[1:]
    note = args[rest[0].start():].strip() if rest else ""
    return {"project": project, "building": building, "milestone": code,
            "reached_on": reached_on.isoformat() if reached_on else None, "note": note or None}


async def milestone_command(
    ctx: Ctx, args: str, pending: dict[str, Any] | None, t: Texts
) -> Step:
    """/milestone: usage, preview with 确认发布 / 取消, then the announcement itself.

    The preview's parameters wait in this staff member's conversation (state
    MILESTONE_STATE); the buttons carry only a short token, so a press confirms exactly
    the preview it was shown under, by the same person. `/milestone ok` / `/milestone 取消`
    do the same in text."""
    word = args.strip().lower()
    if ctx.button:
        action, _, token = ctx.button[len(MILESTONE_BUTTON):].partition(":")
    elif word in CONFIRM_WORDS or word in CANCEL_WORDS:
        action, token = ("ok" if word in CONFIRM_WORDS else "no"), None
    else:
        action, token = "", None
    if action:
        if pending is None or (token is not None and token != pending.get("token")):
            keep = (MILESTONE_STATE, pending) if pending is not None else (IDLE, {})
            return Step([_answer(ctx, t("tg_milestone.expired"), None)], *keep)
        if action != "ok":
            return Step([_answer(ctx, t("tg_milestone.cancelled"), None)])
        return await _announce(ctx, pending, t)
    if not word:
        return Step([_answer(ctx, t("tg_milestone.usage", codes=_codes(t)), None)])
    parsed = await parse_milestone(ctx, args, t)
    if isinstance(parsed, str):
        return Step([_answer(ctx, parsed, None)])
    reached = parsed["reached_on"]
    shown = await milestones.preview(
        ctx.session, project=parsed["project"], building=parsed["building"],
        milestone=parsed["milestone"], reached_on=date.fromisoformat(reached) if reached else None,
        note=parsed["note"], lang="zh")
    if shown.count == 0:
        return Step([_answer(ctx, shown.summary + "\n\n" + t("tg_milestone.nobody"), None)])
    token = secrets.token_hex(4)
    buttons = ((Button(t("tg_milestone.btn_confirm"), f"{MILESTONE_BUTTON}ok:{token}"),
                Button(t("tg_milestone.btn_cancel"), f"{MILESTONE_BUTTON}no:{token}")),)
    text = shown.summary + "\n\n" + t("tg_milestone.confirm", count=shown.count)
    return Step([_answer(ctx, text, None, event="milestone_preview", buttons=buttons)],
                MILESTONE_STATE, {**parsed, "token": token, "count": shown.count})


async def _announce(ctx: Ctx, pending: dict[str, Any], t: Texts) -> Step:
    reached = pending.get("reached_on")
    done = await milestones.announce(
        ctx.session, project=pending["project"], building=pending.get("building"),
        milestone=pending["milestone"], now=ctx.now,
        actor=f"staff:{ctx.msg.channel}:{ctx.msg.user_id}",
        reached_on=date.fromisoformat(reached) if reached else None, note=pending.get("note"))
    text = t("tg_milestone.done", id=done.announcement_id, enqueued=done.enqueued,
             total=done.total)
    return Step([_answer(ctx, text, None, event="milestone_announced")])


async def edited_message(ctx: Ctx) -> Step:
    """An owner edited a message: the transcript is updated and staff see the new text."""
    external = (ctx.msg.external_id or "").split("e", 1)[0]
    original = await ctx.session.scalar(select(InboundRow).where(
        InboundRow.channel == ctx.msg.channel, InboundRow.chat_id == ctx.msg.chat_id,
        InboundRow.external_id == external))
    if original is not None:
        original.text, original.edited_at = ctx.msg.text, ctx.now
    keep = Step([], ctx.state, ctx.data)
    case = await ctx.cases.open_case_for_chat(ctx.msg.channel, ctx.msg.chat_id)
    if case is None:
        return keep
    await ctx.cases.add_event(case, "message_in", actor=f"owner:{ctx.msg.channel}:"
                              f"{ctx.msg.user_id}", now=ctx.now, text=ctx.text,
                              data={"edited": True})
    relay = ctx.staff(case.department, Texts("zh")("tg.owner_edited", number=case.number,
                      text=ctx.text or "📎"), case, "owner_message", STAFF)
    keep.replies.append(relay)
    keep.case = case
    return keep
