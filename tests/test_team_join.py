"""Joining a team from its link, with consent, and /teams to change the level or leave
(issue 8). Nothing is shared before Join; a forged, rotated or archived link joins nothing."""

from __future__ import annotations

from bot.devtools.local_api import BOT_ID
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import sos as sos_texts
from conversations.texts import team as texts
from storage.teams import Consent
from tests.conftest import Bot
from tests.helpers import conversation_state, latest_episode, walk_to
from tests.team_helpers import (
    ATHLETE,
    CO_COACH,
    COACH,
    GROUP,
    OTHER_COACH,
    OTHER_GROUP,
    all_members,
    in_group,
    join,
    make_team,
    members,
    private,
    remove_bot,
    texts_to,
)


def _levels(rows: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(row["team_id"], row["user_id"], row["consent"]) for row in rows]


# --- The consent screen ------------------------------------------------------------------------


async def test_the_link_shows_the_team_its_coaches_and_the_choice_and_shares_nothing_yet(
    bot: Bot,
) -> None:
    made = await make_team(bot, coach_name="Carla")
    bot.api.set_admins(GROUP, {COACH, CO_COACH, BOT_ID})
    await in_group(bot, CO_COACH, name="Dana").send("/coach")
    athlete = private(bot, ATHLETE, "Ava")

    await athlete.send(f"/start {made.payload}")

    consent = bot.api.last_bot_message(ATHLETE)
    assert consent.text == texts.CONSENT.format(team=made.team.name, coaches="Carla, Dana")
    assert consent.button_labels == [texts.JOIN_STATUS, texts.JOIN_DETAILS, texts.DECLINE]
    assert await all_members(bot) == []


