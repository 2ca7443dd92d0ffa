"""The terminal chat's own bits: HTML to terminal text, the share-location stand-in, deep
links, and the group's members as its fake Bot API tells them."""

from __future__ import annotations

from telegram import ChatMember
from telegram.constants import ChatMemberStatus

from bot.terminal import (
    ATHLETE,
    COACH,
    FRIEND,
    _parse_location,
    deep_link_payload,
    group_member,
    to_terminal,
)


def test_location_command_gives_coordinates() -> None:
    assert _parse_location("/location 52.52 13.40") == (52.52, 13.40)


def test_anything_else_is_not_a_location() -> None:
    for line in ("/location", "/location north 13", "location 1 2", "52.52 13.40", "1"):
        assert _parse_location(line) is None


def test_html_becomes_plain_text_without_colour() -> None:
    assert to_terminal("<b>Stop</b> &amp; <i>wait</i>", colour=False) == "Stop & wait"


def test_other_tags_are_dropped_and_escaped_brackets_kept() -> None:
    text = 'send <code>/publish @x</code> <a href="https://t.me/x">here</a> if 1 &lt; 2'
    assert to_terminal(text, colour=False) == "send /publish @x here if 1 < 2"


def test_deep_link_to_this_bot_gives_its_start_payload() -> None:
    bot = "CrampCoachLocalBot"
    assert deep_link_payload(f"https://t.me/{bot}?start=join_abc-_1", bot) == "join_abc-_1"
    assert deep_link_payload(f"https://t.me/{bot.lower()}?start=sos", bot) == "sos"
    assert deep_link_payload(f"https://t.me/{bot}", bot) == ""
    assert deep_link_payload("https://t.me/OtherBot?start=join_x", bot) is None
    assert deep_link_payload(f"https://example.com/{bot}?start=join_x", bot) is None


def test_the_coach_is_an_admin_of_the_group_and_the_others_are_members() -> None:
    bot_user = {"id": 99, "is_bot": True, "first_name": "Bot", "username": "B"}

    def status(user_id: int) -> str:
        member = ChatMember.de_json(group_member(user_id, bot_user), None)
        assert member is not None
        return member.status

    assert status(COACH.user_id) == ChatMemberStatus.ADMINISTRATOR
    assert status(ATHLETE.user_id) == ChatMemberStatus.MEMBER
    assert status(FRIEND.user_id) == ChatMemberStatus.MEMBER
    assert status(99) == ChatMemberStatus.MEMBER
    assert status(12345) == ChatMemberStatus.LEFT
