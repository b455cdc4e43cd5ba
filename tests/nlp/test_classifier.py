from __future__ import annotations

import pytest

from nlp import Analysis, Classifier


def test_analysis_shape(clf: Classifier) -> None:
    a = clf.analyze("我家卫生间漏水了，麻烦派个师傅来看看")
    assert isinstance(a, Analysis)
    assert (a.intent, a.area, a.place, a.urgent) == ("repair", "plumbing", "bathroom", False)
    assert a.department == "property"
    assert a.category is None
    assert 0.0 <= a.score <= 1.0
    assert "漏水" in a.matched
    assert a.explanation


@pytest.mark.parametrize(
    ("text", "intent", "sub"),
    [
        ("厨房插座没电，其他房间都正常", "repair", "electrical"),
        ("阳台推拉门卡住了，推不动", "repair", "doors_windows"),
        ("卧室的地板起鼓了", "repair", "walls_floors"),
        ("2单元电梯坏了，今天一直停在12楼不动", "repair", "elevator"),
        ("燃气灶打不着火了", "repair", "gas"),
        ("空调不制冷，吹的都是热风", "repair", "hvac"),
        ("单元门的门禁刷卡没反应", "repair", "public_area"),
        ("新房才住半年，墙面到处开裂，你们这是什么质量！", "complaint", "quality"),
        ("打了五次电话都没人接，客服形同虚设", "complaint", "service"),
        ("延期交房三个月了，开发商一点说法都没有，我们要维权", "complaint", "contract"),
        ("我买的时候单价两万八，现在降价卖两万三，要求补差价", "complaint", "price"),
        ("楼下每天晚上跳广场舞到十点，吵得孩子没法睡觉，物业也不管", "complaint", "property"),
        ("请问什么时候交房？", "inquiry", None),
        ("建议小区多装几个路灯，晚上太黑了", "suggestion", None),
        ("谢谢王师傅，漏水修好了，非常专业👍", "praise", None),
        ("你好", "other", None),
    ],
)
def test_labels(clf: Classifier, text: str, intent: str, sub: str | None) -> None:
    a = clf.analyze(text)
    assert a.intent == intent
    assert (a.category if intent == "complaint" else a.area) == sub or intent not in (
        "complaint",
        "repair",
    )


def test_blockers(clf: Classifier) -> None:
    a = clf.analyze("门口的快递柜怎么用")
    assert a.intent == "inquiry"
    assert not any(m == "门" for m in a.matched)
    assert any(e.startswith("blocked: 门") for e in a.explanation) or "门" not in a.matched
    assert clf.analyze("电话一直占线，想问下业主群怎么加").intent == "inquiry"
    assert clf.analyze("电费在哪里交？").area is None
    assert clf.analyze("我今天吃了火锅，好开心").urgent is False
    a = clf.analyze("交房租的话可以在线上交吗")
    assert "交房" not in a.matched
    assert any("blocked: 交房" in e for e in a.explanation)


def test_negation(clf: Classifier) -> None:
    a = clf.analyze("厨房水管没有漏水")
    assert "漏水" not in a.matched
    assert any(e.startswith("negated: 漏水") for e in a.explanation)
    a = clf.analyze("烟感报警器一直嘀嘀响，没有着火")
    assert a.urgent is False
    assert clf.analyze("我家没有漏水，只是想问一下防水保修几年").intent == "inquiry"


def test_hypothetical(clf: Classifier) -> None:
    a = clf.analyze("如果以后墙面开裂了，保修吗")
    assert a.intent == "inquiry"
    a = clf.analyze("万一燃气泄漏应该打哪个电话")
    assert a.intent == "inquiry"
    assert a.urgent is False
    assert any(e.startswith("hypothetical") for e in a.explanation)


def test_traditional_characters(clf: Classifier) -> None:
    a = clf.analyze("衛生間地漏堵塞，洗澡水排不出去")
    assert (a.intent, a.area, a.place) == ("repair", "plumbing", "bathroom")
    a = clf.analyze("瓦斯味很重，好像從管子那邊漏出來的")
    assert a.urgent and a.area == "gas"


def test_english(clf: Classifier) -> None:
    a = clf.analyze("the kitchen sink is leaking, can someone come and fix it")
    assert (a.intent, a.area, a.place) == ("repair", "plumbing", "kitchen")
    assert clf.analyze("someone is trapped in the elevator in building 2!!").urgent
    assert clf.analyze("thank you for fixing the door so quickly!").intent == "praise"
    # whole words only: "this" does not contain the greeting "hi"
    assert "hi" not in clf.analyze("this is a test").matched


@pytest.mark.parametrize(
    "text",
    [
        "水管爆了！！！水哗哗往外冒，已经漫到客厅了，快来人",
        "厨房有很大的燃气味，我已经开窗了，赶紧派人来",
        "配电箱在冒烟！！！",
        "电梯困人了！我和孩子被关在电梯里，快来人",
        "晚上突然全屋停电，黑漆漆的，家里有老人",
        "客厅天花板掉下来一大块，砸到我老婆的头了，在流血",
        "小区进小偷了，我家门被撬了，保安都在干嘛！",
    ],
)
def test_urgent(clf: Classifier, text: str) -> None:
    assert clf.analyze(text).urgent


@pytest.mark.parametrize(
    "text", ["客厅的灯不亮了", "请问物业费多少钱", "马桶堵了", "家里停电了吗？明天会不会停电"]
)
def test_not_urgent(clf: Classifier, text: str) -> None:
    assert not clf.analyze(text).urgent


def test_urgent_complaint(clf: Classifier) -> None:
    a = clf.analyze("燃气味道很大，打了物业三个电话都没人接，你们要等出人命吗")
    assert a.intent == "complaint" and a.urgent


def test_sarcasm(clf: Classifier) -> None:
    assert clf.analyze("效率真高啊，报修一个月了还没人来，呵呵").intent == "complaint"


def test_long_repeated_message_returns(clf: Classifier) -> None:
    a = clf.analyze("啊" * 20_000)
    assert a.intent == "other"
    assert len(a.text) == 20_000  # the original text is kept; only the analysis is capped
    assert clf.analyze("漏" * 20_000).intent in ("repair", "other")


def test_empty_and_odd_input(clf: Classifier) -> None:
    for text in ("", "   ", "😂😂😂", "？", "\x00\x01"):
        a = clf.analyze(text)
        assert a.intent == "other" and not a.confident


def test_confidence(clf: Classifier) -> None:
    assert clf.analyze("我家卫生间漏水了，麻烦派个师傅来看看").confident
    assert not clf.analyze("嗯").confident
