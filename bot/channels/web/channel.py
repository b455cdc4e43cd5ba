"""The web-chat channel: a page and a widget on Anju's own aiohttp server, a websocket per tab
(with a plain-HTTP fallback), photo upload, and the transcript restored on every (re)connect."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from bot.channels.base import Channel, DispatchFn, Outgoing, Pacing
from bot.channels.web.history import bot_item, load_history, owner_files
from bot.channels.web.session import SECRET_FILE, Sessions, load_secret
from bot.clock import SystemClock
from bot.config import WebConfig
from bot.messages import Attachment, InboundMessage
from bot.ops import CLOCK_KEY, STORE_KEY
from handlers.i18n import LANGUAGES, Texts, catalogue
from storage.models import InboundMessage as InboundRow
from storage.models import Outbox

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COOKIE = "anju_web"
MAX_TEXT = 2000  # characters per message
MAX_FRAME = 16 * 1024  # bytes per websocket frame
MAX_PHOTO = 5 * 1024 * 1024  # bytes per upload
FLOOD_COUNT, FLOOD_WINDOW = 8, 10.0  # at most this many messages per window (seconds)
IMAGE_TYPES = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG": ("png", "image/png"),
               b"GIF8": ("gif", "image/gif"), b"RIFF": ("webp", "image/webp")}
CSP = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; "
       "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'")


def ui_texts(lang: str) -> dict[str, str]:
    """The page's own labels (the `[web]` table of the catalogue) in one language."""
    return {k[4:]: v for k, v in catalogue(lang).items() if k.startswith("web.")}


