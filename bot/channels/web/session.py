"""Web-chat sessions: an HMAC-signed random id per browser, unforgeable and unguessable."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

SECRET_FILE = Path("var/web-secret")


def load_secret(configured: str | None, path: Path = SECRET_FILE) -> bytes:
    """The signing key: the configured one, else one persisted under var/ (created once)."""
    if configured:
        return configured.encode()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    log.info("generated a web-chat session secret in %s", path)
    return key


class Sessions:
    """Issues and checks session tokens of the form `<id>.<signature>`."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, sid: str) -> str:
        return hmac.new(self._secret, sid.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> tuple[str, str]:
        """A fresh session: (session id, token)."""
        sid = "w" + secrets.token_hex(16)
        return sid, f"{sid}.{self._sign(sid)}"

    def verify(self, token: str | None) -> str | None:
        """The session id of a valid token, None for anything forged or malformed."""
        if not token or token.count(".") != 1 or len(token) > 100:
            return None
        sid, signature = token.split(".")
        if not sid.startswith("w") or not hmac.compare_digest(signature, self._sign(sid)):
            return None
        return sid
