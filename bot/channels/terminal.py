"""The terminal channel: chat with Anju in a shell, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.channels.base import Channel, DispatchFn, Outgoing, Pacing, render_plain
from bot.messages import Attachment, InboundMessage

HELP = "（输入文字聊天；输入数字选择按钮；/photo 文件 发送照片；/quit 退出）"


class TerminalChannel(Channel):
    """Reads lines from stdin and prints the bot's replies; one local user."""

    name = "terminal"
    pacing = Pacing(per_second=1000)

    def __init__(
        self,
        user_id: str = "local",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        reply_wait: float = 5.0,
    ) -> None:
        self.user_id = user_id
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.reply_wait = reply_wait
        self.choices: list[str] = []
        self.finished = asyncio.Event()
        self._pending: set[int] = set()
        self._delivered = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._color = self.stdout.isatty()

    async def start(self, dispatch: DispatchFn) -> None:
        self._task = asyncio.create_task(self._read_loop(dispatch))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.finished.set()

    async def send(self, message: Outgoing) -> str | None:
        text = render_plain(message)
        text = f"\x1b[36m安居 ›\x1b[0m {text}" if self._color else f"安居 › {text}"
        print(text, file=self.stdout, flush=True)
        choices = [b.data for row in message.buttons for b in row]
        if choices:
            self.choices = choices
        self._pending.discard(message.id)
        self._delivered.set()
        return f"terminal-{message.id}"

    def to_message(self, line: str) -> InboundMessage:
        """One typed line as an inbound message: a number presses the matching button."""
        line = line.strip()
        if line.isdigit() and 0 < int(line) <= len(self.choices):
            return InboundMessage("terminal", self.user_id, self.user_id, button=self.choices[int(line) - 1])
        if line.startswith("/photo"):
            path = line.removeprefix("/photo").strip()
            photo = Attachment("photo", path=path, name=path.rsplit("/", 1)[-1] or "photo")
            return InboundMessage("terminal", self.user_id, self.user_id, attachments=(photo,))
        return InboundMessage("terminal", self.user_id, self.user_id, text=line)

    async def _read_loop(self, dispatch: DispatchFn) -> None:
        loop = asyncio.get_running_loop()
        print(HELP, file=self.stdout, flush=True)
        try:
            while True:
                print("您 › ", end="", file=self.stdout, flush=True)
                line = await loop.run_in_executor(None, self.stdin.readline)
                if not line or line.strip() in ("/quit", "/exit"):
                    break
                if not line.strip():
                    continue
                result = await dispatch(self.to_message(line))
                await self._await_replies({row.id for row in getattr(result, "outbox", [])
                                           if getattr(row, "channel", "") == self.name})
        finally:
            self.finished.set()

    async def _await_replies(self, ids: set[int]) -> None:
        """Waits until the sender has printed this turn's replies, so the prompt comes last."""
        self._pending |= ids
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_wait
        while self._pending & ids:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._delivered.clear()
            try:
                await asyncio.wait_for(self._delivered.wait(), remaining)
            except TimeoutError:
                break
