"""A team's life in its group (issue 8): the greeting, /team by an admin, co-coaches with
/coach, /tip, an upgrade to a supergroup, and the bot removed from the group."""

from __future__ import annotations

import re

from bot.devtools.local_api import BOT_ID
from conversations.texts import team as texts
from storage.teams import TeamStatus
from tests.conftest import Bot
from tests.team_helpers import (
    ATHLETE,
    CO_COACH,
    COACH,
    GROUP,
    NON_ADMIN,
    add_bot,
    all_members,
    all_teams,
    coach_ids,
    in_group,
    join,
    join_button_url,
    make_team,
    migrate,
    private,
    remove_bot,
    send_as_anonymous_admin,
    sent_to,
    start_parameter,
    team_now,
    texts_to,
)

# --- The greeting ------------------------------------------------------------------------------


async def test_added_to_a_group_the_bot_greets_once_and_not_again_when_re_added(bot: Bot) -> None:
    await add_bot(bot)
    await remove_bot(bot)
    await add_bot(bot)

    assert texts_to(bot.api, GROUP) == [texts.GROUP_GREETING]


async def test_added_to_a_channel_the_bot_posts_nothing(bot: Bot) -> None:
    bot.api.add_channel("@riverside", -100_777)

    await add_bot(bot, -100_777)

    assert sent_to(bot.api, -100_777) == []


# --- /team -----------------------------------------------------------------------------------


async def test_team_by_an_admin_creates_the_team_with_them_as_coach_and_posts_a_join_link(
    bot: Bot,
) -> None:
    bot.api.set_admins(GROUP, {COACH})
    await add_bot(bot)

    await in_group(bot, COACH, name="Carla").send("/team")

    [team] = await all_teams(bot)
    assert team["chat_id"] == GROUP and team["status"] == "active"
    assert team["name"] == f"Group {GROUP}"  # the group's title
    [coach] = await bot_coaches(bot)
    assert (coach["user_id"], coach["name"]) == (COACH, "Carla")
    posted = bot.api.last_bot_message(GROUP)
    assert posted.text.startswith(texts.TEAM_CREATED.format(team=f"Group {GROUP}", coaches="Carla"))
    url = join_button_url(posted)
    assert url == f"https://t.me/{bot.api.bot_user['username']}?start=join_{team['invite_token']}"


async def bot_coaches(bot: Bot) -> list[dict[str, object]]:
    from tests.helpers import db_of

    rows = await db_of(bot).fetch_all("SELECT * FROM team_coaches ORDER BY added_at")
    return [dict(row) for row in rows]


async def test_the_invite_token_is_random_url_safe_and_fits_the_start_parameter(bot: Bot) -> None:
    first = await make_team(bot, GROUP)
    second = await make_team(bot, -100_999_000_111)

    for made in (first, second):
        payload = start_parameter(made.link)
        assert len(payload) <= 64
        assert re.fullmatch(r"[A-Za-z0-9_-]+", payload)
        token = payload.removeprefix("join_")
        assert payload == f"join_{token}"
        # URL-safe base64 carries 6 bits a character: 22 characters are at least 128 bits.
        assert len(token) >= 22
        assert str(made.team.id) not in token.split("_")  # it names no team id
    assert first.payload != second.payload


async def test_team_by_a_non_admin_is_refused_and_creates_nothing(bot: Bot) -> None:
    bot.api.set_admins(GROUP, {COACH})
    await add_bot(bot)

    await in_group(bot, NON_ADMIN).send("/team")

    assert bot.api.last_bot_message(GROUP).text == texts.ONLY_ADMINS_CREATE
    assert await all_teams(bot) == []


async def test_admin_status_is_asked_of_telegram_at_the_moment_of_each_command(bot: Bot) -> None:
    await add_bot(bot)
    someone = in_group(bot, NON_ADMIN)

    await someone.send("/team")  # not an admin yet
    assert bot.api.last_bot_message(GROUP).text == texts.ONLY_ADMINS_CREATE
    bot.api.set_admins(GROUP, {NON_ADMIN})  # promoted in the group since
    await someone.send("/team")

    assert bot.api.last_bot_message(GROUP).text.startswith("<b>")
    assert len(await all_teams(bot)) == 1
    checks = [
        call.params
        for call in bot.api.calls_of("getChatMember")
        if int(call.params["user_id"]) == NON_ADMIN
    ]
    assert len(checks) == 2 and all(int(c["chat_id"]) == GROUP for c in checks)


