"""What a coach gets in their private chat (issue 8): /roster within each athlete's consent,
pages and the picture, a choice of team, coach rights re-checked with Telegram, channel teams
with /newteam and /publish, /invite, and /stopplan taking an athlete off every roster."""

from __future__ import annotations

import re

from bot.devtools.local_api import BOT_ID
from conversations.texts import common
from conversations.texts import dashboard as dashboard_texts
from conversations.texts import plan as plan_texts
from conversations.texts import team as texts
from rules.coaching import ROSTER_PAGE_SIZE
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import BERLIN, answer_checkin, local, start_plan, tick_at
from tests.team_helpers import (
    ATHLETE,
    COACH,
    GROUP,
    OTHER_COACH,
    OTHER_GROUP,
    SECOND_ATHLETE,
    all_members,
    all_teams,
    coach_ids,
    in_group,
    join,
    join_button_url,
    make_team,
    member_change,
    private,
    start_parameter,
    team_now,
    texts_to,
)

CHANNEL = -100_777_000
CHANNEL_NAME = "@riverside_runs"


_HEADER = re.compile(re.sub(r"\\\{[a-z]+\\\}", ".*", re.escape(texts.ROSTER_HEADER)))


def roster_messages(bot: Bot, coach_id: int = COACH) -> list[str]:
    """The roster texts the coach got (each starts with the roster's header)."""
    return [text for text in texts_to(bot.api, coach_id) if _HEADER.match(text.split("\n")[0])]


# --- /roster ---------------------------------------------------------------------------------


async def test_roster_of_a_team_without_athletes_says_so(bot: Bot) -> None:
    made = await make_team(bot)

    await private(bot, COACH).send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.ROSTER_EMPTY.format(team=made.team.name)


async def test_roster_by_someone_who_coaches_nothing_says_so(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, ATHLETE).send("/roster")

    assert bot.api.last_bot_message(ATHLETE).text == texts.NOT_A_COACH


async def test_roster_lists_athletes_needing_attention_first_then_sends_the_picture(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    abe, zoe = private(bot, ATHLETE, "Abe"), private(bot, SECOND_ATHLETE, "Zoe")
    await join(bot, abe, made, "details")
    await join(bot, zoe, made, "details")
    await zoe.send("/cramp")  # a new episode: Zoe needs attention

    await private(bot, COACH).send("/roster")

    text_message, photo = bot.api.bot_messages(COACH)[-2:]
    lines = text_message.text.split("\n")
    assert lines[0] == texts.ROSTER_HEADER.format(team=made.team.name, count=2, attention=1)
    assert lines[1].startswith(texts.ROSTER_ATTENTION.format(name="Zoe", why=": a new cramp"))
    assert lines[2].startswith(texts.ROSTER_ON_TRACK.format(name="Abe"))
    assert photo.photo and not text_message.photo
    assert photo.text == texts.ROSTER_CAPTION.format(team=made.team.name)
    methods = [c.method for c in bot.api.calls if c.method in ("sendMessage", "sendPhoto")]
    assert methods[-2:] == ["sendMessage", "sendPhoto"]


async def test_status_level_shows_no_reasons_and_no_pain_details_level_shows_both(
    bot: Bot, clock: FakeClock
) -> None:
    made = await make_team(bot)
    stan, dana = private(bot, ATHLETE, "Stan"), private(bot, SECOND_ATHLETE, "Dana")
    await join(bot, stan, made, "status")
    await join(bot, dana, made, "details")
    for athlete in (stan, dana):
        await start_plan(athlete)  # an eased cramp (a new episode), a plan at 08:00 Berlin
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))
    for athlete in (stan, dana):
        await answer_checkin(athlete, pain=3)

    await private(bot, COACH).send("/roster")

    [roster] = roster_messages(bot)
    [dana_line] = [line for line in roster.split("\n") if "Dana" in line]
    [stan_line] = [line for line in roster.split("\n") if "Stan" in line]
    assert dana_line.startswith(texts.ROSTER_ATTENTION.format(name="Dana", why=": a new cramp"))
    assert texts.ROSTER_PAINS.format(pains="3") in dana_line
    assert stan_line.startswith(texts.ROSTER_ATTENTION.format(name="Stan", why=""))
    assert ":" not in stan_line.split("needs attention", 1)[1].split("·", 1)[0]
    assert "pain" not in stan_line and "cramp" not in stan_line
    assert "last check-in" in stan_line  # status includes the last check-in


