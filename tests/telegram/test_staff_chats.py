"""Which group a department's messages go to, after upgrades."""

from __future__ import annotations

from bot.channels.telegram.staff_chats import StaffChats


def test_departments_fall_back_to_the_default_group_and_supervisors_have_their_own() -> None:
    chats = StaffChats(-100, {"engineering": -200}, supervisor=-300)
    assert chats.for_department("engineering") == -200
    assert chats.for_department("sales") == -100
    assert chats.for_department("supervisor") == -300
    assert StaffChats(-100).for_department("supervisor") == -100


def test_an_upgraded_group_is_followed_even_twice() -> None:
    chats = StaffChats(-100, {"engineering": -200})
    chats.follow(-100, -1001)
    chats.follow(-1001, -1002)
    assert chats.for_department("sales") == -1002
    assert chats.current(-100) == -1002
    assert {-100, -1001, -1002, -200} <= chats.all()
