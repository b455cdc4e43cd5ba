"""The chat page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Locator, Page, async_playwright, expect
from sqlalchemy import select

from bot.messages import Attachment
from storage.models import Case
from tests.web.conftest import WebLive

PIXEL_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
             "AABJRU5ErkJggg==")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
HOSTILE = ('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
           '<b id="injected">粗体</b> & "quotes" \u202e')
TIMEOUT = 15_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240
        if os.environ.get("ANJU_REQUIRE_BROWSER"):
            pytest.fail("ANJU_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def say(page: Page, text: str) -> None:
    """Types into the composer and presses Enter, as an owner on a keyboard would."""
    box = page.locator("#text")
    await box.fill(text)
    await box.press("Enter")


async def more_bot_messages(page: Page, than: int) -> None:
    """Waits until the bot has said more than `than` messages."""
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length > n", arg=than, timeout=TIMEOUT)


def bot_says(page: Page, pattern: str) -> Locator:
    return page.locator(".msg.bot .bubble", has_text=re.compile(pattern)).last


async def test_owner_reports_a_leak_in_the_browser_and_staff_reply_arrives(
    live: WebLive, browser: Browser, tmp_path: Path
) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 780}, locale="zh-CN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(live.base + "/")
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    await expect(page.locator("#send")).to_have_text("发送")

    await say(page, "卫生间漏水了")
    await expect(bot_says(page, "手机号")).to_be_visible(timeout=TIMEOUT)
    await say(page, "13800138001")
    await expect(bot_says(page, "什么时间上门")).to_be_visible(timeout=TIMEOUT)
    await say(page, "明天下午3点")
    confirm = page.get_by_role("button", name="确认提交").last
    await expect(confirm).to_be_visible(timeout=TIMEOUT)
    await confirm.focus()  # keyboard-accessible: a real button, pressed with Enter
    await page.keyboard.press("Enter")
    opened = bot_says(page, r"R-\d{8}-\d{4}")
    await expect(opened).to_be_visible(timeout=TIMEOUT)
    number = re.search(r"R-\d{8}-\d{4}", await opened.inner_text())
    assert number
    async with live.app.store.transaction() as session:
        case = await session.scalar(select(Case).where(Case.number == number.group()))
    assert case is not None and case.channel == "web"

    await live.staff_replies(number.group(), "师傅下午两点上门，请留人在家")
    await expect(bot_says(page, "师傅下午两点上门")).to_be_visible(timeout=TIMEOUT)

    answered = await page.locator(".msg.bot").count()
    await say(page, HOSTILE)
    mine = page.locator(".msg.me .bubble").last
    await expect(mine).to_have_text(HOSTILE, timeout=TIMEOUT)
    await more_bot_messages(page, answered)
    await expect(page.locator(".msg.me.pending")).to_have_count(0)
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#injected").count() == 0
    assert await page.locator(".log img, .log script").count() == 0

    # No sideways scrolling on a phone screen.
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-chat.png"), full_page=True)

    before = await page.locator(".log .msg").all_inner_texts()
    await page.reload()
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    await expect(page.locator(".log .msg.me .bubble").last).to_have_text(HOSTILE, timeout=TIMEOUT)
    after = await page.locator(".log .msg").all_inner_texts()
    assert after == [text for text in before if text]  # same transcript, same order
    assert await page.locator("#injected").count() == 0

    # A photo from staff shows as an image only this session can load.
    photo = tmp_path / "valve.png"
    photo.write_bytes(base64.b64decode(PIXEL_PNG))
    await live.staff_replies(number.group(), "阀门位置见图",
                             (Attachment("photo", path=str(photo), name="valve.png",
                                         mime="image/png"),))
    image = page.locator(".msg.bot img").last
    await expect(image).to_be_visible(timeout=TIMEOUT)
    await image.evaluate("img => img.decode()")  # rejects if the image did not load
    assert await image.evaluate("img => img.naturalWidth") == 1
    assert errors == []
    await context.close()


async def test_english_switch_and_reconnect_after_a_network_drop(
    live: WebLive, browser: Browser
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live.base + "/")
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    await page.locator("#lang").click()
    await expect(page.locator("#send")).to_have_text("Send", timeout=TIMEOUT)
    await expect(bot_says(page, "English|language")).to_be_visible(timeout=TIMEOUT)

    for ws in list(live.channel.sockets.values()):  # the server drops every socket
        for socket in list(ws):
            await socket.close()
    await expect(page.locator("#status")).to_have_text("Connected", timeout=TIMEOUT)
    answered = await page.locator(".msg.bot").count()
    await say(page, "how do I pay the property fee")
    await more_bot_messages(page, answered)
    texts = await page.locator(".log .msg").all_inner_texts()
    assert texts[0] == "/lang en"  # history restored once, nothing doubled
    assert texts.count("how do I pay the property fee") == 1
    assert len(texts) == len(set(texts)) or texts.count("/lang en") == 1
    await context.close()


async def test_the_widget_opens_the_chat_from_another_page(live: WebLive, browser: Browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    html = f'<html><body><h1>Developer site</h1><script src="{live.base}/widget.js"></script>'
    site = web.Application()  # the developer's site: another origin, another server

    async def home(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    site.router.add_get("/", home)
    runner = web.AppRunner(site)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await page.goto(f"http://127.0.0.1:{port}/")
        launcher = page.locator("#anju-widget button")
        await expect(launcher).to_have_text(re.compile("在线客服"), timeout=TIMEOUT)
        await launcher.click()
        frame = page.frame_locator("#anju-widget iframe")
        await expect(frame.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
        await context.close()
    finally:
        await runner.cleanup()


async def test_an_uploaded_photo_shows_at_once_and_after_a_reload(
    live: WebLive, browser: Browser
) -> None:
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(live.base + "/")
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    await page.set_input_files("#photo", files=[{
        "name": "leak.png", "mimeType": "image/png", "buffer": base64.b64decode(PIXEL_PNG)}])
    mine = page.locator(".msg.me img")
    await expect(mine).to_have_count(1, timeout=TIMEOUT)
    await expect(page.locator(".msg.me.pending")).to_have_count(0, timeout=TIMEOUT)
    await more_bot_messages(page, 0)

    await page.reload()
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    stored = page.locator(".msg.me img")
    await expect(stored).to_have_count(1, timeout=TIMEOUT)
    await stored.evaluate("img => img.decode()")  # served back from the session's own store
    assert await stored.evaluate("img => img.naturalWidth") == 1
    assert "/web/api/file/i" in (await stored.get_attribute("src") or "")

    await page.set_input_files("#photo", files=[{
        "name": "fake.png", "mimeType": "image/png", "buffer": b"<script>x</script>"}])
    await expect(page.locator(".msg.notice")).to_have_count(1, timeout=TIMEOUT)
    await expect(page.locator(".msg.me img")).to_have_count(1)  # the refused one is withdrawn
    await context.close()


async def test_a_long_history_pages_back_with_a_button(live: WebLive, browser: Browser) -> None:
    from bot.channels.web.history import LIMIT
    from bot.channels.web.session import Sessions, load_secret
    from tests.web.conftest import SECRET, seed_history

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live.base + "/")
    await expect(page.locator("#status")).to_have_text("已连接", timeout=TIMEOUT)
    sid = Sessions(load_secret(SECRET)).verify(await page.evaluate("localStorage.getItem('anju.token')"))
    assert sid is not None
    total = LIMIT + 60
    await seed_history(live, sid, total, "第{}条")
    await page.reload()
    older = page.locator(".older button")
    await expect(older).to_have_text("查看更早的消息", timeout=TIMEOUT)
    await expect(page.locator(".log .msg")).to_have_count(LIMIT, timeout=TIMEOUT)
    await older.click()
    await expect(page.locator(".log .msg")).to_have_count(total, timeout=TIMEOUT)
    await expect(page.locator(".older")).to_have_count(0)
    texts = await page.locator(".log .msg").all_inner_texts()
    assert texts == [f"第{n}条" for n in range(total)]
    await context.close()