class WebChannel(Channel):
    """Owners chatting from the developer's site; chat_id and user_id are the session id."""

    name = "web"
    pacing = Pacing(per_second=1000)

    def __init__(self, config: WebConfig | None = None, *, secret_path: Path = SECRET_FILE,
                 uploads: Path = Path("var/uploads")) -> None:
        self.config = config or WebConfig()
        secret = self.config.secret.get_secret_value() if self.config.secret else None
        self.sessions = Sessions(load_secret(secret, secret_path))
        self.uploads = uploads
        self.sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self._dispatch: DispatchFn | None = None

    async def start(self, dispatch: DispatchFn) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        for sockets in list(self.sockets.values()):
            for ws in list(sockets):
                with contextlib.suppress(Exception):
                    await ws.close()
        self.sockets.clear()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_get("/widget.js", self.widget)
        app.router.add_static("/static/web/", STATIC)
        app.router.add_get("/web/api/session", self.session)
        app.router.add_get("/web/api/ui", self.ui)
        app.router.add_get("/web/api/history", self.history)
        app.router.add_post("/web/api/send", self.post_message)
        app.router.add_post("/web/api/upload", self.upload)
        app.router.add_get("/web/ws", self.socket)
        app.router.add_get(r"/web/api/file/{ref:[oi]\d+}/{index:\d+}", self.file)

    async def send(self, message: Outgoing) -> str | None:
        """Pushes to every open tab of the session; with none open the transcript keeps it
        and the page shows it on the next visit."""
        item = bot_item(message)
        for ws in list(self.sockets.get(message.chat_id, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(item)
        return f"web-{message.id}"

    # --- pages -------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC / "index.html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    async def widget(self, request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC / "widget.js")
        response.headers["Content-Type"] = "text/javascript; charset=utf-8"
        return response

    async def ui(self, request: web.Request) -> web.Response:
        """The page's labels in one language (the widget uses them before any session)."""
        lang = request.query.get("lang", "zh")
        return web.json_response({"ui": ui_texts(lang if lang in LANGUAGES else "zh")},
                                 headers={"Access-Control-Allow-Origin": "*"})

    # --- identity ----------------------------------------------------------------------------

    def _sid(self, request: web.Request) -> str | None:
        token = (request.headers.get("X-Anju-Token") or request.query.get("token")
                 or request.cookies.get(COOKIE))
        return self.sessions.verify(token)

    async def session(self, request: web.Request) -> web.Response:
        """The browser's session (a new one if it has none or a forged one) and the UI texts."""
        token = request.headers.get("X-Anju-Token") or request.cookies.get(COOKIE)
        sid = self.sessions.verify(token)
        if sid is None:
            sid, token = self.sessions.new()
            log.info("web session %s… opened", sid[:7])
        lang = request.query.get("lang", "zh")
        lang = lang if lang in LANGUAGES else "zh"
        response = web.json_response({"token": token, "lang": lang, "ui": ui_texts(lang)})
        response.set_cookie(COOKIE, str(token), max_age=180 * 86400, httponly=True,
                            samesite="Lax", secure=request.secure)
        return response

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        if origin in self.config.allowed_origins:
            return True
        scheme = "https" if request.secure else "http"
        return origin == f"{scheme}://{request.host}"

    # --- messages ----------------------------------------------------------------------------

    def _flooding(self, sid: str) -> bool:
        now = time.monotonic()
        if len(self.recent) > 10_000:  # forget sessions that have been quiet for a window
            self.recent = defaultdict(deque, {k: v for k, v in self.recent.items()
                                              if v and now - v[-1] <= FLOOD_WINDOW})
        recent = self.recent[sid]
        while recent and now - recent[0] > FLOOD_WINDOW:
            recent.popleft()
        if len(recent) >= FLOOD_COUNT:
            return True
        recent.append(now)
        return False

    async def _accept(self, sid: str, data: dict[str, Any], lang: str,
                      attachments: tuple[Attachment, ...] = ()) -> dict[str, Any] | None:
        """Checks and dispatches one message; returns a notice for the page if refused."""
        t = Texts(lang)
        text, button = data.get("text"), data.get("button")
        if not isinstance(text, str | None) or not isinstance(button, str | None):
            return {"type": "notice", "text": t("web.bad_message")}
        if button is not None and len(button.encode()) > 64:
            return {"type": "notice", "text": t("web.bad_message")}
        if text is not None and len(text) > MAX_TEXT:
            return {"type": "notice", "text": t("web.too_long", limit=MAX_TEXT)}
        if not (text and text.strip()) and not button and not attachments:
            return None
        if self._flooding(sid):
            log.info("web session %s… over the flood limit", sid[:7])
            return {"type": "notice", "text": t("web.flood")}
        if self._dispatch is None:
            return {"type": "notice", "text": t("web.unavailable")}
        for ws in list(self.sockets.get(sid, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json({"type": "typing"})
        client_id = _external_id(data)
        result = await self._dispatch(InboundMessage(
            "web", sid, sid, text=text.strip() if text else None, button=button,
            attachments=attachments, external_id=client_id, language_hint=lang,
        ))
        inbound_id = getattr(result, "inbound_id", None)
        if inbound_id is not None:  # every open tab shows what was sent, in order
            files, photos = owner_files(inbound_id, [a.to_json() for a in attachments])
            echo = {"type": "message", "id": f"i{inbound_id}", "from": "me",
                    "text": text.strip() if text else "", "button": button,
                    "photos": photos, "files": files, "client_id": client_id}
            for ws in list(self.sockets.get(sid, ())):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_json(echo)
        return None

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """The live connection: history first, then messages both ways."""
        sid = self._sid(request)
        if sid is None:
            raise web.HTTPUnauthorized(text="no valid session")
        if not self._origin_ok(request):
            log.warning("web socket refused: origin %r", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="origin not allowed")
        lang = request.query.get("lang", "zh")
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=30)
        await ws.prepare(request)
        self.sockets[sid].add(ws)
        try:
            now = request.app[CLOCK_KEY].now()
            items, more = await load_history(request.app[STORE_KEY], sid, now)
            await ws.send_json({"type": "history", "items": items, "more": more})
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(frame.data)
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    await ws.send_json({"type": "notice", "text": Texts(lang)("web.bad_message")})
                    continue
                notice = await self._accept(sid, data, lang)
                if notice is not None:
                    await ws.send_json(notice)
        finally:
            self.sockets[sid].discard(ws)
            if not self.sockets[sid]:
                del self.sockets[sid]
        return ws

    async def history(self, request: web.Request) -> web.Response:
        """The transcript over plain HTTP (the fallback polls it; ``?before=CURSOR`` pages
        back through older messages)."""
        sid = self._sid(request)
        if sid is None:
            raise web.HTTPUnauthorized(text="no valid session")
        now = request.app.get(CLOCK_KEY, SystemClock()).now()
        items, more = await load_history(
            request.app[STORE_KEY], sid, now, before=request.query.get("before")
        )
        return web.json_response({"items": items, "more": more})

    async def post_message(self, request: web.Request) -> web.Response:
        """The fallback when the socket cannot be opened: one message per POST."""
        sid = self._sid(request)
        if sid is None:
            raise web.HTTPUnauthorized(text="no valid session")
        if request.content_length is not None and request.content_length > MAX_FRAME:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_FRAME,
                                                actual_size=request.content_length)
        try:
            data = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="JSON expected") from exc
        lang = request.query.get("lang", "zh")
        notice = await self._accept(sid, data if isinstance(data, dict) else {"text": 0}, lang)
        return web.json_response({"ok": notice is None, "notice": notice})

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A photo or file of this session's conversation — one staff sent (`o<outbox id>`) or
        one the owner uploaded (`i<inbound id>`); nobody else's."""
        sid = self._sid(request)
        if sid is None:
            raise web.HTTPUnauthorized(text="no valid session")
        ref = request.match_info["ref"]
        row: Outbox | InboundRow | None
        async with request.app[STORE_KEY].transaction() as session:
            if ref[0] == "o":
                row = await session.get(Outbox, int(ref[1:]))
            else:
                row = await session.get(InboundRow, int(ref[1:]))
        index = int(request.match_info["index"])
        if row is None or row.channel != self.name or row.chat_id != sid:
            raise web.HTTPNotFound()
        attachments = [Attachment.from_json(a) for a in (row.payload or {}).get("attachments", [])]
        if index >= len(attachments) or not attachments[index].path:
            raise web.HTTPNotFound()
        found = attachments[index]
        path = Path(found.path or "")
        if not await asyncio.to_thread(path.is_file):
            raise web.HTTPGone(text="file no longer kept")
        response = web.FileResponse(path)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        if found.kind == "photo":
            response.content_type = found.mime or "image/jpeg"
        else:
            response.content_type = "application/octet-stream"
            response.headers["Content-Disposition"] = "attachment"
        return response

    async def upload(self, request: web.Request) -> web.Response:
        """A photo (multipart field `photo`, optional `caption`), stored under var/uploads/."""
        sid = self._sid(request)
        if sid is None:
            raise web.HTTPUnauthorized(text="no valid session")
        t = Texts(request.query.get("lang", "zh"))
        if request.content_length is not None and request.content_length > MAX_PHOTO + 65536:
            return web.json_response({"ok": False, "notice": {
                "type": "notice", "text": t("web.photo_too_big", mb=MAX_PHOTO // 2**20)}})
        caption, content, name, client_id = "", b"", "photo", ""
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "caption":
                caption = (await part.text())[:MAX_TEXT]
            elif part.name == "client_id":
                client_id = (await part.text())[:64]
            elif part.name == "photo":
                name = (part.filename or "photo")[:80]
                content = await part.read(decode=False)
                if len(content) > MAX_PHOTO:
                    return web.json_response({"ok": False, "notice": {
                        "type": "notice", "text": t("web.photo_too_big", mb=MAX_PHOTO // 2**20)}})
        kind = next((v for magic, v in IMAGE_TYPES.items() if content.startswith(magic)), None)
        if kind is None:
            return web.json_response({"ok": False, "notice": {
                "type": "notice", "text": t("web.photo_bad_type")}})
        folder = self.uploads / sid
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}.{kind[0]}"
        await asyncio.to_thread(path.write_bytes, content)
        photo = Attachment(kind="photo", path=str(path), name=name, mime=kind[1],
                           size=len(content))
        notice = await self._accept(sid, {"text": caption or None, "client_id": client_id},
                                    t.lang, (photo,))
        return web.json_response({"ok": notice is None, "notice": notice})


def _external_id(data: dict[str, Any]) -> str | None:
    """The page's own id for a message, so a retried POST is not handled twice."""
    value = data.get("client_id")
    return value[:64] if isinstance(value, str) and value else None
