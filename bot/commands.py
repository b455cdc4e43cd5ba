"""What each `anju` sub-command does (the parser lives in bot/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from tqdm import tqdm

from bot.app import App
from bot.channels.terminal import TerminalChannel
from bot.clock import SystemClock
from bot.config import Config
from bot.logs import quiet_for_chat
from bot.timers.greetings import catch_up_after_import
from handlers.casework import add_note, change_state, staff_reply
from handlers.i18n import Texts
from storage import roster
from storage.db import Store
from storage.lifecycle import IllegalTransition
from storage.models import Case, InboundMessage, Outbox, Person
from storage.repos.cases import CaseRepo
from storage.repos.messages import TranscriptRepo
from storage.repos.people import PeopleRepo


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run(config: Config, args: argparse.Namespace) -> int:
    """Runs the service until Ctrl-C or SIGTERM, then stops cleanly."""
    from bot.channels.registry import build_channels

    app = App(config, channels=build_channels(config))
    stop = asyncio.Event()
    _stop_on_signals(stop)
    await app.start()
    await ensure_demo_roster(app.store)
    if "web" in app.channels:
        print(f"Web chat: http://{app.http.host}:{app.http.port}/", file=sys.stderr)
    print("Anju is running. Press Ctrl-C to stop.", file=sys.stderr)
    await stop.wait()
    await app.stop()
    return 0


async def ensure_demo_roster(store: Store) -> None:
    """Loads examples/roster.csv into an empty store so `anju chat` works out of the box."""
    from bot.cli import DEMO_ROSTER

    async with store.transaction() as session:
        if await session.scalar(select(func.count(Person.id))):
            return
        parsed = roster.parse(roster.read_rows(DEMO_ROSTER))
        await roster.upsert(session, parsed.records, SystemClock().now())


async def chat(config: Config, args: argparse.Namespace) -> int:
    """A conversation in this terminal, as a demo owner (or a stranger with --new)."""
    quiet_for_chat()
    terminal = TerminalChannel(user_id="new-user" if args.new else f"demo-{args.as_phone}")
    # /healthz and /metrics on a free port, so a chat never clashes with a running `anju run`.
    config = config.model_copy(update={"web": config.web.model_copy(update={"port": 0})})
    app = App(config, channels=[terminal])
    # Roster and identity first: the terminal starts reading input as soon as the app starts.
    await app.store.upgrade()
    await ensure_demo_roster(app.store)
    if not args.new:
        async with app.store.transaction() as session:
            people = PeopleRepo(session)
            person = await people.by_phone(args.as_phone)
            if person is None:
                print(f"anju: nobody with phone {args.as_phone} on the roster", file=sys.stderr)
            else:
                await people.link(person, "terminal", terminal.user_id, terminal.user_id, True,
                                  app.clock.now())
                t = Texts("zh")
                where = t.address(person.project, person.building, person.unit)
                print(f"（演示：您是 {person.name}，{where} 的{t('role.' + person.role)}）")
    await app.start()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    waiters = [asyncio.ensure_future(terminal.finished.wait()), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    await app.stop()
    return 0


async def import_owners(config: Config, args: argparse.Namespace) -> int:
    """Validates the whole roster first; imports only if clean (or with --skip-bad)."""
    store = Store.from_url(config.store.url)
    try:
        await store.upgrade()
        rows = list(roster.read_rows(args.file))
        parsed = roster.parse(rows)
        for error in parsed.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        if parsed.errors and not args.skip_bad:
            print(f"{len(parsed.errors)} bad line(s); nothing imported. Fix them, or use "
                  "--skip-bad to import the other lines.", file=sys.stderr)
            return 1
        with tqdm(total=len(parsed.records), unit="people", disable=len(parsed.records) < 2000,
                  file=sys.stderr) as bar:
            async with store.transaction() as session:
                created, updated = await roster.upsert(
                    session, parsed.records, SystemClock().now(), progress=bar.update
                )
                if created or updated:
                    await catch_up_after_import(session, config, SystemClock().now())
        skipped = f", {len(parsed.errors)} bad line(s) skipped" if parsed.errors else ""
        print(f"imported {created} new, updated {updated}{skipped}")
        return 0
    finally:
        await store.close()


async def cases(config: Config, args: argparse.Namespace) -> int:
    store = Store.from_url(config.store.url)
    t = Texts("zh", config.centre.timezone)
    try:
        await store.upgrade()
        async with store.transaction() as session:
            repo = CaseRepo(session, config.centre.timezone)
            if args.action == "list":
                rows = await repo.list(limit=args.limit, state=args.state, kind=args.kind,
                                       open_only=args.open, project=args.project)
                print_case_table(rows, t)
                return 0
            case = await repo.by_number(args.number, with_events=True)
            if case is None:
                print(f"anju: no case {args.number}", file=sys.stderr)
                return 1
            now = SystemClock().now()
            if args.action == "set":  # the owner gets the same progress notice as from a group
                try:
                    await change_state(session, case, args.state, actor=args.by, now=now,
                                       note=args.note, tz=config.centre.timezone, config=config)
                except (IllegalTransition, ValueError) as exc:
                    print(f"anju: {exc}", file=sys.stderr)
                    return 1
                print(f"{case.number} is now {case.state}; the owner is notified")
                return 0
            if args.action in ("reply", "note"):
                text = args.text.strip()
                if not text:
                    print("anju: the text is empty", file=sys.stderr)
                    return 1
                if args.action == "note":
                    await add_note(session, case, text, actor=args.by, now=now)
                    print(f"note added to {case.number}")
                    return 0
                await staff_reply(session, case, text, actor=args.by, now=now,
                                  tz=config.centre.timezone)
                print(f"reply to {case.number} queued; the running service sends it")
                return 0
            inbound = await TranscriptRepo(session).for_case(case.id)
            outbound = (await session.scalars(
                select(Outbox).where(Outbox.case_id == case.id).order_by(Outbox.id))).all()
            print_case(case, t, inbound, outbound)
            return 0
    finally:
        await store.close()


def print_case_table(rows: Sequence[Case], t: Texts) -> None:
    items = list(rows)
    if not items:
        print("no cases")
        return
    print(f"{'number':<17} {'kind':<10} {'state':<11} {'urgent':<6} {'dept':<16} "
          f"{pad('owner', 10)} {pad('due', 22)} title")
    for case in items:
        owner = case.person.name if case.person else "—"
        print(f"{case.number:<17} {case.kind:<10} {case.state:<11} {'YES' if case.urgent else '':<6} "
              f"{case.department:<16} {pad(owner or '—', 10)} {pad(t.when(case.handle_due), 22)} "
              f"{case.title[:40]}")


def pad(text: str, width: int) -> str:
    """Left-aligns in terminal columns: Chinese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def print_case(
    case: Case, t: Texts, inbound: Sequence[InboundMessage], outbound: Sequence[Outbox]
) -> None:
    person = case.person
    print(f"{case.number}  {case.kind}  {case.state}{'  URGENT' if case.urgent else ''}")
    print(f"  owner:      {person.name if person else '—'} ({person.role if person else '—'})")
    print(f"  home:       {t.address(case.project, case.building, case.unit)}")
    print(f"  department: {case.department}   assignee: {case.assignee or '—'}")
    label = case.category or case.area or "—"
    print(f"  label:      {label}   place: {case.place or '—'}")
    print(f"  opened:     {t.when(case.created_at)}   visit: {t.when(case.visit_at)}")
    print(f"  due:        first reply {t.when(case.first_reply_due)}, handled {t.when(case.handle_due)}")
    print(f"  description: {case.description}")
    if case.desired_outcome:
        print(f"  wants:      {case.desired_outcome}")
    print("  history:")
    for event in case.events:
        change = f" {event.from_state or ''}→{event.to_state}" if event.to_state else ""
        text = f"  {event.text}" if event.text else ""
        print(f"    {t.when(event.at)}  {event.type}{change}  by {event.actor}{text}")
    print("  transcript:")
    lines: list[tuple[datetime, str]] = []
    for msg in inbound:
        lines.append((msg.received_at, f"← {msg.text or msg.payload}"))
    for row in outbound:
        lines.append((row.created_at, f"→ [{row.channel}:{row.status}] {row.payload.get('text', '')}"))
    for at, line in sorted(lines, key=lambda x: x[0]):
        print(f"    {t.when(at)}  {line.replace(chr(10), ' / ')[:200]}")


async def report(config: Config, args: argparse.Namespace) -> int:
    """The centre's targets measured for a period (bot/reports, docs/reports.md)."""
    from bot.reports.command import run as run_report

    return await run_report(config, args)


async def milestone(config: Config, args: argparse.Namespace) -> int:
    """Construction-milestone broadcasts (bot/milestone_cli.py, docs/delivery.md)."""
    from bot.milestone_cli import run as run_milestone

    return await run_milestone(config, args)


async def db(config: Config, args: argparse.Namespace) -> int:
    store = Store.from_url(config.store.url)
    try:
        await store.upgrade()
        print("store is up to date")
        return 0
    finally:
        await store.close()
