"""Behaviour added in the holdout6 pass (2026-11): typos, pinyin, English emergencies,
wider urgent combos, look-alikes that take urgency away, and chat-group wording."""

from __future__ import annotations

import pytest

from nlp import Classifier


# ---------------------------------------------------------------- typo 然气 for 燃气
@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("家里一股然气味，好难闻", True),
        ("然气灶点不着火", False),
    ],
)
def test_ranqi_typo_reads_as_gas(clf: Classifier, text: str, urgent: bool) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.area, a.urgent) == ("repair", "gas", urgent)


# ---------------------------------------------------------------- pinyin
@pytest.mark.parametrize(
    ("text", "intent", "area"),
    [
        ("chu fang lou shui le", "repair", "plumbing"),
        ("dianti huai le", "repair", "elevator"),
        ("tingchechang duoshao qian yi ge yue", "inquiry", None),
    ],
)
def test_pinyin_basics(clf: Classifier, text: str, intent: str, area: str | None) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.area) == (intent, area)


# ---------------------------------------------------------------- emergencies in new words
@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("strong smells like gas near the stairs", "gas"),
        ("blackout on our floor since it got dark, nothing works", "electrical"),
        ("燃气管子被电钻打破了，一直在冒气", "gas"),
        ("电梯停了，我爸还关着在里面", "elevator"),
        ("家里刚进贼了，柜子全被翻过", "doors_windows"),
        ("厕所的水管子炸了", "plumbing"),
    ],
)
def test_new_emergency_wording_is_urgent(clf: Classifier, text: str, area: str) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.area, a.urgent) == ("repair", area, True)


@pytest.mark.parametrize(
    "text",
    [
        "对面餐馆油烟好大，屋里都是烟味",
        "我们想买个燃气泄漏报警器，哪里买比较好",
        "有人在楼下空地烧纸，烟熏到我家了",
    ],
)
def test_look_alikes_are_not_urgent(clf: Classifier, text: str) -> None:
    assert clf.analyze(text).urgent is False


# ---------------------------------------------------------------- chat-group wording
def test_smiling_is_not_sarcasm(clf: Classifier) -> None:
    a = clf.analyze("保洁阿姨总是笑呵呵的，服务很到位")
    assert a.intent == "praise"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("物业能不能考虑在车库装几个镜子", "suggestion"),
        ("谁捡到一个蓝色水杯", "other"),
        ("周六有人一起去钓鱼吗", "other"),
        ("物业费能不能用支付宝交", "inquiry"),
    ],
)
def test_group_chat_intents(clf: Classifier, text: str, intent: str) -> None:
    assert clf.analyze(text).intent == intent
