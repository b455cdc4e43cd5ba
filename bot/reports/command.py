"""`anju report`: the parser and the command (wired from bot/cli.py and bot/commands.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import Config
from bot.reports.figures import build_report
from bot.reports.period import Period, days_range, last_month, parse_month
from bot.reports.render import render_csv, render_json, render_text
from handlers.i18n import Texts
from storage.db import Store


def add_parser(sub: Any) -> None:
    """Adds `report` to the `anju` sub-command parsers."""
    rep = sub.add_parser("report", help="the centre's targets measured, as a table or a chart")
    when = rep.add_mutually_exclusive_group()
    when.add_argument("--month", help="YYYY-MM (default: last month)")
    when.add_argument("--from", dest="date_from", type=date.fromisoformat,
                      help="first day YYYY-MM-DD (with --to)")
    rep.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last day, included")
    rep.add_argument("--project", help="only this project")
    rep.add_argument("--format", choices=["text", "csv", "json"], default="text")
    rep.add_argument("--chart", type=Path, help="also draw the chart into this PNG file")
    rep.add_argument("--lang", choices=["zh", "en"], help="language of labels (default: centre's)")


def period_from_args(args: argparse.Namespace, tz: str) -> Period:
    """The period the options ask for; last month when none is given."""
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise ValueError("--from and --to go together")
        return days_range(args.date_from, args.date_to, tz)
    if args.month:
        return parse_month(args.month, tz)
    return last_month(SystemClock().now(), tz)


async def run(config: Config, args: argparse.Namespace) -> int:
    """Prints the report in the chosen format; draws the chart when asked."""
    tz = config.centre.timezone
    try:
        period = period_from_args(args, tz)
    except ValueError as exc:
        print(f"anju: {exc}", file=sys.stderr)
        return 2
    lang = args.lang or config.centre.language
    store = Store.from_url(config.store.url)
    try:
        await store.upgrade()
        async with store.transaction() as session:
            report = await build_report(session, period, args.project,
                                        now=SystemClock().now(), tz=tz)
    finally:
        await store.close()
    t = Texts(lang, tz)
    out = {"text": lambda: render_text(report, t), "csv": lambda: render_csv(report, t),
           "json": lambda: render_json(report)}[args.format]()
    sys.stdout.write(out)
    if args.chart:
        from bot.reports.chart import render_chart

        render_chart(report, args.chart, lang, tz)
        print(f"chart: {args.chart}", file=sys.stderr)
    return 0