async def test_the_group_creator_counts_as_an_admin(bot: Bot) -> None:
    bot.api.set_admins(GROUP, set(), creator=COACH)
    await add_bot(bot)

    await in_group(bot, COACH).send("/team")

    assert len(await all_teams(bot)) == 1


async def test_an_anonymous_admin_is_asked_to_show_themselves_and_creates_nothing(
    bot: Bot,
) -> None:
    # Even were Telegram to call GroupAnonymousBot an admin, it is nobody in particular.
    from conversations.team.access import ANONYMOUS_ADMIN_ID

    bot.api.set_admins(GROUP, {ANONYMOUS_ADMIN_ID})
    await add_bot(bot)

    await send_as_anonymous_admin(bot, GROUP, "/team")

    assert bot.api.last_bot_message(GROUP).text == texts.ANONYMOUS_ADMIN
    assert await all_teams(bot) == []


async def test_team_twice_says_the_team_exists_and_keeps_one_team(bot: Bot) -> None:
    made = await make_team(bot)

    await in_group(bot, COACH).send("/team")

    assert bot.api.last_bot_message(GROUP).text == texts.TEAM_EXISTS.format(team=made.team.name)
    assert len(await all_teams(bot)) == 1


async def test_a_group_title_with_html_characters_still_gets_its_join_button(bot: Bot) -> None:
    bot.api.set_admins(GROUP, {COACH})
    bot.api.chat_titles[GROUP] = "U<18 & Masters <b>Runners"
    await add_bot(bot)

    await in_group(bot, COACH, name="Ann <Coach>").send("/team")

    posted = bot.api.last_bot_message(GROUP)
    assert "U&lt;18 &amp; Masters &lt;b&gt;Runners" in posted.text
    assert "Ann &lt;Coach&gt;" in posted.text
    assert join_button_url(posted).startswith("https://t.me/")


# --- /coach ----------------------------------------------------------------------------------


async def test_coach_by_another_admin_makes_a_co_coach(bot: Bot) -> None:
    made = await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, CO_COACH})

    await in_group(bot, CO_COACH, name="Dana").send("/coach")

    assert bot.api.last_bot_message(GROUP).text.startswith(
        texts.COACH_ADDED.format(coach="Dana", team=made.team.name)
    )
    assert await coach_ids(bot, made.team) == {COACH, CO_COACH}


async def test_coach_by_a_non_admin_is_refused(bot: Bot) -> None:
    made = await make_team(bot)

    await in_group(bot, NON_ADMIN).send("/coach")

    assert bot.api.last_bot_message(GROUP).text == texts.ONLY_ADMINS_COACH
    assert await coach_ids(bot, made.team) == {COACH}


async def test_coach_by_an_anonymous_admin_is_refused(bot: Bot) -> None:
    from conversations.team.access import ANONYMOUS_ADMIN_ID

    made = await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, ANONYMOUS_ADMIN_ID})

    await send_as_anonymous_admin(bot, GROUP, "/coach")

    assert bot.api.last_bot_message(GROUP).text == texts.ANONYMOUS_ADMIN
    assert await coach_ids(bot, made.team) == {COACH}


async def test_coach_twice_says_so(bot: Bot) -> None:
    made = await make_team(bot)

    await in_group(bot, COACH).send("/coach")

    assert bot.api.last_bot_message(GROUP).text == texts.ALREADY_COACH.format(team=made.team.name)


async def test_coach_where_there_is_no_team_says_so(bot: Bot) -> None:
    bot.api.set_admins(GROUP, {COACH})
    await add_bot(bot)

    await in_group(bot, COACH).send("/coach")

    assert bot.api.last_bot_message(GROUP).text == texts.NO_TEAM_HERE
    assert await all_teams(bot) == []


# --- /tip --------------------------------------------------------------------------------------


