"""Behaviour added in the holdout7 pass (2026-11): lift / door / roof vocabulary, owners'
homophone typos, emergencies told without a listed word, thanks for a fixed defect, and
complaint-category borders. The sentences are not taken from any data set."""

from __future__ import annotations

import pytest

from nlp import Classifier


# ---------------------------------------------------------------- vocabulary and typos
@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("7栋的升降机门关不上", "elevator"),
        ("梯子门夹了一下我的包，关门太快", "elevator"),
        ("单元门口的感应门坏了，一直开着", "public_area"),
        ("洗手台下面的水管在露水", "plumbing"),
        ("下水到又堵了，水漫不下去", "plumbing"),
        ("客厅暖器不热", "hvac"),
        ("厨房窗户玻离碎了", "doors_windows"),
    ],
)
def test_new_vocabulary_and_typos(clf: Classifier, text: str, area: str) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.area) == ("repair", area)


def test_dew_is_not_a_leak(clf: Classifier) -> None:
    assert clf.analyze("早上起来车窗上全是露水").intent == "other"


# ---------------------------------------------------------------- emergencies without a listed word
@pytest.mark.parametrize(
    "text",
    [
        "回家发现门被人弄开了，东西少了",
        "雨水顺着楼梯往下灌，一楼快淹了",
        "楼顶的招牌摇摇晃晃的，下面全是人",
        "邻居家小孩被锁在家里，一直在哭",
        "电梯里有个人晕过去了",
    ],
)
def test_new_emergencies_are_urgent(clf: Classifier, text: str) -> None:
    assert clf.analyze(text).urgent


# ---------------------------------------------------------------- thanks for a fixed defect
@pytest.mark.parametrize(
    "text",
    [
        "厨房漏水的毛病修好了，谢谢张师傅",
        "门锁坏了好几天，今天终于换好了，感谢物业",
    ],
)
def test_thanks_for_a_fix_is_praise(clf: Classifier, text: str) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.urgent) == ("praise", False)


def test_fixed_but_broken_again_is_not_praise(clf: Classifier) -> None:
    assert clf.analyze("上周修好了，今天又漏了，麻烦再来看看").intent != "praise"


def test_tebie_is_not_a_negation(clf: Classifier) -> None:
    assert clf.analyze("保安大哥帮了大忙，特别感谢").intent == "praise"


# ---------------------------------------------------------------- complaint categories
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("物业费说涨就涨，也不跟业主商量", "price"),
        ("房本拖了三年还没办下来", "contract"),
    ],
)
def test_category_borders(clf: Classifier, text: str, category: str) -> None:
    a = clf.analyze(text)
    assert (a.intent, a.category) == ("complaint", category)
