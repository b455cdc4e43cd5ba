"""`anju milestone announce|status`: construction-milestone broadcasts from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.clock import SystemClock
from bot.config import Config
from handlers import milestones
from storage.db import Store
from storage.milestones import Announcement


def add_parser(sub: Any) -> None:
    """Adds `milestone announce|status` to the `anju` sub-command parser."""
    parser = sub.add_parser("milestone", help="announce construction milestones to buyers")
    actions = parser.add_subparsers(dest="action", required=True)
    announce = actions.add_parser("announce", help="preview, confirm and send a milestone notice")
    announce.add_argument("--project", required=True)
    announce.add_argument("--building", help="only this building (default: the whole project)")
    announce.add_argument("--milestone", required=True, choices=milestones.CATALOGUE)
    announce.add_argument("--date", type=date.fromisoformat, help="when it was reached, YYYY-MM-DD")
    announce.add_argument("--note", help="a line added to the default message")
    announce.add_argument("--photo", type=Path, help="an image sent with the notice")
    announce.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    announce.add_argument("--no-wait", action="store_true",
                          help="enqueue and return (no progress bar)")
    announce.add_argument("--by", default="staff:terminal", help="who announces (recorded)")
    status = actions.add_parser("status", help="delivery counts of one announcement")
    status.add_argument("id", type=int)


async def run(config: Config, args: argparse.Namespace) -> int:
    """Runs `anju milestone …`; returns the exit code."""
    store = Store.from_url(config.store.url)
    try:
        if config.store.migrate_on_start:
            await store.upgrade()
        if args.action == "status":
            return await show_status(store, args.id)
        return await announce(store, config, args)
    finally:
        await store.close()


async def announce(store: Store, config: Config, args: argparse.Namespace) -> int:
    """Shows the preview and recipient count, asks, enqueues, then follows delivery."""
    photo: str | None = None
    if args.photo is not None:
        if not args.photo.is_file():
            print(f"anju: photo not found: {args.photo}", file=sys.stderr)
            return 2
        photo = str(args.photo.resolve())
    lang = config.centre.language
    async with store.transaction() as session:
        shown = await milestones.preview(
            session, project=args.project, building=args.building, milestone=args.milestone,
            reached_on=args.date, note=args.note, lang=lang,
        )
    print(shown.summary)
    if shown.count == 0:
        print("没有可送达的接收人 / no reachable recipients; nothing sent.")
        return 1
    if not args.yes:
        answer = await asyncio.to_thread(input, f"发送给 {shown.count} 人？Send to {shown.count}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "是"):
            print("已取消 / cancelled")
            return 1
    async with store.transaction() as session:
        done = await milestones.announce(
            session, project=args.project, building=args.building, milestone=args.milestone,
            now=SystemClock().now(), actor=args.by, reached_on=args.date, note=args.note,
            photo=photo,
        )
    print(f"announcement #{done.announcement_id}: {done.enqueued} new notices queued "
          f"({done.total} in all; already-notified people are skipped)")
    if args.no_wait:
        return 0
    print("`anju run` delivers them; Ctrl-C stops watching (delivery continues).")
    return await follow(store, done.announcement_id)


async def follow(store: Store, announcement_id: int, poll: float = 1.0) -> int:
    """A progress bar over the announcement's outbox rows until none is pending."""
    async with store.transaction() as session:
        counts = await milestones.status(session, announcement_id)
    with tqdm(total=counts.total, unit="msg", desc=f"milestone #{announcement_id}") as bar:
        while True:
            finished = counts.total - counts.pending
            bar.update(finished - bar.n)
            bar.set_postfix(sent=counts.sent, unreachable=counts.unreachable, failed=counts.failed)
            if counts.done:
                break
            await asyncio.sleep(poll)
            async with store.transaction() as session:
                counts = await milestones.status(session, announcement_id)
    return 0


async def show_status(store: Store, announcement_id: int) -> int:
    """Prints sent / pending / unreachable / failed of one announcement."""
    async with store.transaction() as session:
        found = await session.get(Announcement, announcement_id)
        if found is None:
            print(f"anju: no milestone announcement #{announcement_id}", file=sys.stderr)
            return 1
        counts = await milestones.status(session, announcement_id)
    where = f"{found.project} {found.building}".strip()
    print(f"#{found.id} {where} {found.milestone} (announced {found.created_at:%Y-%m-%d %H:%M} "
          f"by {found.announced_by})")
    print(f"sent {counts.sent}  pending {counts.pending}  unreachable {counts.unreachable}  "
          f"failed {counts.failed}  total {counts.total}")
    if found.reported_at is not None:
        print(f"delivery report posted to staff at {found.reported_at:%Y-%m-%d %H:%M}")
    return 0
