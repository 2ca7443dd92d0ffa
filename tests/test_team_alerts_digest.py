"""Alerts and the daily digest (issue 8): one private message per coach per athlete's event,
within the athlete's consent, only while they are in the team; nothing about an athlete in the
group; the digest claimed by the scheduler once a day, caught up once after downtime."""

from __future__ import annotations

import asyncio
import time

from bot.devtools.local_api import BOT_ID, ApiCall, LocalUser
from conversations.texts import plan as plan_texts
from conversations.texts import sos as sos_texts
from conversations.texts import team as texts
from rules.red_flags import RedFlag
from tests.conftest import Bot, FakeClock
from tests.helpers import db_of, press_flag, wait_for
from tests.plan_helpers import BERLIN, answer_checkin, local, start_plan, tick_at
from tests.team_helpers import (
    ATHLETE,
    CO_COACH,
    COACH,
    GROUP,
    OTHER_COACH,
    OTHER_GROUP,
    MadeTeam,
    alerts_to,
    coach_ids,
    in_group,
    is_team_level,
    join,
    make_team,
    member_change,
    private,
    sent_to,
    texts_to,
)


def alert(made: MadeTeam, name: str = "Ava", why: str = "") -> str:
    return texts.ALERT.format(name=name, team=made.team.name, why=why)


async def _with_co_coach(bot: Bot) -> MadeTeam:
    made = await make_team(bot)
    bot.api.set_admins(GROUP, {COACH, CO_COACH, BOT_ID})
    await in_group(bot, CO_COACH, name="Dana").send("/coach")
    return made


async def answer_first_screen(athlete: LocalUser) -> None:
    """A cramp the athlete answers for themselves: their coaches hear of it then (a first tap
    could also have been "I'm helping someone", which is no news about this athlete)."""
    await athlete.send("/cramp")
    await athlete.press(sos_texts.NO_FLAG_CALF)


# --- Alerts ------------------------------------------------------------------------------------


async def test_a_new_episode_alerts_each_coach_once_and_not_again_for_the_same_cramp(
    bot: Bot,
) -> None:
    made = await _with_co_coach(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "status")

    await answer_first_screen(athlete)
    await athlete.send("/cramp")  # the same cramp: the step comes back, no new episode

    assert alerts_to(bot.api, COACH) == [alert(made)]
    assert alerts_to(bot.api, CO_COACH) == [alert(made)]
    assert alerts_to(bot.api, ATHLETE) == []


async def test_status_level_alerts_say_no_reason_details_level_alerts_do(bot: Bot) -> None:
    status_team = await make_team(bot)
    details_team = await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, status_team, "status")
    await join(bot, athlete, details_team, "details")

    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == [alert(status_team)]
    assert alerts_to(bot.api, OTHER_COACH) == [alert(details_team, why=": a new cramp")]


async def test_a_red_flag_alerts_the_coaches(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")
    await athlete.send("/cramp")

    await press_flag(athlete, RedFlag.CHEST_PAIN_BREATHLESS.value)

    assert alerts_to(bot.api, COACH) == [
        alert(made, why=": a new cramp"),
        alert(made, why=": a warning sign"),
    ]


async def test_a_red_flag_that_lets_relief_go_on_alerts_once_however_often_pressed(
    bot: Bot,
) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")
    await athlete.send("/cramp")

    await press_flag(athlete, RedFlag.OTHER_CAUSE.value)
    await press_flag(athlete, RedFlag.OTHER_CAUSE.value)

    assert alerts_to(bot.api, COACH).count(alert(made, why=": a warning sign")) == 1


async def test_only_coaches_of_teams_the_athlete_joined_are_alerted(bot: Bot) -> None:
    joined = await make_team(bot)
    await make_team(bot, OTHER_GROUP, OTHER_COACH)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, joined)

    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == [alert(joined)]
    assert texts_to(bot.api, OTHER_COACH) == []


