"""dispatch(message): one transaction from the inbound row to the outbox rows it causes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nlp
from bot.clock import Clock
from bot.config import Config
from bot.messages import LIVE, InboundMessage, Reply
from handlers.context import IDLE, Ctx, Step
from handlers.i18n import Texts
from handlers.router import pick
from storage.db import Store
from storage.models import Outbox
from storage.repos.cases import CaseRepo
from storage.repos.conversations import ConversationRepo
from storage.repos.messages import TranscriptRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.people import PeopleRepo

log = logging.getLogger(__name__)
MAX_ANALYZED = 4000  # characters; longer texts are refused politely before any classifying


@dataclass
class Dispatched:
    """What one dispatch did: the stored message, the route taken, the outbox rows written."""

    inbound_id: int | None
    route: str
    outbox: list[Outbox] = field(default_factory=list)
    duplicate: bool = False


class Dispatcher:
    """The engine's single entry point; every channel adapter calls `dispatch`."""

    def __init__(
        self, store: Store, config: Config, clock: Clock, on_outbox: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.on_outbox = on_outbox
        # Messages of one chat are handled in order; different chats run concurrently.
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        # Called after the route's handler, inside the transaction; may add replies
        # (e.g. the out-of-hours auto-reply, bot/timers/hours.py).
        self.hooks: list[Callable[[Ctx, Step], Awaitable[None]]] = []

    async def dispatch(self, msg: InboundMessage) -> Dispatched:
        lock = self._locks.setdefault((msg.channel, msg.chat_id), asyncio.Lock())
        async with lock:
            try:
                result = await self._dispatch(msg)
            except Exception:
                log.exception("handler failed on %s message in chat %s", msg.channel, msg.chat_id)
                result = await self._apologise(msg)
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        if result.outbox and self.on_outbox is not None:
            self.on_outbox()
        return result

    async def _dispatch(self, msg: InboundMessage) -> Dispatched:
        now = msg.received_at or self.clock.now()
        key = (msg.channel, msg.chat_id, msg.user_id)
        async with self.store.transaction() as session:
            transcript = TranscriptRepo(session)
            if msg.external_id and await transcript.find_external(
                msg.channel, msg.chat_id, msg.external_id
            ):
                return Dispatched(None, "duplicate", duplicate=True)
            inbound = await transcript.record(
                channel=msg.channel,
                chat_id=msg.chat_id,
                user_id=msg.user_id,
                text=msg.text,
                payload=msg.payload(),
                at=now,
                external_id=msg.external_id,
            )
            conversations = ConversationRepo(session)
            conv = await conversations.load(*key)
            people = PeopleRepo(session)
            identity = await people.identity(msg.channel, msg.user_id)
            person = await people.get(identity.person_id) if identity else None
            lang = (
                (conv.language if conv else None)
                or (person.language if person else None)
                or _language_from_hint(msg.language_hint)
                or self.config.centre.language
            )
            text = (msg.text or "").strip()
            analysis = None
            if text and msg.command is None and not msg.button and len(text) <= MAX_ANALYZED:
                analysis = nlp.analyze(text)
            tz = self.config.centre.timezone
            ctx = Ctx(
                msg=msg,
                now=now,
                config=self.config,
                session=session,
                state=conv.state if conv else IDLE,
                data=dict(conv.data) if conv else {},
                lang=lang,
                person=person,
                identity=identity,
                analysis=analysis,
                first_contact=conv is None,
                people=people,
                cases=CaseRepo(session, tz),
                outbox=OutboxRepo(session),
                t=Texts(lang, tz),
            )
            route = pick(ctx)
            step = await route.handler(ctx)
            for hook in self.hooks:
                await hook(ctx, step)
            if ctx.first_contact and route.name not in ("start", "help"):
                name = self.config.centre.name if ctx.lang == "zh" else self.config.centre.name_en
                step.replies.insert(0, Reply(ctx.t("greeting", centre=name)))
            inbound.person_id = ctx.person.id if ctx.person else None
            # The transcript of a case starts where its conversation left idle.
            since = int(ctx.data.get("_since", inbound.id)) if ctx.state != IDLE else inbound.id
            if step.state != IDLE:
                step.data = {**step.data, "_since": since}
            if step.case is not None:
                await transcript.link_case(msg.channel, msg.chat_id, since, inbound.id, step.case.id)
            await conversations.save(conv, key, step.state, step.data, ctx.lang, now)
            rows = await self._enqueue(ctx.outbox, msg, step, ctx, now)
            log.info(
                "%s chat %s: route=%s state=%s→%s replies=%d",
                msg.channel, msg.chat_id, route.name, ctx.state, step.state, len(rows),
            )
            return Dispatched(inbound.id, route.name, rows)

    async def _enqueue(
        self, outbox: OutboxRepo, msg: InboundMessage, step: Step, ctx: Ctx, now: object
    ) -> list[Outbox]:
        rows = []
        person_id = ctx.person.id if ctx.person else None
        for reply in step.replies:
            to_channel, to_chat = (reply.to.channel, reply.to.chat_id) if reply.to else (
                msg.channel,
                msg.chat_id,
            )
            rows.append(
                await outbox.enqueue(
                    channel=to_channel,
                    chat_id=to_chat,
                    payload=reply.payload(),
                    now=ctx.now,
                    priority=reply.priority,
                    kind=reply.kind,
                    person_id=reply.person_id or (person_id if reply.to is None else None),
                    case_id=reply.case_id or (step.case.id if step.case else None),
                    dedupe_key=reply.dedupe_key,
                )
            )
        return rows

    async def _apologise(self, msg: InboundMessage) -> Dispatched:
        """A handler crashed: keep the message anyway and tell the user politely."""
        now = self.clock.now()
        async with self.store.transaction() as session:
            inbound = await TranscriptRepo(session).record(
                channel=msg.channel,
                chat_id=msg.chat_id,
                user_id=msg.user_id,
                text=msg.text,
                payload={**msg.payload(), "error": "handler failed"},
                at=now,
                external_id=msg.external_id,
            )
            t = Texts(_language_from_hint(msg.language_hint) or self.config.centre.language)
            row = await OutboxRepo(session).enqueue(
                channel=msg.channel,
                chat_id=msg.chat_id,
                payload={"text": t("internal_error", hotline=self.config.centre.hotline)},
                now=now,
                priority=LIVE,
            )
        return Dispatched(inbound.id, "error", [row])


def _language_from_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    return "en" if hint.lower().startswith("en") else "zh" if hint.lower().startswith("zh") else None
