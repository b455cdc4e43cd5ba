"""Emergency flag: broad emergency vocabulary, combinations, negated smells, past events."""

from __future__ import annotations

import pytest

from nlp import Classifier


@pytest.mark.parametrize(
    "text",
    [
        "书房里都是烟，不知道哪里烧的",  # smoke + a place (single-character 烟)
        "车库有烟冒出来",
        "smoke coming out of the corridor",
        "我妈被关电梯里了",  # 被关 + lift
        "有人卡在3号楼电梯里",
        "电梯停在半层，里面有老人",
        "天黑了家里停电，什么都看不见",  # power + night
        "客厅吊顶一大块掉落了",  # falling ceiling
        "外墙砖掉下去砸坏了一辆车",
        "顶棚的水哗哗往下流，像下雨一样",  # water through the ceiling
        "马桶里的污水溢出来了，满地都是",  # sewage backing up
        "燃汽味很大",  # typo of 燃气
        "厨房有异味，像是燃气",  # smell word + gas word
        "家里遭小偷了，抽屉全被翻乱",
        "奶奶在卫生间滑倒了，起不来",
        "孩子爬出窗户了，站在空调外机上",
        "someone broke into the flat next door",
        "插座进水了，在冒火花",
    ],
)
def test_new_emergencies(clf: Classifier, text: str) -> None:
    a = clf.analyze(text)
    assert a.urgent, list(a.explanation)
    assert a.intent == "repair", list(a.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "燃气没有异味，就是点火慢",  # a negator before the smell word, with words between
        "没有闻到燃气味，就是灶打不着",
        "家里没什么煤气的味道，报警器一直响",
        "没闻到什么天然气味，燃气表不走",
        "楼道里有人抽烟，烟味很大",  # smoke of a cigarette
        "油烟机吸不动烟",
        "纱窗掉下来了",
        "电梯困人的话一般多久能到？",  # hypothetical after the keyword
        "怕阳台的电线着火，能不能帮忙看看",  # fear, not fact
        "上个月电梯困人，物业一个小时才来，太慢了",  # earlier event, over
        "前几天车库被淹了，车的损失谁赔",
        "刚才那股煤气味是邻居在炖汤，搞错了",  # all clear
        "小区消防演练是几号",
        "厨房有点燃气味 刚检查是灶没关好 现在没味了 有空来看看管子",  # gone, can wait
        "电梯停在三楼不动了 里面没人",  # nobody inside
        "请问电梯困人了应该打哪个电话",  # a question, not a rescue call
    ],
)
def test_look_alikes_not_urgent(clf: Classifier, text: str) -> None:
    a = clf.analyze(text)
    assert not a.urgent, list(a.explanation)


def test_negated_smell_explained(clf: Classifier) -> None:
    a = clf.analyze("燃气没有异味", explain=True)
    assert not a.urgent
    assert any(line.startswith("negated: 味") for line in a.explanation)


def test_smell_negation_stays_in_its_clause(clf: Classifier) -> None:
    # the negator of another clause does not cancel the smell
    assert clf.analyze("家里没人，厨房一股煤气味").urgent
    # ... nor one that is further away than a few characters
    assert clf.analyze("没想到今天回家一进门厨房就有股很重的异味，是燃气").urgent


def test_ongoing_event_stays_urgent(clf: Classifier) -> None:
    # a past marker with an over word, but it still goes on
    assert clf.analyze("上次漏到楼下赔偿还没谈，现在又漏到楼下了").urgent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # an earlier emergency told as a complaint, no word of it going on: over
        ("昨晚电梯困人，按警铃二十分钟都没人应，最后还是打的119，你们值班的人去哪了", False),
        ("前天晚上地库有台车自燃，烟都飘到楼上了，物业连个通知都没有", False),
        # the same earlier event, still going on
        ("昨晚电梯困人到现在还在里面，按警铃都没人应", True),
        ("昨天开始一股煤气味，到处找不到哪里漏的", True),
        ("昨天一股煤气味，今天越来越重", True),  # getting worse: it goes on
    ],
)
def test_an_earlier_emergency_counts_only_while_it_goes_on(
    clf: Classifier, text: str, urgent: bool
) -> None:
    a = clf.analyze(text, explain=True)
    assert a.urgent is urgent, list(a.explanation)
    over = "an earlier event that is over: its urgency dropped" in a.explanation
    assert over is not urgent, list(a.explanation)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # the danger is over or under control, or the owner can wait
        ("厨房插座冒了一下烟 插头已经拔了 烟没了 还有点焦味 麻烦来看下", "烟没了"),
        ("开关面板烧黑了一块 现在已经不用那个开关了 找个时间来换", "找个时间"),
        ("电梯突然往下溜了一段 现在人已经出来了 赶紧检修一下", "人已经出来"),
        ("配电箱里一个开关烧黑了 没冒烟 想请师傅来换一下", "没冒烟"),
        ("洗手盆下面水管崩了 我把总阀关了 现在家里没水用", "把总阀关了"),
        ("電錶箱成日有啲噼啪聲 冇冒煙 想搵人嚟睇下", "冇冒烟"),  # Cantonese 冇
        # a fire that might happen one day: a complaint about risk
        ("电动车天天推上楼充电 物业不管 哪天着火了算谁的", "哪天着火"),
        ("消防通道被车堵死了 真着火了消防车都进不来", "真着火"),
    ],
)
def test_all_clear_and_risk_words(clf: Classifier, text: str, word: str) -> None:
    a = clf.analyze(text, explain=True)
    assert word in a.matched, list(a.explanation)
    assert not a.urgent, list(a.explanation)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("有人放烟花把绿化带点着了 火还在烧", "火还在烧"),
        ("3号楼电梯冲顶了 门打不开 里面有人", "冲顶"),
        ("楼下有人打架 已经见血了 保安快来", "见血"),
        ("整栋楼停电了 楼道里黑咕隆咚的", "黑咕隆咚"),  # power cut + dark
        ("热水器下面的管子漏得跟瀑布似的", "瀑布"),
        ("flat 1203 CO alarm going off, we feel dizzy", "co alarm"),
    ],
)
def test_more_emergency_words(clf: Classifier, text: str, word: str) -> None:
    a = clf.analyze(text, explain=True)
    assert word in a.matched, list(a.explanation)
    assert a.urgent, list(a.explanation)
