"""/healthz and /metrics on the running service."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta

import aiohttp
from sqlalchemy import update

from bot.logs import mask
from storage.models import Case
from storage.repos.outbox import OutboxRepo
from tests.web.conftest import WebLive
from tests.web.test_api import Tab, new_session, report_leak


def sample(body: str, name: str, labels: str = "") -> float | None:
    """The value of one sample in a Prometheus exposition, None if absent."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    match = re.search("^" + pattern + "$", body, re.MULTILINE)
    return float(match.group(1)) if match else None


async def test_healthz_reports_store_channels_loops_and_depth(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{live.base}/healthz") as response:
            assert response.status == 200
            report = await response.json()
        assert report["store"] == "ok" and report["ok"] is True
        assert report["channels"] == {"web": "up", "staff": "up"}
        assert (report["sender"], report["scheduler"]) == ("alive", "alive")
        assert report["outbox_depth"] == 0

        sender_task = next(t for t in live.app._tasks if t.get_name() == "sender")
        sender_task.cancel()  # the sender loop dies and a minute passes
        live.app.sender.alive_at = time.monotonic() - 60
        async with http.get(f"{live.base}/healthz") as response:
            assert response.status == 503
            report = await response.json()
        assert report["sender"] == "stalled" and report["ok"] is False
        assert report["scheduler"] == "alive"


async def test_metrics_count_messages_cases_depth_and_failures(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        tab = await Tab(http, live, await new_session(http, live)).open()
        await report_leak(tab)
        now = live.app.clock.now()
        async with live.app.store.transaction() as session:
            outbox = OutboxRepo(session)
            await outbox.enqueue(channel="nowhere", chat_id="1", payload={"text": "x"},
                                 now=now - timedelta(seconds=120))
            failed = await outbox.enqueue(channel="nowhere", chat_id="2", payload={"text": "y"},
                                          now=now)
            failed.status = "failed"
            await session.execute(update(Case).values(breached=True))
        await asyncio.sleep(0.3)
        async with http.get(f"{live.base}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = await response.text()
    assert sample(body, "anju_messages_in_total", 'channel="web"') == 4
    assert (sample(body, "anju_messages_out_total", 'channel="web"') or 0) >= 4
    assert sample(body, "anju_messages_out_total", 'channel="staff"') == 1
    assert sample(body, "anju_cases_opened_total", 'kind="repair"') == 1
    assert sample(body, "anju_outbox_depth") == 1  # the row nobody can send
    age = sample(body, "anju_outbox_oldest_age_seconds")
    assert age is not None and 119 <= age < 600
    assert sample(body, "anju_send_failures_total", 'reason="failed"') == 1
    assert sample(body, "anju_sla_breaches_total") == 1
    assert sample(body, "anju_greetings_sent_total") == 0
    assert "# TYPE anju_cases_opened_total counter" in body
    assert "13800138001" not in body and mask("13800138001") == "138****8001"
