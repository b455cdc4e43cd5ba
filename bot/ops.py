"""The service's operational face: /healthz (is it working?) and /metrics (Prometheus text)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import func, select, text

from bot.clock import Clock
from storage.db import Store
from storage.models import Case, InboundMessage, Outbox

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

STORE_KEY = web.AppKey("anju.store", Store)
CLOCK_KEY = web.AppKey("anju.clock", Clock)
APP_KEY: web.AppKey[Any] = web.AppKey("anju.app")
WAITING = ("pending", "sending")
FAILURES = ("failed", "unreachable")
GREETING_KINDS = ("greeting",)


def install_ops(app: App) -> None:
    """Registers /healthz and /metrics on the app's HTTP server and shares the store and
    clock with the channels' handlers (so the server always starts)."""
    http = app.http.app
    http[STORE_KEY] = app.store
    http[CLOCK_KEY] = app.clock
    http[APP_KEY] = app
    http.router.add_get("/healthz", healthz)
    http.router.add_get("/metrics", metrics)


def _alive(alive_at: float, poll: float, now: float) -> bool:
    """A loop is alive if it went round within a few of its poll intervals."""
    return alive_at > 0 and now - alive_at <= max(10.0, 4 * poll)


async def health(app: App) -> dict[str, Any]:
    """What /healthz reports: store, channels, loops and the outbox backlog."""
    now = time.monotonic()
    report: dict[str, Any] = {"store": "ok"}
    try:
        async with app.store.transaction() as session:
            await session.execute(text("SELECT 1"))
            depth = await session.scalar(
                select(func.count(Outbox.id)).where(Outbox.status.in_(WAITING))) or 0
        report["outbox_depth"] = int(depth)
    except Exception as exc:  # any store failure makes the service unhealthy
        log.warning("health check: store unreachable: %s", type(exc).__name__)
        report["store"] = f"error: {type(exc).__name__}"
    report["channels"] = {
        name: "up" if getattr(channel, "healthy", True) else "down"
        for name, channel in app.channels.items()
    }
    report["sender"] = "alive" if _alive(app.sender.alive_at, app.config.sender.poll_seconds,
                                         now) else "stalled"
    report["scheduler"] = "alive" if _alive(app.scheduler.alive_at,
                                            app.config.scheduler.poll_seconds, now) else "stalled"
    report["ok"] = (report["store"] == "ok" and report["sender"] == "alive"
                    and report["scheduler"] == "alive"
                    and all(v == "up" for v in report["channels"].values()))
    return report


async def healthz(request: web.Request) -> web.Response:
    """200 with the report when everything works, 503 with it when something does not."""
    report = await health(request.app[APP_KEY])
    return web.json_response(report, status=200 if report["ok"] else 503)


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str,
            samples: Iterable[tuple[dict[str, object], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return lines


async def exposition(app: App) -> str:
    """The Prometheus text format: totals come from the store (they survive restarts),
    loop figures from this process."""
    now = app.clock.now()
    async with app.store.transaction() as session:
        inbound = (await session.execute(select(InboundMessage.channel, func.count())
                                         .group_by(InboundMessage.channel))).all()
        outbound = (await session.execute(select(Outbox.channel, func.count())
                                          .where(Outbox.status == "sent")
                                          .group_by(Outbox.channel))).all()
        cases = (await session.execute(select(Case.kind, func.count())
                                       .group_by(Case.kind))).all()
        failures = (await session.execute(select(Outbox.status, func.count())
                                          .where(Outbox.status.in_(FAILURES))
                                          .group_by(Outbox.status))).all()
        depth, oldest = (await session.execute(
            select(func.count(Outbox.id), func.min(Outbox.not_before))
            .where(Outbox.status.in_(WAITING), Outbox.not_before <= now))).one()
        breaches = await session.scalar(select(func.count(Case.id)).where(Case.breached)) or 0
        greetings = await session.scalar(
            select(func.count(Outbox.id))
            .where(Outbox.kind.in_(GREETING_KINDS), Outbox.status == "sent")) or 0
    age = 0.0
    if oldest is not None:
        age = max(0.0, (now - oldest).total_seconds())
    mono = time.monotonic()
    lines: list[str] = []
    lines += _family("anju_messages_in_total", "counter", "Messages received, by channel.",
                     [({"channel": c}, n) for c, n in inbound])
    lines += _family("anju_messages_out_total", "counter", "Messages delivered, by channel.",
                     [({"channel": c}, n) for c, n in outbound])
    lines += _family("anju_cases_opened_total", "counter", "Cases opened, by kind.",
                     [({"kind": k}, n) for k, n in cases])
    lines += _family("anju_outbox_depth", "gauge", "Outbox rows due and not yet delivered.",
                     [({}, depth or 0)])
    lines += _family("anju_outbox_oldest_age_seconds", "gauge",
                     "Age of the oldest due outbox row.", [({}, age)])
    lines += _family("anju_send_failures_total", "counter",
                     "Outbox rows given up, by reason.", [({"reason": s}, n) for s, n in failures])
    lines += _family("anju_sender_events_total", "counter",
                     "Sender outcomes since this process started.",
                     [({"event": k}, v) for k, v in sorted(app.sender.counts.items())])
    lines += _family("anju_sla_breaches_total", "counter", "Cases that breached a promise.",
                     [({}, breaches)])
    lines += _family("anju_greetings_sent_total", "counter", "Greetings delivered.",
                     [({}, greetings)])
    lines += _family("anju_loop_last_seen_seconds", "gauge",
                     "Seconds since the sender and scheduler loops last went round.",
                     [({"loop": "sender"}, mono - app.sender.alive_at if app.sender.alive_at else -1),
                      ({"loop": "scheduler"},
                       mono - app.scheduler.alive_at if app.scheduler.alive_at else -1)])
    return "\n".join(lines) + "\n"


async def metrics(request: web.Request) -> web.Response:
    """Prometheus scrape endpoint."""
    body = await exposition(request.app[APP_KEY])
    response = web.Response(text=body)
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    return response
