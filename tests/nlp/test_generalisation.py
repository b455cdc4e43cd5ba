"""Behaviour added in the 2026-11 generalisation pass: past events, 吗 questions,
是不是, wishes, blockers with weights, free single characters, and new vocabulary."""

from __future__ import annotations

import re
import tomllib

import pytest

from nlp import Classifier
from nlp.matcher import NEGATED
from nlp.rules import DEFAULT_RULES_PATH, Markers, _alternation, parse_rules


def _rules_doc() -> dict[str, object]:
    return tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- past events
@pytest.mark.parametrize(
    "text",
    [
        "上次电梯困人你们五分钟就到了，真的很感谢",
        "去年水管爆了那次你们半夜赶过来，一直很感激",
        "昨晚停电你们连夜抢修，辛苦了",
        "前年厨房着火的时候多亏你们来得快",
    ],
)
def test_thanks_for_a_past_emergency_is_praise_not_urgent(clf: Classifier, text: str) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.urgent) == ("praise", False)
    assert a.area is None


def test_the_same_emergency_now_is_urgent(clf: Classifier) -> None:
    a = clf.analyze("电梯困人了，你们快来")
    assert (a.intent, a.area, a.urgent) == ("repair", "elevator", True)


def test_past_marker_without_thanks_keeps_the_report(clf: Classifier) -> None:
    # no praise: a past marker alone does not drop the repair or its urgency
    a = clf.analyze("昨天开始厨房一股煤气味")
    assert (a.intent, a.area, a.urgent) == ("repair", "gas", True)


def test_past_marker_only_affects_its_own_clause(clf: Classifier) -> None:
    a = clf.analyze("上次修水管的师傅很好，谢谢，现在厨房又有很浓的煤气味")
    assert a.urgent


def test_sarcasm_about_a_past_rescue_is_not_an_emergency(clf: Classifier) -> None:
    a = clf.analyze("呵呵，上次电梯困人你们可真快啊，谢谢")
    assert (a.intent, a.urgent) == ("complaint", False)


def test_past_explanation_says_why(clf: Classifier) -> None:
    lines = clf.analyze("上次电梯困人你们五分钟就到了，谢谢", explain=True).explanation
    assert any("earlier event" in line for line in lines)


# ---------------------------------------------------------------- questions
@pytest.mark.parametrize("text", ["物业费可以用支付宝交吗", "能开发票吗？", "交了定金还能换楼层吗"])
def test_clause_ending_in_ma_is_a_question(clf: Classifier, text: str) -> None:
    assert clf.analyze(text).intent == "inquiry"


def test_ma_inside_a_word_is_not_a_question_particle(clf: Classifier) -> None:
    rules = clf.rules
    assert rules.question_re.search("你们干吗不修") is None
    assert rules.question_re.search("可以吗？") is not None
    assert rules.question_re.search("可以吗") is not None


def test_repair_with_a_side_question_stays_a_repair(clf: Classifier) -> None:
    a = clf.analyze("厨房漏水，顺便问一下物业费什么时候交")
    assert (a.intent, a.area) == ("repair", "plumbing")


# ---------------------------------------------------------------- negation
def test_shi_bu_shi_does_not_negate(clf: Classifier) -> None:
    a = clf.analyze("你们是不是偷工减料了")
    assert (a.intent, a.category) == ("complaint", "quality")


def test_other_negations_still_hold(clf: Classifier) -> None:
    a = clf.analyze("楼上的水从灯里往下流，要不要断电", explain=True)
    assert "断电" not in a.matched
    assert any(line.startswith(f"{NEGATED}: 断电") for line in a.explanation)
    assert clf.analyze("燃气报警器一直在叫，但闻不到味道").urgent is False


# ---------------------------------------------------------------- wishes
@pytest.mark.parametrize("text", ["希望以后维修能提前电话约时间", "要是能在小区里多种点树就更好了"])
def test_a_wish_stays_a_suggestion(clf: Classifier, text: str) -> None:
    assert clf.analyze(text).intent == "suggestion"


def test_a_hypothetical_question_is_still_an_inquiry(clf: Classifier) -> None:
    a = clf.analyze("如果晚上停电了找谁")
    assert (a.intent, a.urgent) == ("inquiry", False)


# ---------------------------------------------------------------- blockers
def test_lift_card_is_not_a_stuck_lift(clf: Classifier) -> None:
    a = clf.analyze("请问电梯卡在哪里办")
    assert (a.intent, a.urgent) == ("inquiry", False)


def test_stuck_lift_with_someone_inside_is_urgent(clf: Classifier) -> None:
    for text in ("电梯卡在8楼了，里面有人出不来", "电梯突然停了，门打不开，我们三个人在里面"):
        a = clf.analyze(text)
        assert (a.intent, a.area, a.urgent) == ("repair", "elevator", True), text


