"""`anju`: the command line for owners trying the bot, operators and staff at a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, load_config
from bot.logs import setup_logging

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "examples" / "roster.csv"
DEMO_PHONE = "13800138001"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anju", description="Anju (安居) customer-intake bot")
    parser.add_argument("--config", type=Path, help="TOML config file (see config.example.toml)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as-phone", default=DEMO_PHONE,
                      help="play the roster person with this phone (default: a demo owner)")
    chat.add_argument("--new", action="store_true", help="start as an unknown user instead")

    sub.add_parser("run", help="run the service: channels, outbox sender, scheduler")

    imp = sub.add_parser("import", help="import data")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    owners = imp_sub.add_parser("owners", help="import the owner roster (CSV or XLSX)")
    owners.add_argument("file", type=Path)
    owners.add_argument("--skip-bad", action="store_true", help="import the good lines anyway")

    cases = sub.add_parser("cases", help="see and work cases")
    cases_sub = cases.add_subparsers(dest="action", required=True)
    listing = cases_sub.add_parser("list", help="list cases, newest first")
    listing.add_argument("--state")
    listing.add_argument("--kind", choices=["repair", "complaint", "inquiry", "suggestion"])
    listing.add_argument("--open", action="store_true", help="only open cases")
    listing.add_argument("--project")
    listing.add_argument("--limit", type=int, default=50)
    show = cases_sub.add_parser("show", help="one case with its full history")
    show.add_argument("number")
    move = cases_sub.add_parser("set", help="move a case to another state")
    move.add_argument("number")
    move.add_argument("state")
    move.add_argument("--note")
    move.add_argument("--by", default="staff:terminal", help="who acts (recorded in history)")
    answer = cases_sub.add_parser(
        "reply", help="answer the owner, signed as customer service (sent by the running service)")
    answer.add_argument("number")
    answer.add_argument("text")
    answer.add_argument("--by", default="staff:terminal", help="who acts (recorded in history)")
    remark = cases_sub.add_parser("note", help="an internal note, never sent to the owner")
    remark.add_argument("number")
    remark.add_argument("text")
    remark.add_argument("--by", default="staff:terminal", help="who acts (recorded in history)")

    db = sub.add_parser("db", help="store maintenance")
    db.add_argument("action", choices=["upgrade"])

    classify = sub.add_parser("classify", help="classify messages (see docs/nlp.md)", add_help=False)
    classify.add_argument("args", nargs=argparse.REMAINDER)
    parse_date = sub.add_parser("parse-date", help="understand a date or time", add_help=False)
    parse_date.add_argument("args", nargs=argparse.REMAINDER)
    from bot.reports.command import add_parser as add_report_parser

    add_report_parser(sub)
    from bot.milestone_cli import add_parser as add_milestone_parser

    add_milestone_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The nlp tools parse their own options (`--eval`, `--explain`, `--now`): hand them the rest
    # of the line as it is (argparse's REMAINDER refuses options right after the command).
    start = 2 if argv[:1] == ["--config"] else 1 if argv[:1] and argv[0].startswith("--config=") else 0
    if argv[start:start + 1] in (["classify"], ["parse-date"]):
        from nlp import cli as nlp_cli

        tool = nlp_cli.classify_command if argv[start] == "classify" else nlp_cli.parse_date_command
        return tool(argv[start + 1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"anju: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.logging.level, config.logging.json_lines)
    from bot import commands

    handlers = {
        "chat": commands.chat,
        "run": commands.run,
        "import": commands.import_owners,
        "cases": commands.cases,
        "db": commands.db,
        "report": commands.report,
        "milestone": commands.milestone,
    }
    try:
        return asyncio.run(handlers[args.command](config, args))
    except KeyboardInterrupt:
        return 130