async def test_a_roster_past_one_page_has_next_and_previous_buttons(bot: Bot) -> None:
    made = await make_team(bot)
    names = [f"Athlete {n:02}" for n in range(1, 31)]
    for n, name in enumerate(names):
        await join(bot, private(bot, 2000 + n, name), made)
    coach = private(bot, COACH)

    await coach.send("/roster")

    [first] = roster_messages(bot)
    assert first.count("🟢") == ROSTER_PAGE_SIZE
    assert names[0] in first and names[ROSTER_PAGE_SIZE] not in first
    assert texts.ROSTER_PAGE.format(page=1, pages=2) in first
    first_message = next(m for m in bot.api.bot_messages(COACH) if m.text == first)
    assert first_message.button_labels == [texts.ROSTER_NEXT]

    photos = len(bot.api.calls_of("sendPhoto"))
    await coach.press(texts.ROSTER_NEXT)

    second = roster_messages(bot)[-1]
    assert second.count("🟢") == 30 - ROSTER_PAGE_SIZE
    assert names[-1] in second and names[0] not in second
    assert texts.ROSTER_PAGE.format(page=2, pages=2) in second
    assert bot.api.last_bot_message(COACH).button_labels == [texts.ROSTER_PREVIOUS]
    assert len(bot.api.calls_of("sendPhoto")) == photos  # the picture comes with page one only
    await coach.press(texts.ROSTER_PREVIOUS)
    assert roster_messages(bot)[-1] == first


async def test_a_coach_of_several_teams_is_asked_which(bot: Bot) -> None:
    first = await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, COACH)
    await join(bot, private(bot, ATHLETE, "Ava"), second)
    coach = private(bot, COACH)

    await coach.send("/roster")

    pick = bot.api.last_bot_message(COACH)
    assert pick.text == texts.PICK_TEAM
    assert pick.button_labels == [first.team.name, second.team.name]
    await coach.press(second.team.name)
    [roster] = roster_messages(bot)
    assert roster.startswith(
        texts.ROSTER_HEADER.format(team=second.team.name, count=1, attention=0)
    )
    assert "Ava" in roster


async def test_a_coach_no_longer_admin_loses_coach_rights_at_the_next_roster(bot: Bot) -> None:
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Ava"), made)
    bot.api.set_admins(GROUP, {BOT_ID})  # demoted; the bot got no chat_member update

    await private(bot, COACH).send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.NOT_A_COACH
    assert not any("Ava" in text for text in texts_to(bot.api, COACH))
    assert await coach_ids(bot, made.team) == set()


async def test_a_chat_member_update_demoting_a_coach_removes_them(bot: Bot) -> None:
    made = await make_team(bot)

    await member_change(bot, GROUP, COACH, "administrator", "member")

    assert await coach_ids(bot, made.team) == set()


async def test_a_chat_member_update_about_someone_else_leaves_the_coach(bot: Bot) -> None:
    made = await make_team(bot)

    await member_change(bot, GROUP, 777, "administrator", "member")
    await member_change(bot, GROUP, 778, "member", "administrator")

    assert await coach_ids(bot, made.team) == {COACH}


# --- Forged buttons: a coach of team A sees nothing of team B ------------------------------------


async def test_a_coach_of_one_team_sees_nothing_of_another_whatever_they_forge(bot: Bot) -> None:
    mine = await make_team(bot)
    theirs = await make_team(bot, OTHER_GROUP, OTHER_COACH, coach_name="Otto")
    await join(bot, private(bot, ATHLETE, "Ava"), mine)
    await join(bot, private(bot, SECOND_ATHLETE, "Secret Sam"), theirs, "details")
    coach = private(bot, COACH)
    await coach.send("/roster")
    before = texts_to(bot.api, COACH)
    photos = len(bot.api.calls_of("sendPhoto"))

    b = theirs.team.id
    forged = [
        f"coach:{b}:page:0",
        f"coach:{b}:page:1",
        f"coach:{b}:pick:roster",
        f"coach:{b}:pick:invite",
        f"coach:{b}:pick:alerts_off",
    ]
    for data in forged:
        query = await coach.press_data(data)
        assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED, data

    assert texts_to(bot.api, COACH) == before
    assert len(bot.api.calls_of("sendPhoto")) == photos
    assert (await team_now(bot, theirs.team)).invite_token == theirs.team.invite_token
    [other_coach] = [c for c in await _coaches(bot, theirs.team.id)]
    assert other_coach["alerts"] == 1


