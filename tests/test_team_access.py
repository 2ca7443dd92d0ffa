"""Access control of coach teams (issue 8), across the flows: an athlete's data reaches only
the coaches of teams they joined, at the level they chose, only while they are in them, and
only while those coaches are admins of the team's group. Each test fails if its check goes."""

from __future__ import annotations

from bot.devtools.local_api import BOT_ID, Fault
from conversations.texts import team as texts
from tests.conftest import Bot
from tests.helpers import SEND_ATTEMPTS
from tests.plan_helpers import ease_a_cramp
from tests.team_helpers import (
    ATHLETE,
    COACH,
    GROUP,
    OTHER_COACH,
    OTHER_GROUP,
    coach_ids,
    join,
    make_team,
    private,
    texts_to,
)


def last_roster(bot: Bot, coach_id: int = COACH) -> str:
    [*_, text_message, photo] = bot.api.bot_messages(coach_id)
    assert photo.photo
    return text_message.text


async def test_a_lower_level_and_leaving_show_at_once_in_the_coachs_roster(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")
    await ease_a_cramp(athlete)
    coach = private(bot, COACH)
    await coach.send("/roster")
    assert ": a new cramp" in last_roster(bot)

    await athlete.send("/teams")
    await athlete.press(texts.SHARE_STATUS.format(team=made.team.name))
    await coach.send("/roster")
    lowered = last_roster(bot)
    await athlete.send("/teams")
    await athlete.press(texts.LEAVE.format(team=made.team.name))
    await coach.send("/roster")

    assert "Ava" in lowered and "cramp" not in lowered
    assert bot.api.last_bot_message(COACH).text == texts.ROSTER_EMPTY.format(team=made.team.name)


async def test_a_coach_sees_only_their_own_teams_athletes(bot: Bot) -> None:
    mine = await make_team(bot)
    theirs = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    await join(bot, private(bot, ATHLETE, "Ava"), theirs, "details")

    await private(bot, COACH).send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.ROSTER_EMPTY.format(team=mine.team.name)
    assert not any("Ava" in text for text in texts_to(bot.api, COACH))


async def test_telegram_unreachable_for_the_admin_check_refuses_now_but_keeps_the_coach(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Ava"), made)
    coach = private(bot, COACH)
    # Every attempt fails (a single 5xx is retried by the transport: see test_send_faults).
    bot.api.fail(Fault("getChatMember", 502, "Bad Gateway", times=SEND_ATTEMPTS))

    await coach.send("/roster")

    assert not any("Ava" in text for text in texts_to(bot.api, COACH))
    assert await coach_ids(bot, made.team) == {COACH}
    await coach.send("/roster")  # Telegram answers again: the coach still coaches
    assert "Ava" in last_roster(bot)


async def test_a_coach_telegram_says_is_out_of_the_group_loses_the_team(bot: Bot) -> None:
    made = await make_team(bot)
    bot.api.fail(Fault("getChatMember", 400, "Bad Request: user not found"))

    await private(bot, COACH).send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.NOT_A_COACH
    assert await coach_ids(bot, made.team) == set()


async def test_rights_are_checked_in_the_teams_own_group(bot: Bot) -> None:
    """Admin of another group the bot is in: no rights over this team."""
    made = await make_team(bot)
    bot.api.set_admins(GROUP, {BOT_ID})
    bot.api.set_admins(OTHER_GROUP, {COACH, BOT_ID})

    await private(bot, COACH).send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.NOT_A_COACH
    assert await coach_ids(bot, made.team) == set()
