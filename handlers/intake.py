"""Opening a case: department, promised times, history, and the staff alert, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.calendar.sla import sla_adder
from bot.messages import STAFF, URGENT, Reply
from handlers.context import Ctx
from handlers.i18n import Texts
from handlers.promises import Promise, promise_for
from nlp.routing import build_routing, route
from storage.models import Case, Person

MENU_WORDS = frozenset({"报修", "投诉", "咨询", "建议", "repair", "complaint", "inquiry", "suggestion"})


def substantive(text: str | None) -> bool:
    """Whether the text says more than a menu word, so it can serve as a description."""
    cleaned = (text or "").strip().strip("。.!！?？ ")
    return len(cleaned) >= 4 and cleaned.lower() not in MENU_WORDS


@dataclass(frozen=True)
class Opened:
    case: Case
    promise: Promise
    staff_alert: Reply


def department_for(ctx: Ctx, kind: str, category: str | None) -> str:
    return route(build_routing(ctx.config.routing), kind, category)


def owner_label(person: Person | None) -> str:
    """Name, masked phone and role: enough for staff to recognise the owner, no more."""
    if person is None:
        return "未登记"
    phone = person.phone or ""
    masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone
    return f"{person.name or '—'} {masked}（{Texts('zh')('role.' + person.role)}）".strip()


def staff_text(case: Case, person: Person | None, tz: str, verified: bool | None = None) -> str:
    """The case card text for the staff desk (staff read Chinese), from the case's own dues;
    `verified=False` tells staff the owner typed the phone number (see /verify)."""
    t = Texts("zh", tz)
    detail = ""
    if case.category:
        detail = f" / {t('category.' + case.category)}"
    elif case.area:
        detail = f" / {t('report.area.' + case.area)}"
    if case.place:
        detail += f" / {t('place.' + case.place)}"
    values: dict[str, Any] = {
        "number": case.number,
        "kind": t("kind." + case.kind),
        "detail": detail,
        "owner": owner_label(person) + (t("staff.unverified") if person and verified is False
                                        else ""),
        "unit": t.address(case.project, case.building, case.unit),
        "desc": case.description[:500],
        "first_reply": t.when(case.first_reply_due),
        "handle": t.when(case.handle_due),
    }
    return t("staff.urgent_case" if case.urgent else "staff.new_case", **values)


async def open_case(
    ctx: Ctx,
    *,
    kind: str,
    description: str,
    category: str | None = None,
    area: str | None = None,
    place: str | None = None,
    urgent: bool = False,
    unit: str | None = None,
    **fields: Any,
) -> Opened:
    """Create the case, its first history entry and the alert for its department's desk."""
    department = department_for(ctx, kind, category)
    promise = promise_for(kind, urgent, ctx.now, ctx.config.sla, sla_adder(ctx.config))
    person = ctx.person
    title = description.strip().splitlines()[0][:60] if description.strip() else kind
    case = await ctx.cases.open(
        kind=kind,
        now=ctx.now,
        actor=f"owner:{ctx.msg.channel}:{ctx.msg.user_id}",
        category=category,
        area=area,
        place=place,
        urgent=urgent,
        department=department,
        person_id=person.id if person else None,
        title=title,
        description=description,
        project=person.project if person else None,
        building=person.building if person else None,
        unit=unit or (person.unit if person else None),
        channel=ctx.msg.channel,
        chat_id=ctx.msg.chat_id,
        first_reply_due=promise.first_reply_due,
        handle_due=promise.handle_due,
        **fields,
    )
    case.person = person
    text = staff_text(case, person, ctx.config.centre.timezone, ctx.verified)
    # Urgent cases jump every queue, live replies included.
    alert = ctx.staff(department, text, case, "urgent" if urgent else "new", URGENT if urgent else STAFF)
    return Opened(case, promise, alert)
