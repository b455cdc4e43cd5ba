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


async def load_history(store: Store, chat_id: str, now: datetime) -> list[dict[str, Any]]:
    """The last messages of the chat in order: what the owner wrote and what was sent back
    (rows still waiting in the outbox included once due, so nothing is missing after a drop)."""
    async with store.transaction() as session:
        inbound = (await session.scalars(
            select(InboundMessage)
            .where(InboundMessage.channel == "web", InboundMessage.chat_id == chat_id)
            .order_by(InboundMessage.id.desc()).limit(LIMIT)
        )).all()
        outbound = (await session.scalars(
            select(Outbox)
            .where(
                Outbox.channel == "web",
                Outbox.chat_id == chat_id,
                or_(Outbox.status == "sent",
                    and_(Outbox.status.in_(SHOWN), Outbox.not_before <= now)),
            )
            .order_by(Outbox.id.desc()).limit(LIMIT)
        )).all()
    keyed: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for row in inbound:
        keyed.append((row.received_at, 0, row.id, _inbound_item(row)))
    for out in outbound:
        item = bot_item(Outgoing(id=out.id, chat_id=out.chat_id, payload=out.payload,
                                 kind=out.kind, case_id=out.case_id))
        keyed.append((out.created_at, 1, out.id, item))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed[-LIMIT:]]
