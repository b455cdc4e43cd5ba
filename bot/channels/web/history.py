"""The transcript of one web-chat session, both ways, as the page shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from bot.channels.base import Outgoing
from storage.db import Store
from storage.models import InboundMessage, Outbox

SHOWN = ("pending", "sending", "sent")
LIMIT = 200


def bot_item(message: Outgoing) -> dict[str, Any]:
    """An outbound message as the page renders it (text and buttons, never markup)."""
    return {
        "type": "message",
        "id": f"o{message.id}",
        "from": "bot",
        "text": message.text,
        "buttons": message.payload.get("buttons", []),
        "case_number": message.payload.get("case_number"),
        "files": [
            {"kind": a.kind, "name": a.name or a.kind, "url": f"/web/api/file/o{message.id}/{i}"}
            for i, a in enumerate(message.attachments) if a.path
        ],
    }


def owner_files(inbound_id: int, attachments: list[dict[str, Any]]
                ) -> tuple[list[dict[str, Any]], list[str]]:
    """What the owner sent, as links to the session-only file endpoint (kept copies) and as
    names (photos without a kept copy)."""
    files = [{"kind": a.get("kind"), "name": a.get("name") or "photo",
              "url": f"/web/api/file/i{inbound_id}/{i}"}
             for i, a in enumerate(attachments) if a.get("path")]
    photos = [a.get("name") or "photo" for a in attachments
              if a.get("kind") == "photo" and not a.get("path")]
    return files, photos


def _inbound_item(row: InboundMessage) -> dict[str, Any]:
    payload = row.payload or {}
    files, photos = owner_files(row.id, payload.get("attachments", []))
    return {
        "type": "message",
        "id": f"i{row.id}",
        "from": "me",
        "text": row.text or "",
        "button": payload.get("button"),
        "photos": photos,
        "files": files,
        "client_id": row.external_id,
    }


Cursor = tuple[datetime, int, int]  # (time, 0 owner / 1 bot, row id): the page's order


def _cursor(text: str | None) -> Cursor | None:
    """``"2026-11-23T10:00:00+00:00|1|42"`` -> its key; None for absent or malformed."""
    if not text:
        return None
    try:
        at, kind, row = text.split("|")
        return datetime.fromisoformat(at), int(kind), int(row)
    except ValueError:
        return None


async def load_history(
    store: Store, chat_id: str, now: datetime, before: str | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Up to LIMIT messages of the chat in order, the newest ones, or the newest ones
    older than ``before`` (an item's ``cursor``): what the owner wrote and what was sent
    back (rows still waiting in the outbox included once due, so nothing is missing after a
    drop). Also says whether older messages remain."""
    cursor = _cursor(before)
    inbound_q = (
        select(InboundMessage)
        .where(InboundMessage.channel == "web", InboundMessage.chat_id == chat_id)
        .order_by(InboundMessage.id.desc())
        .limit(LIMIT + 1)
    )
    outbound_q = (
        select(Outbox)
        .where(
            Outbox.channel == "web",
            Outbox.chat_id == chat_id,
            or_(Outbox.status == "sent",
                and_(Outbox.status.in_(SHOWN), Outbox.not_before <= now)),
        )
        .order_by(Outbox.id.desc())
        .limit(LIMIT + 1)
    )
    if cursor is not None:  # rows at the cursor's own time are sorted out below
        inbound_q = inbound_q.where(InboundMessage.received_at <= cursor[0])
        outbound_q = outbound_q.where(Outbox.created_at <= cursor[0])
    async with store.transaction() as session:
        inbound = (await session.scalars(inbound_q)).all()
        outbound = (await session.scalars(outbound_q)).all()
    keyed: list[tuple[Cursor, dict[str, Any]]] = []
    for row in inbound:
        keyed.append(((row.received_at, 0, row.id), _inbound_item(row)))
    for out in outbound:
        item = bot_item(Outgoing(id=out.id, chat_id=out.chat_id, payload=out.payload,
                                 kind=out.kind, case_id=out.case_id))
        keyed.append(((out.created_at, 1, out.id), item))
    if cursor is not None:
        keyed = [k for k in keyed if k[0] < cursor]
    keyed.sort(key=lambda k: k[0])
    more = len(keyed) > LIMIT or len(inbound) > LIMIT or len(outbound) > LIMIT
    page = keyed[-LIMIT:]
    for key, item in page:
        item["cursor"] = f"{key[0].isoformat()}|{key[1]}|{key[2]}"
    return [item for _, item in page], more
