"""The web channel over real HTTP and websockets (aiohttp client against the running app)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.web.channel import FLOOD_COUNT, MAX_TEXT
from bot.channels.web.session import Sessions, load_secret
from bot.messages import Attachment
from storage.models import Case, Identity, InboundMessage, Outbox
from tests.web.conftest import SECRET, WebLive, seed_history

CASE_NUMBER = re.compile(r"R-\d{8}-\d{4}")


class Tab:
    """One browser tab: a session token and an open socket."""

    def __init__(self, http: aiohttp.ClientSession, live: WebLive, token: str) -> None:
        self.http, self.live, self.token = http, live, token
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.history: list[dict[str, Any]] = []

    async def open(self) -> Tab:
        self.ws = await self.http.ws_connect(
            f"{self.live.base}/web/ws?token={self.token}", headers={"Origin": self.live.base})
        first = await self.ws.receive_json(timeout=10)
        assert first["type"] == "history"
        self.history = first["items"]
        return self

    async def say(self, **message: Any) -> None:
        assert self.ws is not None
        await self.ws.send_json(message)

    async def until(self, pattern: str, wait: float = 15) -> list[dict[str, Any]]:
        """Frames received until a bot message matching `pattern` (all of them, in order)."""
        assert self.ws is not None
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(wait):
            while True:
                frame = await self.ws.receive_json()
                seen.append(frame)
                if frame.get("from") == "bot" and re.search(pattern, frame["text"]):
                    return seen
                if frame.get("type") == "notice" and re.search(pattern, frame["text"]):
                    return seen


async def new_session(http: aiohttp.ClientSession, live: WebLive) -> str:
    async with http.get(f"{live.base}/web/api/session") as response:
        assert response.status == 200
        body = await response.json()
    assert body["lang"] == "zh" and body["ui"]["send"] == "发送"
    return str(body["token"])


async def report_leak(tab: Tab) -> str:
    """The repair flow through the socket; returns the case number."""
    await tab.say(text="卫生间漏水了", client_id="c1")
    await tab.until("手机号")
    await tab.say(text="13800138001")
    await tab.until("什么时间上门")
    await tab.say(text="明天下午3点")
    summary = await tab.until("确认")
    buttons = [b["data"] for row in summary[-1]["buttons"] for b in row]
    assert "form:confirm" in buttons
    await tab.say(button="form:confirm")
    opened = await tab.until(r"R-\d{8}-\d{4}")
    match = CASE_NUMBER.search(opened[-1]["text"])
    assert match
    return match.group()


async def test_a_leak_reported_over_the_socket_becomes_a_case_staff_see(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        tab = await Tab(http, live, await new_session(http, live)).open()
        assert tab.history == []
        number = await report_leak(tab)
    async with live.app.store.transaction() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.channel == "web" and case.kind == "repair"
        identity = await session.scalar(select(Identity).where(Identity.channel == "web"))
        assert identity is not None and identity.verified is False  # typed: unverified
        staff = (await session.scalars(select(Outbox).where(Outbox.channel == "staff"))).all()
    assert [row.payload["case_number"] for row in staff] == [number]


async def test_staff_reply_arrives_live_and_after_a_drop_in_the_history(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        token = await new_session(http, live)
        tab = await Tab(http, live, token).open()
        number = await report_leak(tab)
        await live.staff_replies(number, "师傅下午两点到")
        await tab.until("师傅下午两点到")
        assert tab.ws is not None
        await tab.ws.close()
        await live.staff_replies(number, "师傅已出发")  # nobody connected now
        await asyncio.sleep(0.5)
        again = await Tab(http, live, token).open()
    texts = [item["text"] for item in again.history]
    assert texts[0] == "卫生间漏水了" and any("师傅已出发" in t for t in texts)
    assert [i["id"] for i in again.history] == sorted(
        {i["id"] for i in again.history}, key=[i["id"] for i in again.history].index)
    assert again.history[0]["client_id"] == "c1"


async def test_a_staff_photo_is_shown_to_its_owner_and_to_nobody_else(
    live: WebLive, tmp_path: Path
) -> None:
    photo = tmp_path / "valve.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0valve")
    sent = Attachment("photo", path=str(photo), name="valve.jpg", mime="image/jpeg")
    async with aiohttp.ClientSession() as http:
        token = await new_session(http, live)
        tab = await Tab(http, live, token).open()
        number = await report_leak(tab)
        await live.staff_replies(number, "阀门在这里", (sent,))
        frames = await tab.until("阀门在这里")
        files = frames[-1]["files"]
        assert [f["kind"] for f in files] == ["photo"]
        url = f"{live.base}{files[0]['url']}"
        async with http.get(url, headers={"X-Anju-Token": token}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "image/jpeg"
            assert await response.read() == photo.read_bytes()
        stranger = await new_session(http, live)
        async with http.get(url, headers={"X-Anju-Token": stranger}) as response:
            assert response.status == 404
        async with aiohttp.ClientSession() as anonymous, anonymous.get(url) as response:
            assert response.status == 401
        again = await Tab(http, live, token).open()
    assert any(item.get("files") for item in again.history)


async def test_forged_or_missing_tokens_and_foreign_origins_are_refused(live: WebLive) -> None:
    token = Sessions(b"another-secret").new()[1]
    async with aiohttp.ClientSession() as http:
        for bad in (token, "w123.abc", ""):
            async with http.get(f"{live.base}/web/api/history?token={bad}") as response:
                assert response.status == 401
        good = await new_session(http, live)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{live.base}/web/ws?token={good}",
                                  headers={"Origin": "https://evil.example"})
        assert refused.value.status == 403
        async with http.get(f"{live.base}/web/api/session", headers={"X-Anju-Token": token}) as r:
            assert (await r.json())["token"] != token  # a forged token gets a fresh session
    assert live.channel.sessions.verify(good) is not None
    assert Sessions(load_secret(None, live.channel.uploads.parent / "s")).verify(good) is None


async def test_http_fallback_sends_and_polls(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        token = await new_session(http, live)
        headers = {"X-Anju-Token": token}
        async with http.post(f"{live.base}/web/api/send", json={"text": "物业费怎么交"},
                             headers=headers) as response:
            assert (await response.json())["ok"] is True
        items: list[dict[str, Any]] = []
        for _ in range(50):
            async with http.get(f"{live.base}/web/api/history", headers=headers) as response:
                items = (await response.json())["items"]
            if any(i["from"] == "bot" for i in items):
                break
            await asyncio.sleep(0.1)
    assert items[0]["from"] == "me" and items[0]["text"] == "物业费怎么交"
    assert any(i["from"] == "bot" for i in items)


async def test_flood_and_size_limits_answer_politely(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        tab = await Tab(http, live, await new_session(http, live)).open()
        await tab.say(text="x" * (MAX_TEXT + 1))
        await tab.until("消息太长")
        for i in range(FLOOD_COUNT + 1):
            await tab.say(text=f"你好 {i}")
        await tab.until("太快")
    async with live.app.store.transaction() as session:
        stored = (await session.scalars(select(InboundMessage.text)
                                        .where(InboundMessage.channel == "web"))).all()
    assert len(stored) == FLOOD_COUNT  # the long one and the flood are not dispatched


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_photo_upload_is_stored_and_passed_as_an_attachment(live: WebLive) -> None:
    async with aiohttp.ClientSession() as http:
        token = await new_session(http, live)
        headers = {"X-Anju-Token": token}
        form = aiohttp.FormData()
        form.add_field("photo", PNG, filename="leak.png", content_type="image/png")
        async with http.post(f"{live.base}/web/api/upload", data=form, headers=headers) as r:
            assert (await r.json())["ok"] is True
        bad = aiohttp.FormData()
        bad.add_field("photo", b"<script>alert(1)</script>", filename="x.png")
        async with http.post(f"{live.base}/web/api/upload", data=bad, headers=headers) as r:
            assert "JPG" in (await r.json())["notice"]["text"]
    async with live.app.store.transaction() as session:
        rows = (await session.scalars(select(InboundMessage)
                                      .where(InboundMessage.channel == "web"))).all()
    assert len(rows) == 1
    (photo,) = rows[0].payload["attachments"]
    assert photo["kind"] == "photo" and photo["name"] == "leak.png"
    assert Path(photo["path"]).read_bytes() == PNG  # noqa: ASYNC240


async def test_history_pages_back_through_older_messages(live: WebLive) -> None:
    """A long conversation: the newest page first, then `before=` pages, none lost or doubled."""
    from bot.channels.web.history import LIMIT

    async with aiohttp.ClientSession() as http:
        token = await new_session(http, live)
        sid = Sessions(load_secret(SECRET)).verify(token)
        assert sid is not None
        total = LIMIT + 60  # owner and bot messages alternate
        await seed_history(live, sid, total, "m{}")
        headers = {"X-Anju-Token": token}
        pages: list[list[str]] = []
        before: str | None = None
        more = True
        while more:
            query = {"before": before} if before else {}
            async with http.get(f"{live.base}/web/api/history", headers=headers,
                                params=query) as response:
                body = await response.json()
            pages.append([item["text"] for item in body["items"]])
            more = body["more"]
            before = body["items"][0]["cursor"] if body["items"] else None
            assert len(pages) < 5
    assert len(pages[0]) == LIMIT and pages[0][-1] == f"m{total - 1}"
    shown = [text for page in reversed(pages) for text in page]
    assert shown == [f"m{n}" for n in range(total)]
    # a broken cursor gives the newest page, not an error
    async with aiohttp.ClientSession() as http, http.get(
        f"{live.base}/web/api/history", headers=headers, params={"before": "yesterday|x"}
    ) as response:
        assert response.status == 200 and len((await response.json())["items"]) == LIMIT
