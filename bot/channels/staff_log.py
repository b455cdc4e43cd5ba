"""The fallback staff desk when no staff group is configured: alerts go to the log."""

from __future__ import annotations

import logging

from bot.channels.base import Channel, Outgoing, Pacing

log = logging.getLogger("anju.staff")


class LogStaffDesk(Channel):
    """Writes staff alerts to the service log; staff then work from `anju cases`."""

    name = "staff"
    pacing = Pacing(per_second=1000)

    async def send(self, message: Outgoing) -> str | None:
        level = logging.WARNING if message.payload.get("event") == "urgent" else logging.INFO
        log.log(level, "[staff:%s] %s", message.chat_id, message.text.replace("\n", " | "))
        return None