async def _coaches(bot: Bot, team_id: int) -> list[dict[str, object]]:
    from tests.helpers import db_of

    rows = await db_of(bot).fetch_all("SELECT * FROM team_coaches WHERE team_id = ?", (team_id,))
    return [dict(row) for row in rows]


async def test_a_pick_button_pressed_after_losing_admin_rights_shows_nothing(bot: Bot) -> None:
    await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, COACH)
    await join(bot, private(bot, ATHLETE, "Ava"), second)
    coach = private(bot, COACH)
    await coach.send("/roster")
    bot.api.set_admins(OTHER_GROUP, {BOT_ID})

    await coach.press(second.team.name)

    assert bot.api.last_bot_message(COACH).text == texts.PICK_TEAM
    assert not any("Ava" in text for text in texts_to(bot.api, COACH))


# --- /invite ---------------------------------------------------------------------------------


async def test_invite_rotates_the_link_of_the_chosen_team_only(bot: Bot) -> None:
    first = await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, COACH)
    coach = private(bot, COACH)

    await coach.send("/invite")
    await coach.press(second.team.name)

    assert (await team_now(bot, first.team)).invite_token == first.team.invite_token
    rotated = await team_now(bot, second.team)
    assert rotated.invite_token != second.team.invite_token
    assert f"?start=join_{rotated.invite_token}" in bot.api.last_bot_message(COACH).text


async def test_invite_by_someone_who_coaches_nothing_rotates_nothing(bot: Bot) -> None:
    made = await make_team(bot)

    await private(bot, ATHLETE).send("/invite")

    assert bot.api.last_bot_message(ATHLETE).text == texts.NOT_A_COACH
    assert (await team_now(bot, made.team)).invite_token == made.team.invite_token


# --- Channels --------------------------------------------------------------------------------


async def _channel_team(bot: Bot, name: str = "Riverside Runners") -> str:
    """/newteam and a name: the team's join link."""
    coach = private(bot, COACH, "Carla")
    await coach.send("/newteam")
    assert bot.api.last_bot_message(COACH).text == texts.ASK_TEAM_NAME
    await coach.send(name)
    return join_button_url(bot.api.last_bot_message(COACH))


async def test_newteam_asks_the_name_and_gives_a_link_and_a_ready_made_post(bot: Bot) -> None:
    link = await _channel_team(bot)

    created, post = bot.api.bot_messages(COACH)[-2:]
    assert created.text == texts.CHANNEL_TEAM_CREATED.format(team="Riverside Runners", link=link)
    assert post.text == texts.CHANNEL_POST.format(team="Riverside Runners")
    assert link.startswith(f"https://t.me/{bot.api.bot_user['username']}?start=join_")
    [team] = await all_teams(bot)
    assert (team["name"], team["chat_kind"], team["chat_id"]) == (
        "Riverside Runners",
        "channel",
        None,
    )
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {start_parameter(link)}")
    await athlete.press(texts.JOIN_STATUS)
    assert len(await all_members(bot)) == 1


async def test_a_team_name_too_long_is_asked_again(bot: Bot) -> None:
    coach = private(bot, COACH)
    await coach.send("/newteam")

    await coach.send("x" * 61)

    assert bot.api.last_bot_message(COACH).text == texts.TEAM_NAME_INVALID
    assert await all_teams(bot) == []


async def test_publish_posts_in_the_channel_when_the_bot_and_the_coach_are_admins(
    bot: Bot,
) -> None:
    link = await _channel_team(bot)
    bot.api.add_channel(CHANNEL_NAME, CHANNEL)
    bot.api.set_admins(CHANNEL, {BOT_ID, COACH})

    await private(bot, COACH).send(f"/publish {CHANNEL_NAME}")

    [post] = bot.api.bot_messages(CHANNEL)
    assert post.text == texts.CHANNEL_POST.format(team="Riverside Runners")
    assert join_button_url(post) == link
    assert bot.api.last_bot_message(COACH).text == texts.PUBLISHED.format(channel=CHANNEL_NAME)
    [team] = await all_teams(bot)
    assert team["chat_id"] == CHANNEL


