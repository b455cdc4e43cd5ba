"""Pieces shared by the multi-step forms: summaries with confirm / edit / cancel, photos."""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Reply
from handlers.context import Ctx

CONFIRM, EDIT, CANCEL = "form:confirm", "form:edit", "form:cancel"


def confirm_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return (ctx.button_row(("btn.confirm", CONFIRM), ("btn.edit", EDIT), ("btn.cancel", CANCEL)),)


def edit_buttons(ctx: Ctx, prefix: str, fields: tuple[str, ...]) -> tuple[tuple[Button, ...], ...]:
    row = ctx.button_row(*((f"{prefix}.edit_{f}", f"edit:{f}") for f in fields))
    return (row, ctx.button_row(("btn.cancel", CANCEL)))


def collect_photos(ctx: Ctx, data: dict[str, Any]) -> int:
    """Add the message's photos and documents to the form; returns how many it has now."""
    photos = list(data.get("photos", []))
    photos.extend(a.to_json() for a in ctx.msg.attachments if a.kind in ("photo", "document"))
    data["photos"] = photos
    return len(photos)


def menu_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return (
        ctx.button_row(
            ("btn.repair", "menu:repair"),
            ("btn.complaint", "menu:complaint"),
            ("btn.inquiry", "menu:inquiry"),
        ),
        ctx.button_row(("btn.suggestion", "menu:suggestion"), ("btn.mycases", "menu:mycases")),
    )


def with_menu(ctx: Ctx, key: str, **values: Any) -> Reply:
    return Reply(ctx.t(key, **values), buttons=menu_buttons(ctx))
