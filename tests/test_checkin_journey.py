"""The daily check-in, from the first morning to the end of the plan.

The clock is ours and the scheduler's tick is called by hand, hour by hour: every check-in
must come at 08:00 on the athlete's wall clock, also across a daylight-saving change, once per
local date; the answers move the stages as the recovery rules say; and bad answers at every
question get a short reply and the question's buttons, with nothing recorded wrongly.

Plan days are calendar days on the athlete's clock, the cramp's day being day 0. The clock
starts on Saturday 20 March 2027 at 18:00 in Berlin, so the first check-in, Sunday 08:00, is
day 1 (14 hours after: no massage yet), Monday day 2 (38 hours: massage), Tuesday day 3
(the first exercise step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.devtools.local_api import LocalUser
from bot.scheduler import tick
from conversations.texts import common
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as sos_texts
from rules import recovery as rules
from rules.red_flags import RedFlag
from storage import episodes
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import (
    ASK_PAIN,
    ASK_WARNING,
    ASK_YESTERDAY,
    BERLIN,
    CHECKIN_LABELS,
    NEW_YORK,
    WARNING_LABELS,
    YESTERDAY_LABELS,
    answer_checkin,
    button_data,
    checkin_prompts,
    checkins_of,
    db_of,
    deliver_next_checkin,
    ease_a_cramp,
    last_text,
    local,
    new_messages,
    plan_of,
    plan_rows,
    start_plan,
)

EXERCISE_INSTRUCTIONS = [
    advice.STAGE_INSTRUCTIONS[stage]
    for stage in (rules.Stage.WALK_FLAT, rules.Stage.WALK_FAST, rules.Stage.WALK_INCLINE)
] + ["Try a short, easy run", "Today's exercise step"]


# --- The whole journey, in two zones ---------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    zone_label: str
    zone: ZoneInfo
    cramp_at: datetime  # the clock when the cramp starts and the plan is set up
    dst_change: date  # the first local date on summer time
    utc_hour_before: int  # 08:00 local in UTC, before the change
    utc_hour_after: int


BERLIN_JOURNEY = Journey(
    "Berlin / Paris", BERLIN, datetime(2027, 3, 20, 17, 0, tzinfo=UTC), date(2027, 3, 28), 7, 6
)
NEW_YORK_JOURNEY = Journey(
    "New York", NEW_YORK, datetime(2027, 3, 10, 17, 0, tzinfo=UTC), date(2027, 3, 14), 13, 12
)

# Comfortable, pain 1 every day, one check-in on each of days 1 to 14 (both cramps come in
# the local afternoon, after the 08:00 check-in): the stage each day's check-in leaves the
# athlete on. Day 1 is less than 24 hours after the cramp (hold: no massage yet); day 2 opens
# massage; days 3 to 6 each move up one exercise step, to running; days 7 to 13 wait for the
# two weeks; day 14 finishes the plan.
CHECKIN_DAYS = list(range(1, 15))
EXPECTED_STAGES = [0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6]
EXPECTED_DECISIONS = ["hold"] + ["advance"] * 5 + ["hold"] * 7 + ["finished"]


@pytest.mark.parametrize("journey", [BERLIN_JOURNEY, NEW_YORK_JOURNEY], ids=["berlin", "new-york"])
async def test_the_whole_plan_day_by_day_across_a_dst_change(
    start_bot: Any, clock: FakeClock, journey: Journey
) -> None:
    clock.now = journey.cramp_at
    bot: Bot = await start_bot()
    user = bot.user()
    await start_plan(user, "08:00", journey.zone_label)
    sent_at: list[datetime] = []
    today_texts: dict[int, str] = {}
    decisions: list[str] = []

    # Tick every hour for 17 days; answer each check-in at once, comfortable with pain 1.
    while clock.now < journey.cramp_at + timedelta(days=17):
        clock.advance(hours=1)
        report = await tick(bot.application)
        assert report.reminders_sent == 0 and report.paused == 0
        if not report.checkins_sent:
            continue
        assert report.checkins_sent == 1
        sent_at.append(clock.now)
        prompt = bot.api.last_bot_message(user.chat_id)
        day = rules.plan_day(journey.cramp_at, clock.now, journey.zone)
        assert prompt.text.startswith(f"<b>Day {day} check-in</b>")
        assert prompt.button_labels == CHECKIN_LABELS
        await answer_checkin(user, 1, "comfortable")
        decisions.append(last_text(bot.api, user.chat_id))
        await user.send("/today")
        today_texts[day] = last_text(bot.api, user.chat_id)

    # Every check-in came at 08:00 on the athlete's wall clock, one per local date, no gaps.
    local_times = [instant.astimezone(journey.zone) for instant in sent_at]
    assert {t.strftime("%H:%M") for t in local_times} == {"08:00"}
    dates = [t.date() for t in local_times]
    cramp_date = journey.cramp_at.astimezone(journey.zone).date()
    assert dates == [cramp_date + timedelta(days=n) for n in CHECKIN_DAYS]
    # …which is an hour earlier in UTC once summer time starts.
    for instant, local_date in zip(sent_at, dates, strict=True):
        summer = local_date >= journey.dst_change
        expected = journey.utc_hour_after if summer else journey.utc_hour_before
        assert instant.hour == expected, (local_date, instant)
    assert dates[0] < journey.dst_change <= dates[-1]

    rows = await checkins_of(bot, user)
    assert [row.local_date for row in rows] == dates
    assert [row.day for row in rows] == CHECKIN_DAYS
    assert [row.stage_after for row in rows] == EXPECTED_STAGES
    assert [row.decision for row in rows] == EXPECTED_DECISIONS
    assert all(row.answered_at is not None and row.pain == 1 for row in rows)

    # Massage only after 24 hours; exercise only from day 3; the end only from day 14.
    first_massage = next(row for row in rows if row.stage_after == rules.Stage.MASSAGE)
    assert first_massage.answered_at is not None
    assert first_massage.answered_at - journey.cramp_at >= timedelta(hours=24)
    for row in rows:
        if row.day < 3:
            assert row.stage_after is not None and row.stage_after <= rules.Stage.MASSAGE
    for day, text in today_texts.items():
        has_exercise = any(line in text for line in EXERCISE_INSTRUCTIONS)
        assert has_exercise == (3 <= day < 14), (day, text)

    # The plan ends with the prevention advice, including that electrolytes don't prevent.
    ending = decisions[-1]
    assert "<b>You've completed the plan. Well done!</b>" in ending
    assert "Keep up strength training" in ending
    assert "electrolytes or salt don't prevent this kind of cramp" in ending
    plan = await plan_of(bot, user)
    assert (plan.status, plan.stage, plan.next_checkin_at) == ("ended", 6, None)
    assert today_texts[14] == texts.NO_PLAN
    assert len(checkin_prompts(bot.api, user.chat_id)) == len(CHECKIN_DAYS)


async def test_no_exercise_step_is_given_before_day_3(start_bot: Any, clock: FakeClock) -> None:
    """Even with no pain at all, days 0 to 2 give rest, ice and (after 24 h) massage only.

    A cramp at 07:00 on Saturday: a check-in at 08:00 the same day (day 0), Sunday's 25 hours
    after (day 1: massage), Monday's (day 2: ready, but exercise waits), Tuesday's (day 3)."""
    clock.now = local(2027, 3, 20, 7, 0, BERLIN)
    bot: Bot = await start_bot()
    user = bot.user()
    await start_plan(user)
    replies: list[str] = []
    for _ in range(3):  # days 0, 1 and 2
        await deliver_next_checkin(bot, clock, user)
        before = len(bot.api.bot_messages(user.chat_id))
        await answer_checkin(user, 0)
        replies += [m.text for m in new_messages(bot.api, user.chat_id, before)]

    assert not any(line in reply for reply in replies for line in EXERCISE_INSTRUCTIONS)
    # The cramp was on Saturday 20 March: day 3 is Tuesday, named in the athlete's zone.
    assert "Exercise can start from Tuesday 23 March (day 3 after the cramp)." in replies[-1]
    assert [row.day for row in await checkins_of(bot, user)] == [0, 1, 2]
    await deliver_next_checkin(bot, clock, user)  # day 3
    await answer_checkin(user, 0)
    assert "Go for a walk on level ground" in last_text(bot.api, user.chat_id)
    assert (await latest_checkin(bot, user)).day == 3


# --- Every branch of the decision ------------------------------------------------------------


async def days_answered(
    bot: Bot, clock: FakeClock, user: LocalUser, answers: list[tuple[int, str]]
) -> None:
    """Deliver and answer one check-in a day: (pain, yesterday) for each."""
    for pain, yesterday in answers:
        await deliver_next_checkin(bot, clock, user)
        await answer_checkin(user, pain, yesterday)


async def latest_checkin(bot: Bot, user: LocalUser) -> Any:
    return (await checkins_of(bot, user))[-1]


async def test_comfortable_and_low_pain_advances_when_the_day_allows(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(2, "comfortable")])  # day 1, 14 h: too early

    await days_answered(bot, clock, user, [(2, "comfortable")])  # day 2: 38 h have passed

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Great progress!</b>")
    assert "<b>Day 2: Ice and gentle massage</b>" in reply
    assert "Massage or gentle foam rolling is fine now" in reply
    assert "No strength work until after the two weeks" in reply  # the whole day plan follows
    row = await latest_checkin(bot, user)
    assert (row.stage_before, row.stage_after, row.decision) == (0, 1, "advance")
    assert (await plan_of(bot, user)).stage == 1


async def test_comfortable_but_too_early_holds_and_says_what_it_waits_for(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)

    await days_answered(bot, clock, user, [(0, "comfortable")])  # day 1, only 14 h after

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Same step today.</b>")
    assert "Massage can start once 24 hours have passed since the cramp." in reply
    assert (await latest_checkin(bot, user)).decision == "hold"


async def test_uncomfortable_holds_the_stage(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(1, "comfortable")])

    await days_answered(bot, clock, user, [(1, "uncomfortable")])

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Same step today.</b>")
    assert advice.for_muscle(advice.HOLD_REASONS[rules.Reason.UNCOMFORTABLE], "calf") in reply
    assert "The calf just needs a little longer." in reply
    row = await latest_checkin(bot, user)
    assert (row.stage_before, row.stage_after, row.decision) == (0, 0, "hold")


async def test_pain_up_by_one_holds_the_stage(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(2, "comfortable")])

    await days_answered(bot, clock, user, [(3, "comfortable")])  # day 2, massage allowed

    reply = last_text(bot.api, user.chat_id)
    assert advice.HOLD_REASONS[rules.Reason.PAIN_RISING] in reply
    row = await latest_checkin(bot, user)
    assert (row.stage_after, row.decision) == (0, "hold")


async def test_didnt_do_it_holds_the_stage(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(1, "comfortable")] * 3)  # day 3: flat walking
    assert (await plan_of(bot, user)).stage == rules.Stage.WALK_FLAT

    await days_answered(bot, clock, user, [(1, "not_done")])

    reply = last_text(bot.api, user.chat_id)
    assert advice.HOLD_REASONS[rules.Reason.NOT_DONE] in reply
    assert "<b>Day 4: Easy walking on the flat</b>" in reply
    row = await latest_checkin(bot, user)
    assert (row.yesterday, row.stage_after, row.decision) == ("not_done", 2, "hold")


async def test_pain_up_by_two_steps_back_and_suggests_a_physio_from_day_3(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(1, "comfortable")] * 4)  # day 4: brisker walking
    assert (await plan_of(bot, user)).stage == rules.Stage.WALK_FAST

    await days_answered(bot, clock, user, [(3, "comfortable")])  # day 5: pain 1 → 3

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Let's ease off.</b> Rest the calf today; no exercise step.")
    assert advice.STEP_BACK_REASONS[rules.Reason.PAIN_JUMP] in reply
    assert advice.for_muscle(advice.PHYSIO_SUGGESTION, "calf") in reply
    assert advice.SEVERE_PAIN.split("</b>")[0] not in reply  # pain 3 is no medical matter
    assert "carry on from: <b>Easy walking on the flat</b>" in reply
    row = await latest_checkin(bot, user)
    assert (row.day, row.stage_before, row.stage_after, row.decision) == (5, 3, 2, "step_back")


async def test_high_pain_steps_back_and_the_physio_comes_only_from_day_3(
    start_bot: Any, clock: FakeClock
) -> None:
    """A cramp at 07:00 on Saturday and a steady pain of 7 (not rising, below 8: no medical
    matter): a step back and rest every day; the physiotherapist from day 3, in words for
    someone who has been resting (not "after you'd started exercising again")."""
    clock.now = local(2027, 3, 20, 7, 0, BERLIN)
    bot: Bot = await start_bot()
    user = bot.user()
    await start_plan(user)
    severe_headline = advice.SEVERE_PAIN.split("</b>")[0]

    for day in (0, 1, 2):
        await days_answered(bot, clock, user, [(7, "comfortable")])
        reply = last_text(bot.api, user.chat_id)
        assert reply.startswith("<b>Let's ease off.</b>"), day
        assert advice.STEP_BACK_REASONS[rules.Reason.PAIN_HIGH] in reply
        assert "physiotherapist" not in reply
        assert severe_headline not in reply
        row = await latest_checkin(bot, user)
        assert (row.day, row.stage_after, row.decision) == (day, 0, "step_back")

    await days_answered(bot, clock, user, [(7, "uncomfortable")])  # day 3

    day3 = last_text(bot.api, user.chat_id)
    assert day3.startswith("<b>Let's ease off.</b>")
    assert advice.for_muscle(advice.PHYSIO_SUGGESTION_AT_REST, "calf") in day3
    assert "exercising again" not in day3
    row = await latest_checkin(bot, user)
    assert (row.day, row.stage_before, row.stage_after, row.decision) == (3, 0, 0, "step_back")


async def test_chest_pain_at_a_check_in_gets_the_same_emergency_guidance_as_the_sos_flow(
    bot: Bot, clock: FakeClock
) -> None:
    user, other = bot.user(1001), bot.user(2002)
    await start_plan(user)
    await days_answered(bot, clock, user, [(1, "comfortable")] * 2)  # day 2: massage
    await deliver_next_checkin(bot, clock, user)
    assert bot.api.last_bot_message(user.chat_id).button_labels == CHECKIN_LABELS

    await answer_checkin(user, 2, "comfortable", warning="chest")

    reply = last_text(bot.api, user.chat_id)
    guidance = flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="112")
    assert reply == f"{guidance}\n\n{advice.HOLD_STARTED}"
    assert "\n\n<b>112</b>\n\n" in reply  # the number on a line of its own
    # The SOS flow's answer to the same sign reads the same (for someone in the same country).
    await other.send_location(52.52, 13.40)  # Berlin
    await other.send("/cramp")
    await other.press(flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS])
    assert last_text(bot.api, other.chat_id).startswith(guidance)
    row = await latest_checkin(bot, user)
    assert (row.warning_sign, row.decision, row.stage_before, row.stage_after) == (
        True,
        "red_flag",
        1,
        1,
    )


async def test_a_new_cramp_during_the_plan_restarts_it_at_day_0_as_a_recurrence(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    await days_answered(bot, clock, user, [(1, "comfortable")] * 4)  # day 4: brisker walking
    clock.advance(hours=6)  # Wednesday 24 March, 14:00 in Berlin
    plan = await plan_of(bot, user)
    assert plan.stage == rules.Stage.WALK_FAST
    before = len(bot.api.bot_messages(user.chat_id))

    await ease_a_cramp(user)  # /cramp → … → eased

    restarted = await plan_of(bot, user)
    assert (restarted.id, restarted.status, restarted.stage) == (plan.id, "active", 0)
    assert restarted.cramp_at == clock.now != plan.cramp_at
    assert restarted.recurrences == 1
    history = await episodes.episodes_of(db_of(bot), user.user_id)
    assert [e.is_recurrence for e in history] == [False, True]
    replies = [m.text for m in new_messages(bot.api, user.chat_id, before)]
    assert sos_texts.PLAN_RESTARTS in replies  # said out loud, with why
    assert texts.OFFER not in replies
    # A recurrence during a plan is a reason to see a GP, said with the aftercare.
    assert any(sos_texts.FREQUENT_CRAMPS in reply for reply in replies)
    prompt = await deliver_next_checkin(bot, clock, user)
    # Thursday 08:00: the day after the new cramp, 18 hours on, so still rest and ice.
    assert prompt.text.startswith("<b>Day 1 check-in</b> · Rest and ice")


# --- Bad answers at every question -----------------------------------------------------------


async def at_first_question(bot: Bot, clock: FakeClock) -> LocalUser:
    user = bot.user()
    await start_plan(user)
    await deliver_next_checkin(bot, clock, user)
    return user


async def send_bad(user: LocalUser, bad: str) -> None:
    if bad == "<sticker>":
        await user.send_sticker()
    else:
        await user.send(bad)


@pytest.mark.parametrize("bad", ["hello", "11", "-1", "abc", "3.5", "<sticker>"])
async def test_a_bad_answer_to_the_pain_question_gets_the_pain_buttons_again(
    bot: Bot, clock: FakeClock, bad: str
) -> None:
    user = await at_first_question(bot, clock)
    rows = await plan_rows(bot, user)

    await send_bad(user, bad)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.ANSWER_WITH_BUTTONS)
    assert ASK_PAIN in reply.text
    assert reply.button_labels == CHECKIN_LABELS
    assert await plan_rows(bot, user) == rows
    await user.press("4")  # the buttons sent with the nudge work
    assert (await latest_checkin(bot, user)).pain == 4


async def test_a_typed_pain_score_is_accepted(bot: Bot, clock: FakeClock) -> None:
    user = await at_first_question(bot, clock)

    await user.send("5")

    assert bot.api.last_bot_message(user.chat_id).button_labels == YESTERDAY_LABELS
    assert (await latest_checkin(bot, user)).pain == 5


@pytest.mark.parametrize("bad", ["hello", "5", "<sticker>"])
async def test_a_bad_answer_to_yesterdays_step_gets_its_buttons_again(
    bot: Bot, clock: FakeClock, bad: str
) -> None:
    user = await at_first_question(bot, clock)
    await user.press("3")
    rows = await plan_rows(bot, user)

    await send_bad(user, bad)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.ANSWER_WITH_BUTTONS)
    assert ASK_YESTERDAY in reply.text
    assert reply.button_labels == YESTERDAY_LABELS
    assert await plan_rows(bot, user) == rows  # the pain stays 3


@pytest.mark.parametrize("bad", ["hello", "no", "<sticker>"])
async def test_a_bad_answer_to_the_warning_signs_gets_their_buttons_again(
    bot: Bot, clock: FakeClock, bad: str
) -> None:
    user = await at_first_question(bot, clock)
    await user.press("3")
    await user.press("Comfortable")
    rows = await plan_rows(bot, user)

    await send_bad(user, bad)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.ANSWER_WITH_BUTTONS)
    assert ASK_WARNING in reply.text
    assert reply.button_labels == WARNING_LABELS
    assert await plan_rows(bot, user) == rows


async def press_and_expect(
    bot: Bot, user: LocalUser, message: Any, label: str, answer: str
) -> None:
    """Press ``label`` on ``message``: answered with ``answer``, nothing sent or stored."""
    rows = await plan_rows(bot, user)
    sent = len(bot.api.bot_messages(user.chat_id))

    query_id = await user.press_data(button_data(message, label), message)

    assert bot.api.answered_queries[query_id] == answer, label
    assert len(bot.api.bot_messages(user.chat_id)) == sent, label
    assert await plan_rows(bot, user) == rows, label


async def test_earlier_questions_buttons_are_expired_once_answered(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_first_question(bot, clock)
    prompt = bot.api.last_bot_message(user.chat_id)
    await user.press("3")
    yesterday_question = bot.api.last_bot_message(user.chat_id)

    # A second pain, or a snooze, after the pain was given.
    await press_and_expect(bot, user, prompt, "8", common.BUTTON_EXPIRED)
    await press_and_expect(bot, user, prompt, texts.SNOOZE_1H, common.BUTTON_EXPIRED)
    await press_and_expect(bot, user, prompt, texts.SNOOZE_3H, common.BUTTON_EXPIRED)
    await user.press("Uncomfortable")
    # Yesterday's step again, at the warning question.
    await press_and_expect(bot, user, yesterday_question, "Comfortable", common.BUTTON_EXPIRED)

    row = await latest_checkin(bot, user)
    assert (row.pain, row.yesterday, row.answered_at) == (3, "uncomfortable", None)


async def test_a_finished_check_in_answers_already_done(bot: Bot, clock: FakeClock) -> None:
    user = await at_first_question(bot, clock)
    prompt = bot.api.last_bot_message(user.chat_id)
    await user.press("3")
    yesterday_question = bot.api.last_bot_message(user.chat_id)
    await user.press("Comfortable")
    warning_question = bot.api.last_bot_message(user.chat_id)
    await user.press(texts.NO_WARNING)

    await press_and_expect(bot, user, prompt, "0", common.ALREADY_ANSWERED)
    await press_and_expect(bot, user, prompt, texts.SNOOZE_1H, common.ALREADY_ANSWERED)
    await press_and_expect(bot, user, yesterday_question, "Didn't do it", common.ALREADY_ANSWERED)
    await press_and_expect(bot, user, warning_question, texts.CLOT_WARNING, common.ALREADY_ANSWERED)
    assert "already done" in common.ALREADY_ANSWERED

    # Typed text now has no question to answer: the idle reply, nothing recorded.
    rows = await plan_rows(bot, user)
    await user.send("6")
    assert "I'm here for calf and leg cramps" in last_text(bot.api, user.chat_id)
    assert await plan_rows(bot, user) == rows


async def test_a_button_from_yesterdays_answered_check_in_is_already_done(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_first_question(bot, clock)
    yesterday = bot.api.last_bot_message(user.chat_id)
    await answer_checkin(user, 3)
    await deliver_next_checkin(bot, clock, user)

    await press_and_expect(bot, user, yesterday, "1", common.ALREADY_ANSWERED)

    assert (await latest_checkin(bot, user)).pain is None  # today's is untouched


async def test_yesterdays_unanswered_check_in_takes_no_answers_once_todays_came(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_first_question(bot, clock)
    yesterday = bot.api.last_bot_message(user.chat_id)
    await user.press("3")  # half answered, then left
    yesterday_question = bot.api.last_bot_message(user.chat_id)
    await deliver_next_checkin(bot, clock, user)

    await press_and_expect(bot, user, yesterday, "1", common.BUTTON_EXPIRED)
    await press_and_expect(bot, user, yesterday_question, "Comfortable", common.BUTTON_EXPIRED)

    # A typed score goes to today's check-in, never to yesterday's.
    await user.send("2")
    old, new = await checkins_of(bot, user)
    assert (old.pain, old.yesterday, old.answered_at) == (3, None, None)
    assert new.pain == 2
    # And today's check-in can be finished: the decision compares with the last pain given.
    await user.press("Comfortable")
    await user.press(texts.NO_WARNING)
    assert (await latest_checkin(bot, user)).decision == "advance"


@pytest.mark.parametrize(
    "data",
    ["ci:999:pain:5", "ci:1:pain:11", "ci:1:yday:maybe", "ci:1:warn:yes", "ci:1:snooze:2"],
)
async def test_forged_check_in_buttons_are_expired_and_record_nothing(
    bot: Bot, clock: FakeClock, data: str
) -> None:
    user = await at_first_question(bot, clock)
    rows = await plan_rows(bot, user)
    sent = len(bot.api.bot_messages(user.chat_id))

    query_id = await user.press_data(data)

    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    assert len(bot.api.bot_messages(user.chat_id)) == sent
    assert await plan_rows(bot, user) == rows


async def test_another_users_check_in_buttons_are_expired(bot: Bot, clock: FakeClock) -> None:
    user = await at_first_question(bot, clock)
    prompt = bot.api.last_bot_message(user.chat_id)
    intruder = bot.user(2002)
    rows = await plan_rows(bot, user)

    query_id = await intruder.press_data(button_data(prompt, "9"), prompt)

    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    assert await plan_rows(bot, user) == rows


async def test_a_check_in_button_after_the_plan_was_stopped_is_expired(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_first_question(bot, clock)
    prompt = bot.api.last_bot_message(user.chat_id)
    await user.send("/stopplan")
    await user.press(texts.STOP_YES)

    await press_and_expect(bot, user, prompt, "2", common.BUTTON_EXPIRED)


async def test_the_check_in_is_asked_in_the_zone_the_day_it_is_there(
    start_bot: Any, clock: FakeClock
) -> None:
    """A cramp late on Saturday evening in New York (already Sunday in UTC): 08:00 on Sunday
    there is the day after the cramp's local date, so day 1 (counted in UTC it would be 0)."""
    clock.now = local(2027, 3, 20, 22, 30, NEW_YORK)  # already 21 March in UTC
    bot: Bot = await start_bot()
    user = bot.user()
    await start_plan(user, "08:00", "New York")

    prompt = await deliver_next_checkin(bot, clock, user)

    assert clock.now == local(2027, 3, 21, 8, 0, NEW_YORK)
    assert prompt.text.startswith("<b>Day 1 check-in</b>")
    [row] = await checkins_of(bot, user)
    assert (row.local_date, row.day) == (date(2027, 3, 21), 1)