async def test_an_athlete_who_opened_the_link_but_did_not_join_alerts_nobody(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await athlete.send(f"/start {made.payload}")
    await answer_first_screen(athlete)

    assert texts_to(bot.api, COACH) == []


async def test_after_leaving_the_team_no_alert_reaches_its_coaches(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made)
    await athlete.send("/teams")
    await athlete.press(texts.LEAVE.format(team=made.team.name))

    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == []


async def test_after_lowering_the_level_alerts_give_no_reason(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")
    await athlete.send("/teams")
    await athlete.press(texts.SHARE_STATUS.format(team=made.team.name))

    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == [alert(made)]


async def test_alerts_off_stops_them_for_that_coach_and_team_and_on_brings_them_back(
    bot: Bot,
) -> None:
    made = await _with_co_coach(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made)
    coach = private(bot, COACH)

    await coach.send("/alerts off")
    assert bot.api.last_bot_message(COACH).text == texts.ALERTS_OFF.format(team=made.team.name)
    await answer_first_screen(athlete)
    await athlete.send("/cancel")

    assert alerts_to(bot.api, COACH) == []
    assert alerts_to(bot.api, CO_COACH) == [alert(made)]
    await coach.send("/alerts on")
    await answer_first_screen(athlete)
    assert alerts_to(bot.api, COACH) == [alert(made)]


async def test_alerts_without_on_or_off_shows_how(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, COACH).send("/alerts")

    assert bot.api.last_bot_message(COACH).text == texts.ALERTS_USAGE


async def test_a_coach_no_longer_admin_gets_no_alert_and_stops_being_a_coach(bot: Bot) -> None:
    made = await _with_co_coach(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")
    bot.api.set_admins(GROUP, {CO_COACH, BOT_ID})  # COACH demoted, unseen by the bot

    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == []
    assert alerts_to(bot.api, CO_COACH) == [alert(made, why=": a new cramp")]
    assert await coach_ids(bot, made.team) == {CO_COACH}


async def test_a_coach_demoted_by_a_chat_member_update_gets_no_alert(bot: Bot) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made)

    await member_change(bot, GROUP, COACH, "administrator", "member")
    await answer_first_screen(athlete)

    assert alerts_to(bot.api, COACH) == []


async def test_a_checkin_with_pain_8_alerts_the_coaches(bot: Bot, clock: FakeClock) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)  # 08:00 Berlin
    await join(bot, athlete, made, "details")
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))

    await answer_checkin(athlete, pain=8)

    assert alerts_to(bot.api, COACH) == [alert(made, why=": high pain")]


async def test_a_checkin_with_a_warning_sign_alerts_the_coaches(bot: Bot, clock: FakeClock) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)
    await join(bot, athlete, made, "details")
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))

    await answer_checkin(athlete, pain=2, warning="clot")

    assert alerts_to(bot.api, COACH) == [alert(made, why=": a warning sign")]


async def test_a_quiet_checkin_alerts_nobody(bot: Bot, clock: FakeClock) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)
    await join(bot, athlete, made, "details")
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))

    await answer_checkin(athlete, pain=2)

    assert alerts_to(bot.api, COACH) == []


async def test_two_missed_checkins_alert_from_the_scheduler_once(
    bot: Bot, clock: FakeClock
) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)
    await join(bot, athlete, made, "details")

    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))  # unanswered
    await tick_at(bot, clock, local(2027, 3, 22, 8, 0, BERLIN))  # unanswered
    assert alerts_to(bot.api, COACH) == []
    await tick_at(bot, clock, local(2027, 3, 23, 8, 0, BERLIN))
    await tick_at(bot, clock, local(2027, 3, 23, 9, 0, BERLIN))  # a later tick: no repeat

    assert alerts_to(bot.api, COACH) == [alert(made, why=": two check-ins missed")]


# --- Nothing about athletes in the group ---------------------------------------------------------


async def test_nothing_about_an_athlete_is_ever_posted_in_the_group(
    bot: Bot, clock: FakeClock
) -> None:
    made = await _with_co_coach(bot)
    athlete = private(bot, ATHLETE, "Ava Unique")
    await start_plan(athlete)
    await join(bot, athlete, made, "details")
    await athlete.send("/cramp")
    await press_flag(athlete, RedFlag.CHEST_PAIN_BREATHLESS.value)
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))
    await athlete.press(plan_texts.DOCTOR_CLEARED)  # the red flag held the plan
    await answer_checkin(athlete, pain=9)
    await in_group(bot, COACH).send("/tip Salt on long hot runs")
    coach = private(bot, COACH)
    for command in ("/roster", "/digest 18:00 Europe/Berlin", "/teams"):
        await coach.send(command)
    await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))
    for command in ("/cramp", "/help", "/start", "/roster"):
        await in_group(bot, ATHLETE, name="Ava Unique").send(command)

    assert alerts_to(bot.api, COACH)  # the coaches did hear, in private
    posted = [params["text"] for params in sent_to(bot.api, GROUP)]
    assert posted
    for text in posted:
        assert "Ava" not in text
        pointer = text.startswith("Cramps") or "private chat" in text
        assert is_team_level(text) or pointer, text
    assert sent_to(bot.api, GROUP, "sendPhoto") == []


# --- The digest --------------------------------------------------------------------------------


def digests_to(bot: Bot, coach_id: int = COACH) -> list[str]:
    head = texts.DIGEST.other.split("{team}")[1].split("{checked}")[0]
    return [text for text in texts_to(bot.api, coach_id) if head in text]


async def _digest_at_six(bot: Bot) -> MadeTeam:
    made = await make_team(bot)
    await join(bot, private(bot, ATHLETE, "Ava"), made)
    await private(bot, COACH).send("/digest 18:00 Europe/Berlin")
    return made


async def test_digest_at_a_time_and_zone_is_confirmed(bot: Bot) -> None:
    made = await _digest_at_six(bot)

    assert bot.api.last_bot_message(COACH).text == texts.DIGEST_ON.format(
        team=made.team.name, time="18:00", zone="Europe/Berlin"
    )