async def test_join_sharing_status_makes_a_member_at_that_level(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await athlete.send(f"/start {made.payload}")

    await athlete.press(texts.JOIN_STATUS)

    [member] = await members(bot, made.team)
    assert (member.user_id, member.display_name, member.consent) == (
        ATHLETE,
        "Ava",
        Consent.STATUS,
    )
    assert bot.api.last_bot_message(ATHLETE).text == texts.JOINED.format(
        team=made.team.name, level=texts.LEVEL_NAMES["status"]
    )


async def test_join_sharing_details_makes_a_member_at_that_level(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")

    await athlete.press(texts.JOIN_DETAILS)

    [member] = await members(bot, made.team)
    assert member.consent is Consent.DETAILS


async def test_decline_joins_nothing(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")

    await athlete.press(texts.DECLINE)

    assert bot.api.last_bot_message(ATHLETE).text == texts.DECLINED
    assert await all_members(bot) == []


async def test_after_decline_the_old_join_button_joins_nothing(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")
    consent = bot.api.last_bot_message(ATHLETE)
    await athlete.press(texts.DECLINE)
    [join_data] = [
        b["callback_data"] for b in consent.inline_buttons if b["text"] == texts.JOIN_STATUS
    ]

    query = await athlete.press_data(join_data, consent)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert await all_members(bot) == []


# --- Links that join nothing ---------------------------------------------------------------------


async def test_a_rotated_link_joins_nothing_and_says_so_kindly(bot: Bot) -> None:
    made = await make_team(bot)
    coach = private(bot, COACH)
    await coach.send("/invite")
    rotated = bot.api.last_bot_message(COACH).text
    athlete = private(bot, ATHLETE)

    await athlete.send(f"/start {made.payload}")

    assert bot.api.last_bot_message(ATHLETE).text == texts.INVITE_INVALID
    assert bot.api.last_bot_message(ATHLETE).inline_buttons == []
    assert made.payload not in rotated
    new_payload = rotated.split("?start=")[1].split()[0]
    await athlete.send(f"/start {new_payload}")  # the new link works
    await athlete.press(texts.JOIN_STATUS)
    assert [m.user_id for m in await members(bot, made.team)] == [ATHLETE]


async def test_a_consent_screen_opened_before_the_link_was_rotated_joins_nothing(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")
    await private(bot, COACH).send("/invite")

    await athlete.press(texts.JOIN_DETAILS)

    assert await all_members(bot) == []


async def test_a_consent_screen_opened_before_the_team_closed_joins_nothing(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")
    await remove_bot(bot)

    await athlete.press(texts.JOIN_STATUS)

    assert await all_members(bot) == []


async def test_a_forged_token_joins_nothing(bot: Bot) -> None:
    await make_team(bot)
    athlete = private(bot, ATHLETE)

    await athlete.send("/start join_AAAAAAAAAAAAAAAAAAAAAAAA")

    assert bot.api.last_bot_message(ATHLETE).text == texts.INVITE_INVALID
    assert await all_members(bot) == []


async def test_a_forged_join_press_for_a_team_whose_link_was_never_opened_joins_nothing(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send("/start")

    query = await athlete.press_data(f"team:{made.team.id}:join:details")

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert await all_members(bot) == []


async def test_a_join_press_for_another_team_than_the_link_opened_joins_nothing(bot: Bot) -> None:
    opened = await make_team(bot)
    other = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {opened.payload}")

    query = await athlete.press_data(f"team:{other.team.id}:join:details")

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert await all_members(bot) == []


async def test_someone_elses_consent_screen_joins_nobody_but_its_opener(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")
    consent = bot.api.last_bot_message(ATHLETE)
    [data] = [b["callback_data"] for b in consent.inline_buttons if b["text"] == texts.JOIN_STATUS]
    intruder = private(bot, 4242)
    await intruder.send("/start")

    query = await intruder.press_data(data, consent)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert await all_members(bot) == []


# --- A link during a cramp -------------------------------------------------------------------


async def test_a_join_link_mid_cramp_brings_the_step_back_and_invites_after_the_cramp_eases(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await walk_to(athlete, sos.STRETCH)

    await athlete.send(f"/start {made.payload}")

    reply = bot.api.last_bot_message(ATHLETE)
    assert reply.text.startswith(common.LINK_AFTER_CRAMP)
    assert sos_texts.EASED in reply.button_labels
    assert await conversation_state(bot, athlete) == sos.STRETCH
    assert not any(
        text.startswith(f"<b>{made.team.name}</b> (coach") for text in texts_to(bot.api, ATHLETE)
    )

    before = len(texts_to(bot.api, ATHLETE))
    await athlete.press(sos_texts.EASED)
    await athlete.press(sos_texts.NONE_OF_THESE)

    after = texts_to(bot.api, ATHLETE)[before:]
    aftercare = next(i for i, text in enumerate(after) if "eased" in text.lower())
    invitations = [
        i for i, text in enumerate(after) if text.startswith(f"<b>{made.team.name}</b> (coach")
    ]
    assert len(invitations) == 1 and invitations[0] > aftercare
    episode = await latest_episode(bot, athlete)
    assert episode.outcome is not None and episode.outcome.value == "eased"
    assert await all_members(bot) == []  # still nothing before Join
    await athlete.press(texts.JOIN_STATUS)
    assert [m.user_id for m in await members(bot, made.team)] == [ATHLETE]


async def test_a_forged_link_mid_cramp_is_not_shown_after_it(bot: Bot) -> None:
    await make_team(bot)
    athlete = private(bot, ATHLETE)
    await walk_to(athlete, sos.STRETCH)
    await athlete.send("/start join_forgedforgedforgedforged")

    before = len(texts_to(bot.api, ATHLETE))
    await athlete.press(sos_texts.EASED)
    await athlete.press(sos_texts.NONE_OF_THESE)

    assert texts.INVITE_INVALID in texts_to(bot.api, ATHLETE)[before:]
    assert await all_members(bot) == []


# --- /teams ----------------------------------------------------------------------------------


async def test_teams_lists_each_team_with_its_level(bot: Bot) -> None:
    first = await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE)
    await join(bot, athlete, first, "status")
    await join(bot, athlete, second, "details")

    await athlete.send("/teams")

    listing = bot.api.last_bot_message(ATHLETE)
    assert listing.text == "\n".join(
        [
            texts.TEAMS_HEADER,
            texts.TEAM_LINE.format(team=first.team.name, level=texts.LEVEL_NAMES["status"]),
            texts.TEAM_LINE.format(team=second.team.name, level=texts.LEVEL_NAMES["details"]),
        ]
    )
    assert listing.button_labels == [
        texts.SHARE_DETAILS.format(team=first.team.name),
        texts.LEAVE.format(team=first.team.name),
        texts.SHARE_STATUS.format(team=second.team.name),
        texts.LEAVE.format(team=second.team.name),
    ]


async def test_teams_without_any_says_so(bot: Bot) -> None:
    athlete = private(bot, ATHLETE)

    await athlete.send("/teams")

    assert bot.api.last_bot_message(ATHLETE).text == texts.NO_TEAMS


async def test_changing_the_level_and_leaving_take_effect_at_once(bot: Bot) -> None:
    first = await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE)
    await join(bot, athlete, first, "status")
    await join(bot, athlete, second, "details")
    await athlete.send("/teams")

    await athlete.press(texts.SHARE_DETAILS.format(team=first.team.name))
    await athlete.press(texts.LEAVE.format(team=second.team.name))

    assert _levels(await all_members(bot)) == [(first.team.id, ATHLETE, "details")]
    assert texts.LEFT_TEAM.format(team=second.team.name) in texts_to(bot.api, ATHLETE)


async def test_a_forged_level_press_for_a_team_never_joined_changes_nothing(bot: Bot) -> None:
    joined = await make_team(bot)
    other = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE)
    await join(bot, athlete, joined, "status")
    await athlete.send("/teams")

    query = await athlete.press_data(f"team:{other.team.id}:level:details")

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert _levels(await all_members(bot)) == [(joined.team.id, ATHLETE, "status")]


async def test_someone_elses_teams_buttons_change_nothing_of_theirs(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE)
    await join(bot, athlete, made, "status")
    await athlete.send("/teams")
    listing = bot.api.last_bot_message(ATHLETE)
    [data] = [
        b["callback_data"]
        for b in listing.inline_buttons
        if b["text"] == texts.SHARE_DETAILS.format(team=made.team.name)
    ]
    intruder = private(bot, 4242)
    await intruder.send("/start")

    query = await intruder.press_data(data, listing)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert _levels(await all_members(bot)) == [(made.team.id, ATHLETE, "status")]