async def test_tip_by_a_coach_is_posted_in_the_group_escaped(bot: Bot) -> None:
    await make_team(bot)

    await in_group(bot, COACH).send("/tip Drink before <b>long runs & races")

    assert bot.api.last_bot_message(GROUP).text == texts.TIP_POST.format(
        tip="Drink before &lt;b&gt;long runs &amp; races"
    )


async def test_tip_by_someone_who_is_not_a_coach_is_refused(bot: Bot) -> None:
    await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, NON_ADMIN})  # an admin, but not a coach

    await in_group(bot, NON_ADMIN).send("/tip Stretch every day")

    assert bot.api.last_bot_message(GROUP).text == texts.ONLY_COACHES_TIP
    assert not any("Stretch every day" in text for text in texts_to(bot.api, GROUP))


async def test_tip_by_a_coach_who_is_no_longer_an_admin_is_refused(bot: Bot) -> None:
    made = await make_team(bot)
    bot.api.set_admins(GROUP, {BOT_ID})

    await in_group(bot, COACH).send("/tip Stretch every day")

    assert bot.api.last_bot_message(GROUP).text == texts.ONLY_COACHES_TIP
    assert await coach_ids(bot, made.team) == set()


async def test_tip_without_words_shows_how(bot: Bot) -> None:
    await make_team(bot)

    await in_group(bot, COACH).send("/tip")

    assert bot.api.last_bot_message(GROUP).text == texts.TIP_USAGE


# --- Group life --------------------------------------------------------------------------------


async def test_the_bot_removed_archives_the_team_tells_its_coaches_and_its_link_joins_nothing(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, CO_COACH, BOT_ID})
    await in_group(bot, CO_COACH).send("/coach")
    group_messages = len(texts_to(bot.api, GROUP))

    await remove_bot(bot)

    assert (await team_now(bot, made.team)).status is TeamStatus.ARCHIVED
    archived = texts.TEAM_ARCHIVED.format(team=made.team.name)
    assert bot.api.last_bot_message(COACH).text == archived
    assert bot.api.last_bot_message(CO_COACH).text == archived
    assert len(texts_to(bot.api, GROUP)) == group_messages  # nothing said in the group
    athlete = private(bot, ATHLETE)
    await athlete.send(f"/start {made.payload}")
    assert bot.api.last_bot_message(ATHLETE).text == texts.INVITE_INVALID
    assert bot.api.last_bot_message(ATHLETE).inline_buttons == []
    assert await all_members(bot) == []


async def test_the_bot_kicked_from_the_group_archives_the_team_too(bot: Bot) -> None:
    from tests.team_helpers import bot_membership

    made = await make_team(bot)

    await bot_membership(bot, GROUP, "administrator", "kicked")

    assert (await team_now(bot, made.team)).status is TeamStatus.ARCHIVED


async def test_re_added_after_removal_a_new_team_can_be_created(bot: Bot) -> None:
    first = await make_team(bot)
    await remove_bot(bot)

    second = await make_team(bot)

    assert second.team.id != first.team.id
    assert second.payload != first.payload
    assert texts_to(bot.api, GROUP).count(texts.GROUP_GREETING) == 1


async def test_a_group_upgraded_to_a_supergroup_keeps_its_team(bot: Bot) -> None:
    old, new = -4_001, -100_400_100
    bot.api.chat_types[old] = "group"
    made = await make_team(bot, old)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made)
    bot.api.set_admins(new, {COACH, BOT_ID})

    await migrate(bot, old, new)

    assert (await team_now(bot, made.team)).chat_id == new
    await in_group(bot, COACH, new).send("/tip Warm up well")
    assert bot.api.last_bot_message(new).text == texts.TIP_POST.format(tip="Warm up well")
    await in_group(bot, COACH, new).send("/team")
    assert bot.api.last_bot_message(new).text == texts.TEAM_EXISTS.format(team=made.team.name)
    await private(bot, COACH).send("/roster")
    assert "Ava" in bot.api.bot_messages(COACH)[-2].text


async def test_the_bot_removed_from_a_group_without_a_team_does_nothing(bot: Bot) -> None:
    await add_bot(bot)

    await remove_bot(bot)

    assert texts_to(bot.api, GROUP) == [texts.GROUP_GREETING]
    assert await all_teams(bot) == []