async def test_the_digest_comes_once_at_the_coachs_local_time(bot: Bot, clock: FakeClock) -> None:
    made = await _digest_at_six(bot)

    before = await tick_at(bot, clock, local(2027, 3, 21, 17, 59, BERLIN))
    due = await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))
    again = await tick_at(bot, clock, local(2027, 3, 21, 22, 0, BERLIN))

    assert (before.digests_sent, due.digests_sent, again.digests_sent) == (0, 1, 0)
    assert digests_to(bot) == [
        texts.DIGEST.format(
            team=made.team.name, checked=0, members=1, attention=texts.DIGEST_ALL_WELL
        )
    ]


async def test_after_two_days_of_downtime_one_catch_up_digest(bot: Bot, clock: FakeClock) -> None:
    await _digest_at_six(bot)
    await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))

    late = await tick_at(bot, clock, local(2027, 3, 24, 9, 0, BERLIN))  # 22nd, 23rd missed
    later = await tick_at(bot, clock, local(2027, 3, 24, 12, 0, BERLIN))

    assert (late.digests_sent, later.digests_sent) == (1, 0)
    assert len(digests_to(bot)) == 2
    await tick_at(bot, clock, local(2027, 3, 24, 18, 0, BERLIN))  # then on time again
    assert len(digests_to(bot)) == 3


async def test_digest_off_stops_it(bot: Bot, clock: FakeClock) -> None:
    made = await _digest_at_six(bot)

    await private(bot, COACH).send("/digest off")

    assert bot.api.last_bot_message(COACH).text == texts.DIGEST_OFF.format(team=made.team.name)
    report = await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))
    assert report.digests_sent == 0 and digests_to(bot) == []


async def test_the_digest_names_those_needing_attention(bot: Bot, clock: FakeClock) -> None:
    made = await _digest_at_six(bot)
    await private(bot, ATHLETE, "Ava").send("/cramp")

    await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))

    assert digests_to(bot) == [
        texts.DIGEST.format(
            team=made.team.name,
            checked=0,
            members=1,
            attention=texts.DIGEST_ATTENTION.format(names="Ava"),
        )
    ]


async def test_digest_without_a_time_shows_how_and_a_non_coach_is_told(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, COACH).send("/digest soon")
    await private(bot, ATHLETE).send("/digest 18:00")

    assert bot.api.last_bot_message(COACH).text == texts.DIGEST_USAGE
    assert bot.api.last_bot_message(ATHLETE).text == texts.NOT_A_COACH


async def test_a_coach_no_longer_admin_gets_no_digest(bot: Bot, clock: FakeClock) -> None:
    await _digest_at_six(bot)
    bot.api.set_admins(GROUP, {BOT_ID})

    await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))

    # Queued, then stopped by its guard just before sending: Telegram was asked then.
    assert digests_to(bot) == []
    rows = await db_of(bot).fetch_all("SELECT outcome FROM outbox WHERE guard LIKE 'coach:%'")
    assert [row["outcome"] for row in rows] == ["skipped"]


async def test_an_archived_team_sends_no_digest(bot: Bot, clock: FakeClock) -> None:
    from tests.team_helpers import remove_bot

    await _digest_at_six(bot)
    await remove_bot(bot)

    report = await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))

    assert report.digests_sent == 0 and digests_to(bot) == []


# --- A slow coach's chat (issue 16) ------------------------------------------------------------


async def test_a_coach_whose_chat_answers_slowly_does_not_delay_the_athletes_next_reply(
    bot: Bot,
) -> None:
    """The alert is decided in the athlete's unit of work and sent after it, with its guard
    (is the coach still an admin?) asked then: a coach's chat taking 2 s per call holds up
    nothing the athlete waits for."""
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "status")
    await athlete.send("/cramp")

    async def slow_for_the_coach(call: ApiCall) -> None:
        to_coach = str(call.params.get("chat_id")) == str(COACH)
        if to_coach or call.method == "getChatMember":
            await asyncio.sleep(2.0)

    bot.api.delay = slow_for_the_coach
    athlete.through_queue = True  # as the updater hands updates over: nobody waits for them
    started = time.monotonic()
    await athlete.press(sos_texts.NO_FLAG_CALF)  # the athlete's coaches are told of the cramp
    await wait_for(lambda: "Stretch gently" in bot.api.last_bot_message(ATHLETE).text)
    stretch_after = time.monotonic() - started
    await athlete.press(sos_texts.EASED)
    await wait_for(lambda: "One last check" in texts_to(bot.api, ATHLETE)[-1])
    eased_after = time.monotonic() - started

    assert stretch_after < 0.5 and eased_after < 0.5, (stretch_after, eased_after)
    assert alerts_to(bot.api, COACH) == []  # still on its way
    await wait_for(lambda: alerts_to(bot.api, COACH) == [alert(made)], within=8.0)