def test_blocker_with_weights_silences_a_free_character(clf: Classifier) -> None:
    # 窗帘 (curtain) is a blocker that also counts as area "other": 窗 inside it is no window
    a = clf.analyze("窗帘轨道掉了")
    assert (a.intent, a.area) == ("repair", "other")
    assert "窗" not in a.matched


# ---------------------------------------------------------------- free characters
def test_free_characters_skip_segmentation_but_door_does_not(clf: Classifier) -> None:
    phrases = clf.rules.phrases
    assert phrases["墙"].free and phrases["窗"].free and phrases["灯"].free
    assert not phrases["门"].free  # 门口, 部门, 开门 ... jieba decides
    assert phrases["漏水"].free  # every longer Chinese phrase
    assert not phrases["leak"].free
    assert clf.analyze("我刚出门，回来再说").area is None
    assert clf.analyze("卧室的门关不上").area == "doors_windows"


def test_free_chars_must_be_a_string() -> None:
    doc = _rules_doc()
    doc["matching"] = {"free_chars": ["墙"]}
    with pytest.raises(ValueError, match="free_chars"):
        parse_rules(doc)


# ---------------------------------------------------------------- markers
@pytest.mark.parametrize(
    "text",
    [
        "不漏水了",
        "what if the pipe leaks",
        "if the lift stops, 如果停电",
        "nothing here",
        "没有not 万一",
        "knot noted",
    ],
)
def test_markers_find_what_the_plain_regex_finds(text: str) -> None:
    words = ["如果", "万一", "没有", "不", "if", "what if", "not", "no"]
    plain = re.compile(_alternation(words))
    fast = Markers(words)
    m1, m2 = plain.search(text), fast.search(text)
    assert (m1 and (m1.start(), m1.group(0))) == (m2 and (m2.start(), m2.group(0)))
    assert [(m.start(), m.group(0)) for m in plain.finditer(text)] == [
        (m.start(), m.group(0)) for m in fast.finditer(text)
    ]


# ---------------------------------------------------------------- vocabulary
@pytest.mark.parametrize(
    ("text", "intent", "sub", "urgent"),
    [
        ("厨房的排风扇坏了", "repair", "electrical", False),
        ("卫生间换气扇嗡嗡响但是不抽风", "repair", "electrical", False),
        # (without 太离谱了 this asks as much as it complains: the bot offers buttons)
        ("这个月的电费单怎么这么高，太离谱了", "complaint", "price", False),
        ("有人撬门，快来", "repair", "doors_windows", True),
        ("卧室插座烧黑了，有一股塑料味", "repair", "electrical", True),
        ("电梯里有人出不来", "repair", "elevator", True),
        ("一开空调就跳闸", "repair", "electrical", False),
        ("暖气阀门漏水了", "repair", "hvac", False),
        ("燃气管道上的阀门拧不动", "repair", "gas", False),
        ("明天小区停电吗？", "inquiry", None, False),
        ("蹲坑冲不下去，水位一直往上涨", "repair", "plumbing", False),
        ("地下车库进水了，水越来越深，好多车泡在里面", "repair", "public_area", True),
        ("插线板烧熔了，一股烧塑料的味道，还有黑烟", "repair", "electrical", True),
        ("维修工上门不穿鞋套，弄得满地脚印", "complaint", "service", False),
        ("楼道堆满了杂物，保洁也不清理", "complaint", "property", False),
    ],
)
def test_new_vocabulary(
    clf: Classifier, text: str, intent: str, sub: str | None, urgent: bool
) -> None:
    a = clf.analyze(text)
    got_sub = a.category if intent == "complaint" else a.area
    assert (a.intent, got_sub, a.urgent) == (intent, sub, urgent)


# ---------------------------------------------------------------- rhetorical questions
def test_bu_shi_ma_asserts(clf: Classifier) -> None:
    a = clf.analyze("当初说送装修，现在要另外收费，这不是骗人吗")
    assert a.intent == "complaint"
    assert "骗人" in a.matched  # 不是 … 吗 does not negate


def test_a_real_question_after_a_denial_stays_a_question(clf: Classifier) -> None:
    # 不是 sits in an earlier clause: the 吗 at the end still asks
    assert clf.rules.question_re.search("不是漏水，是返潮，能修吗") is not None
    assert not clf._rhetorical("不是漏水，是返潮，能修吗", len("不是漏水，是返潮，能修"))
    assert clf._rhetorical("这不是骗人吗", len("这不是骗人"))


def test_you_mei_you_asks(clf: Classifier) -> None:
    a = clf.analyze("说好年底交房，现在又推到明年，有没有违约金")
    assert (a.intent, a.category) == ("complaint", "contract")
    assert "违约金" in a.matched


def test_water_that_cannot_be_stopped_is_urgent(clf: Classifier) -> None:
    a = clf.analyze("水管接头崩了，水直往外喷，总阀也关不掉")
    assert (a.intent, a.area, a.urgent) == ("repair", "plumbing", True)