async def test_publish_posts_nothing_unless_both_are_admins_of_the_channel(bot: Bot) -> None:
    await _channel_team(bot)
    bot.api.add_channel(CHANNEL_NAME, CHANNEL)
    coach = private(bot, COACH)

    for admins in ({COACH}, {BOT_ID}, set()):
        bot.api.set_admins(CHANNEL, admins)
        await coach.send(f"/publish {CHANNEL_NAME}")
        assert bot.api.last_bot_message(COACH).text == texts.PUBLISH_NOT_ADMIN
    await coach.send("/publish @no_such_channel")
    assert bot.api.last_bot_message(COACH).text == texts.PUBLISH_NOT_ADMIN

    assert bot.api.bot_messages(CHANNEL) == []
    [team] = await all_teams(bot)
    assert team["chat_id"] is None


async def test_publish_by_someone_without_a_channel_team_posts_nothing(bot: Bot) -> None:
    await make_team(bot)  # a group team: nothing to publish in a channel
    bot.api.add_channel(CHANNEL_NAME, CHANNEL)
    bot.api.set_admins(CHANNEL, {BOT_ID, COACH})

    await private(bot, COACH).send(f"/publish {CHANNEL_NAME}")

    assert bot.api.last_bot_message(COACH).text == texts.NOT_A_COACH
    assert bot.api.bot_messages(CHANNEL) == []


async def test_a_channel_coach_no_longer_admin_of_the_channel_loses_the_team(bot: Bot) -> None:
    await _channel_team(bot)
    bot.api.add_channel(CHANNEL_NAME, CHANNEL)
    bot.api.set_admins(CHANNEL, {BOT_ID, COACH})
    coach = private(bot, COACH)
    await coach.send(f"/publish {CHANNEL_NAME}")
    bot.api.set_admins(CHANNEL, {BOT_ID})

    await coach.send("/roster")

    assert bot.api.last_bot_message(COACH).text == texts.NOT_A_COACH


# --- /stopplan takes the athlete off every roster ---------------------------------------------


async def test_stopplan_takes_the_athlete_off_every_roster(bot: Bot) -> None:
    first = await make_team(bot)
    second = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)
    await join(bot, athlete, first, "details")
    await join(bot, athlete, second, "status")

    await athlete.send("/stopplan")
    await athlete.press(plan_texts.STOP_YES)

    assert await all_members(bot) == []
    await private(bot, COACH).send("/roster")
    assert bot.api.last_bot_message(COACH).text == texts.ROSTER_EMPTY.format(team=first.team.name)
    await private(bot, OTHER_COACH).send("/roster")
    assert bot.api.last_bot_message(OTHER_COACH).text == texts.ROSTER_EMPTY.format(
        team=second.team.name
    )


async def test_only_admins_and_coaches_get_group_commands_through(bot: Bot) -> None:
    """The coach's private commands are not group commands: /roster in the group shows no one."""
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Ava"), made)

    await in_group(bot, COACH).send("/roster")

    assert not any("Ava" in text for text in texts_to(bot.api, GROUP))


async def test_publish_refuses_a_channel_that_belongs_to_another_team(bot: Bot) -> None:
    await _channel_team(bot)
    bot.api.add_channel(CHANNEL_NAME, CHANNEL)
    bot.api.set_admins(CHANNEL, {BOT_ID, COACH, OTHER_COACH})
    await private(bot, COACH).send(f"/publish {CHANNEL_NAME}")
    other = private(bot, OTHER_COACH, "Omar")
    await other.send("/newteam")
    await other.send("Hill Harriers")

    await other.send(f"/publish {CHANNEL_NAME}")

    assert bot.api.last_bot_message(OTHER_COACH).text == texts.CHANNEL_TAKEN
    assert len(bot.api.bot_messages(CHANNEL)) == 1  # only the first team's post
    chats = {team["name"]: team["chat_id"] for team in await all_teams(bot)}
    assert chats == {"Riverside Runners": CHANNEL, "Hill Harriers": None}


async def test_without_the_dashboard_set_up_dashboard_points_to_roster(bot: Bot) -> None:
    # These tests' settings have no CRAMPCOACH_PUBLIC_URL: no Mini App, no menu button.
    await make_team(bot)

    await private(bot, COACH).send("/dashboard")

    message = bot.api.last_bot_message(COACH)
    assert message.text == dashboard_texts.DASHBOARD_OFF and not message.inline_buttons
    assert COACH not in bot.api.menu_buttons
