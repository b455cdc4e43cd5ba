"""Identity: a phone number matched against the roster links the chat to a person."""

from __future__ import annotations

from typing import Any

from bot.messages import Reply
from handlers.context import Ctx, Step
from storage.repos.people import normalize_phone

ASK_PHONE = "identity.phone"


def ask_phone(ctx: Ctx, pending: dict[str, Any], *, prefix: list[Reply] | None = None) -> Step:
    """Ask for the phone number, remembering what the user wanted to do next."""
    key = "identity.ask_phone_contact" if ctx.msg.channel == "telegram" else "identity.ask_phone"
    ask = Reply(ctx.t(key), request_contact=ctx.msg.channel == "telegram")
    return Step([*(prefix or []), ask], ASK_PHONE, {"pending": pending})


async def bind_phone(ctx: Ctx) -> Step | list[Reply]:
    """Matches a typed or shared phone number against the roster and links the identity.

    Returns the confirmation replies, or a Step that asks again when the number is unusable."""
    contact = ctx.msg.contact
    if contact is not None:
        if contact.user_id is not None and contact.user_id != ctx.msg.user_id:
            return Step([ctx.reply("identity.foreign_contact")], ASK_PHONE, ctx.data)
        raw, verified = contact.phone, contact.user_id == ctx.msg.user_id
    else:
        raw, verified = ctx.text, False
    phone = normalize_phone(raw)
    if phone is None:
        return Step([ctx.reply("identity.invalid_phone", text=raw[:40])], ASK_PHONE, ctx.data)

    person = await ctx.people.by_phone(phone)
    if person is None:
        person = await ctx.people.create_prospect(phone, ctx.now, ctx.lang)
    ctx.identity = await ctx.people.link(
        person, ctx.msg.channel, ctx.msg.user_id, ctx.msg.chat_id, verified, ctx.now
    )
    ctx.person = person
    address = ctx.t.address(person.project, person.building, person.unit)
    if person.role == "owner":
        confirm = ctx.reply("identity.owner", name=person.name or "", address=address)
    elif person.role == "buyer":
        confirm = ctx.reply("identity.buyer", name=person.name or "", address=address)
    else:
        confirm = ctx.reply("identity.prospect")
    replies = [confirm]
    if not ctx.identity.verified:
        replies.append(ctx.reply("identity.unverified"))

    return replies
