"""The danger question (有没有危险？) asked before a form when the owner's words come close
to an emergency (``Analysis.maybe_urgent``), and the escalation when the answer is yes.

The classifier leans towards recall, but wording it has never seen can still fall just
short of "urgent"; asking costs one tap, missing a gas leak costs far more."""

from __future__ import annotations

from typing import Any

from handlers.context import Ctx, Step
from handlers.simple import urgent_case

YES, NO = "safety:yes", "safety:no"
DANGER_WORDS = frozenset({"有", "有危险", "是", "是的", "危险", "紧急", "yes", "y"})
SAFE_WORDS = frozenset({"没有", "没", "无", "不是", "没危险", "没有危险", "no", "n"})


def ask(ctx: Ctx, data: dict[str, Any], state: str) -> Step:
    row = ctx.button_row(("btn.danger_yes", YES), ("btn.danger_no", NO))
    return Step([ctx.reply("safety.ask", buttons=(row,))], state, data)


def answer(ctx: Ctx) -> bool | None:
    """True: someone or something is in danger; False: no danger; None: not an answer."""
    said = (ctx.text or "").strip().lower()
    if ctx.button == YES or said in DANGER_WORDS:
        return True
    if ctx.button == NO or said in SAFE_WORDS:
        return False
    return None


async def step(ctx: Ctx, data: dict[str, Any], kind: str) -> Step | None:
    """Takes the answer: the urgent case when there is danger; otherwise None, and the form
    goes on (without asking again once the owner said there is none)."""
    danger = answer(ctx)
    if danger:
        return await escalate(ctx, data, kind)
    if danger is False:
        data.pop("ask_safety", None)
    return None


async def escalate(ctx: Ctx, data: dict[str, Any], kind: str) -> Step:
    """An urgent case now, with what the form has so far."""
    return await urgent_case(
        ctx,
        kind,
        data.get("desc") or ctx.t("repair.see_photos"),
        category=(data.get("category") or data.get("suggested")) if kind == "complaint" else None,
        area=data.get("area") or "other" if kind == "repair" else None,
        place=data.get("place"),
        unit=data.get("unit"),
        attachments={"photos": data["photos"]} if data.get("photos") else None,
    )
