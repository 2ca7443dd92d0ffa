"""Telegram's command menus and the bot's profile (issue 15, item 11).

Menus by scope, set at start-up: athletes' private chats get the athlete's commands, groups the
way to the private chat, groups' admins the team commands too. A coach's private chat gets the
coach's commands as well, from the moment they coach a team until they coach none. The
description and short description say what the bot does and that it is not a doctor.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from bot.devtools.local_api import BOT_ID, Fault, LocalBotAPI
from conversations.commands import COACH_MENU, GROUP_ADMIN_MENU, GROUP_MENU, PRIVATE_MENU
from conversations.texts import account as account_texts
from conversations.texts import common
from conversations.texts import team as texts
from tests.conftest import Bot, BotFactory
from tests.team_helpers import (
    ATHLETE,
    CO_COACH,
    COACH,
    GROUP,
    OTHER_GROUP,
    add_bot,
    in_group,
    make_team,
    member_change,
    private,
    remove_bot,
    texts_to,
)

COACH_ONLY = {"roster", "invite", "newteam", "alerts", "digest"}


def names(menu: tuple[tuple[str, str], ...]) -> list[str]:
    return [name for name, _ in menu]


def coach_menu_of(bot: Bot, user_id: int) -> list[str] | None:
    return bot.api.menu("chat", chat_id=user_id)


# --- At start-up ---------------------------------------------------------------------------------


async def test_an_athletes_private_menu_has_no_coach_commands(bot: Bot) -> None:
    private_menu = bot.api.menu("all_private_chats")

    assert private_menu == names(PRIVATE_MENU)
    assert private_menu is not None and "cramp" in private_menu
    assert not COACH_ONLY & set(private_menu)


async def test_groups_get_the_way_to_the_private_chat_and_admins_the_team_commands(
    bot: Bot,
) -> None:
    assert bot.api.menu("all_group_chats") == ["cramp", "help"]
    admin_menu = bot.api.menu("all_chat_administrators")
    assert admin_menu == names(GROUP_ADMIN_MENU)
    assert {"cramp", "help", "team", "coach", "tip"} == set(admin_menu or [])
    assert not {"team", "coach", "tip"} & set(names(GROUP_MENU))


async def test_the_description_and_short_description_are_set_and_say_not_a_doctor(
    bot: Bot,
) -> None:
    assert bot.api.description == common.BOT_DESCRIPTION
    assert bot.api.short_description == common.BOT_SHORT_DESCRIPTION
    assert 1 <= len(common.BOT_DESCRIPTION) <= 512
    assert 1 <= len(common.BOT_SHORT_DESCRIPTION) <= 120
    for text in (common.BOT_DESCRIPTION, common.BOT_SHORT_DESCRIPTION):
        assert "not a doctor" in text.lower()
        assert "<" not in text  # Telegram shows these as plain text


async def test_refused_menus_and_profile_at_start_up_do_not_stop_the_bot(
    start_bot: BotFactory,
) -> None:
    api = LocalBotAPI()
    api.fail(Fault("setMyCommands", 400, "Bad Request: BOT_COMMANDS_TOO_MUCH"))
    api.fail(Fault("setMyDescription", 400, "Bad Request: description is too long"))
    api.fail(Fault("setMyShortDescription", 403, "Forbidden: no"))

    bot = await start_bot(api=api)

    assert bot.api.menu("all_private_chats") is None  # the first call failed...
    assert bot.api.menu("all_group_chats") == names(GROUP_MENU)  # ...the others went on
    await private(bot, ATHLETE).send("/cramp")
    assert bot.api.bot_messages(ATHLETE)


# --- A coach's own menu ----------------------------------------------------------------------


async def test_creating_a_team_in_a_group_gives_the_coach_the_coach_menu(bot: Bot) -> None:
    await make_team(bot)

    menu = coach_menu_of(bot, COACH)
    assert menu == names(COACH_MENU)
    assert set(menu or []) >= COACH_ONLY
    assert coach_menu_of(bot, ATHLETE) is None


async def test_a_co_coach_gets_the_coach_menu(bot: Bot) -> None:
    await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, CO_COACH, BOT_ID})

    await in_group(bot, CO_COACH).send("/coach")

    assert coach_menu_of(bot, CO_COACH) == names(COACH_MENU)


async def test_a_channel_team_gives_the_coach_the_coach_menu(bot: Bot) -> None:
    coach = private(bot, COACH)
    await coach.send("/newteam")
    await coach.send("Riverside Runners")

    assert coach_menu_of(bot, COACH) == names(COACH_MENU)


async def test_a_co_coach_demoted_in_the_group_loses_the_coach_menu(bot: Bot) -> None:
    await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, CO_COACH, BOT_ID})
    await in_group(bot, CO_COACH).send("/coach")

    await member_change(bot, GROUP, CO_COACH, "administrator", "member")

    assert coach_menu_of(bot, CO_COACH) is None
    [deleted] = bot.api.calls_of("deleteMyCommands")
    assert deleted.params["scope"] == {"type": "chat", "chat_id": CO_COACH}
    assert coach_menu_of(bot, COACH) == names(COACH_MENU)


async def test_a_coach_of_two_teams_keeps_the_menu_until_they_coach_neither(bot: Bot) -> None:
    await make_team(bot, GROUP)
    await make_team(bot, OTHER_GROUP)

    await remove_bot(bot, GROUP)
    assert coach_menu_of(bot, COACH) == names(COACH_MENU)
    await remove_bot(bot, OTHER_GROUP)
    assert coach_menu_of(bot, COACH) is None


async def test_a_coach_found_no_longer_admin_loses_the_coach_menu(bot: Bot) -> None:
    await make_team(bot)
    bot.api.set_admins(GROUP, {BOT_ID})

    await in_group(bot, COACH).send("/tip Stretch")

    assert coach_menu_of(bot, COACH) is None


async def test_a_coach_who_deletes_their_data_loses_the_coach_menu(bot: Bot) -> None:
    await make_team(bot)
    coach = private(bot, COACH)
    await coach.send("/start")

    await coach.send("/delete")
    await coach.press(account_texts.DELETE_BUTTON)

    assert coach_menu_of(bot, COACH) is None


async def test_a_menu_refused_before_the_private_chat_was_opened_is_set_at_start(
    bot: Bot,
) -> None:
    bot.api.fail(Fault("setMyCommands", 400, "Bad Request: chat not found"))
    await make_team(bot)
    assert coach_menu_of(bot, COACH) is None

    await private(bot, COACH).send("/start")

    assert coach_menu_of(bot, COACH) == names(COACH_MENU)


async def test_an_athletes_start_sets_no_menu(bot: Bot) -> None:
    await private(bot, ATHLETE).send("/start")

    assert coach_menu_of(bot, ATHLETE) is None
    assert bot.api.calls_of("deleteMyCommands") == []


# --- Adding the bot to a group -------------------------------------------------------------------


async def test_someone_without_a_team_gets_a_one_tap_add_to_group_link(bot: Bot) -> None:
    await private(bot, COACH).send("/roster")

    told = bot.api.last_bot_message(COACH)
    assert told.text == texts.NOT_A_COACH
    [url] = [b["url"] for b in told.inline_buttons if b["text"] == texts.ADD_TO_GROUP_BUTTON]
    parts = urlparse(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "t.me",
        f"/{bot.api.bot_user['username']}",
    )
    [payload] = parse_qs(parts.query)["startgroup"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)


async def test_added_through_the_link_the_bot_greets_once_and_says_nothing_to_its_start(
    bot: Bot,
) -> None:
    await private(bot, COACH).send("/roster")
    [url] = [b["url"] for b in bot.api.last_bot_message(COACH).inline_buttons]
    [payload] = parse_qs(urlparse(url).query)["startgroup"]

    # Telegram adds the bot, then posts /start <payload> in the group on the coach's behalf.
    await add_bot(bot)
    await in_group(bot, COACH).send(f"/start@{bot.api.bot_user['username']} {payload}")

    assert texts_to(bot.api, GROUP) == [texts.GROUP_GREETING]


# --- /digest with a zone nobody knows ------------------------------------------------------------


async def test_digest_with_an_unknown_zone_names_it(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, COACH).send("/digest 18:00 Mars/Olympus")

    assert bot.api.last_bot_message(COACH).text == texts.DIGEST_UNKNOWN_ZONE.format(
        zone="Mars/Olympus"
    )


async def test_digest_with_an_unknown_zone_escapes_it(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, COACH).send("/digest 18:00 <b>Atlantis")

    assert "&lt;b&gt;Atlantis" in bot.api.last_bot_message(COACH).text


def test_every_menu_fits_telegram_limits() -> None:
    for menu in (PRIVATE_MENU, COACH_MENU, GROUP_MENU, GROUP_ADMIN_MENU):
        assert 1 <= len(menu) <= 100
        assert len(set(names(menu))) == len(menu)  # no command twice
        for name, description in menu:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
            assert 1 <= len(description) <= 256


async def test_every_coach_gets_the_coach_menu_again_at_start_up(start_bot: BotFactory) -> None:
    """A coach from before the menus changed keeps theirs after an upgrade, without a /start."""
    first: Bot = await start_bot()
    await make_team(first)

    again: Bot = await start_bot(api=LocalBotAPI())  # a new run, Telegram's menus as it finds them

    assert coach_menu_of(again, COACH) == names(COACH_MENU)
    assert coach_menu_of(again, ATHLETE) is None
