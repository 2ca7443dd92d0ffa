"""What the bot says in a group when asked for something it does elsewhere (issue 15, items 9
and 10): the pointer to the private chat opens what was asked for, and a crowd repeating a
command it may not use gets one answer, not one each against the group's 20 messages a minute.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from conversations import general
from conversations.texts import common
from conversations.texts import sos as sos_texts
from conversations.texts import team as texts
from tests.conftest import Bot, FakeClock
from tests.helpers import db_of, last_text
from tests.team_helpers import (
    ATHLETE,
    COACH,
    GROUP,
    NON_ADMIN,
    add_bot,
    alerts_to,
    in_group,
    join,
    make_team,
    private,
    texts_to,
)


def pointer_url(bot: Bot) -> str:
    [url] = [button["url"] for button in bot.api.last_bot_message(GROUP).inline_buttons]
    return str(url)


async def follow(bot: Bot, user_id: int, url: str) -> None:
    """Open a t.me link to the bot, as Telegram does: /start with its payload, if any."""
    assert url.startswith(f"https://t.me/{bot.api.bot_user['username']}")
    payload = parse_qs(urlparse(url).query).get("start", [""])[0]
    await private(bot, user_id).send(f"/start {payload}".strip())


async def episode_count(bot: Bot) -> int:
    rows = await db_of(bot).fetch_all("SELECT id FROM episodes")
    return len(rows)


# --- Item 9: the /help pointer opens the help, not a cramp -------------------------------------


async def test_the_help_pointer_opens_the_help_and_starts_no_cramp_nor_a_coach_alert(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Jo"), made, level="details")

    await in_group(bot, ATHLETE, name="Jo").send("/help")
    url = pointer_url(bot)
    await follow(bot, ATHLETE, url)

    assert "start=sos" not in url
    assert last_text(bot.api, ATHLETE) == common.HELP.format(sos=common.SOS_BUTTON)
    assert await episode_count(bot) == 0
    assert alerts_to(bot.api, COACH) == []


async def test_the_cramp_pointer_still_opens_the_cramp_flow(bot: Bot) -> None:
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Jo"), made, level="details")

    await in_group(bot, ATHLETE, name="Jo").send("/cramp")
    await follow(bot, ATHLETE, pointer_url(bot))

    assert last_text(bot.api, ATHLETE) == sos_texts.FIRST_AID_AND_SCREEN
    assert await episode_count(bot) == 1


async def test_start_in_a_group_points_to_the_welcome_without_a_cramp(bot: Bot) -> None:
    await in_group(bot, ATHLETE).send("/start")
    url = pointer_url(bot)
    await follow(bot, ATHLETE, url)

    assert url == f"https://t.me/{bot.api.bot_user['username']}"
    # The welcome (followed by the first /start's country question), and no cramp.
    assert common.WELCOME.format(sos=common.SOS_BUTTON) in texts_to(bot.api, ATHLETE)
    assert await episode_count(bot) == 0


async def test_a_cramp_right_after_a_help_pointer_gets_its_own_cramp_pointer(bot: Bot) -> None:
    await in_group(bot, 2001).send("/help")
    await in_group(bot, 2002).send("/cramp")  # within the quiet half minute

    urls = [b["url"] for m in bot.api.bot_messages(GROUP) for b in m.inline_buttons]
    assert [url.rsplit("?", 1)[-1] for url in urls] == ["start=help", "start=sos"]


async def test_the_help_link_in_private_mid_nothing_is_just_the_help(bot: Bot) -> None:
    await private(bot, ATHLETE).send("/start help")

    assert texts_to(bot.api, ATHLETE) == [common.HELP.format(sos=common.SOS_BUTTON)]


# --- Item 10: refusals, once per group per half minute -----------------------------------------


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        ("/team", texts.ONLY_ADMINS_CREATE),
        ("/coach", texts.ONLY_ADMINS_COACH),
        ("/tip Stretch", texts.ONLY_COACHES_TIP),
    ],
)
async def test_five_refusals_in_a_row_make_one_message(
    bot: Bot, clock: FakeClock, command: str, refusal: str
) -> None:
    await make_team(bot) if command != "/team" else await add_bot(bot)
    before = len(texts_to(bot.api, GROUP))

    for _ in range(5):
        await in_group(bot, NON_ADMIN).send(command)

    assert texts_to(bot.api, GROUP)[before:] == [refusal]
    clock.advance(seconds=general.GROUP_POINTER_QUIET.total_seconds() + 1)
    await in_group(bot, NON_ADMIN).send(command)
    assert texts_to(bot.api, GROUP)[before:] == [refusal, refusal]


async def test_the_quiet_is_per_group_and_another_member_is_covered_by_the_first_refusal(
    bot: Bot,
) -> None:
    other_group = -100_200_300_999
    await add_bot(bot)
    await add_bot(bot, other_group)
    before = len(texts_to(bot.api, GROUP))

    await in_group(bot, NON_ADMIN).send("/team")
    await in_group(bot, 2002).send("/team")  # another member: the refusal above answers them too
    await in_group(bot, NON_ADMIN, other_group).send("/team")

    assert texts_to(bot.api, GROUP)[before:] == [texts.ONLY_ADMINS_CREATE]
    assert texts_to(bot.api, other_group)[-1] == texts.ONLY_ADMINS_CREATE


async def test_a_no_team_here_answer_is_quiet_too(bot: Bot) -> None:
    await add_bot(bot)
    before = len(texts_to(bot.api, GROUP))

    for _ in range(5):
        await in_group(bot, NON_ADMIN).send("/coach")

    assert texts_to(bot.api, GROUP)[before:] == [texts.NO_TEAM_HERE]


async def test_a_refusal_does_not_silence_an_admin_who_acts(bot: Bot) -> None:
    await add_bot(bot)
    bot.api.set_admins(GROUP, {COACH})

    await in_group(bot, NON_ADMIN).send("/team")
    await in_group(bot, COACH, name="Carla").send("/team")

    assert texts_to(bot.api, GROUP)[-1].startswith(
        texts.TEAM_CREATED.format(team=f"Group {GROUP}", coaches="Carla")
    )
