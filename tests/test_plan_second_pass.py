"""The recovery plan after the SOS second pass (issue 6), through the real Application.

Plan days are calendar days on the athlete's clock, the cramp's day being day 0 (across
midnight and daylight-saving changes); massage still waits 24 real hours; the plan names the
athlete's muscle; the check-in's warning question has one row per sign (chest pain or
breathlessness, dark urine, a clot, a tear), each putting the plan on hold; severe pain gets
medical advice first; the emergency number is the athlete's;
/progress shows the athlete's pattern.

The clock starts on Saturday 20 March 2027, 17:00 UTC: 18:00 in Berlin, 13:00 in New York.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.devtools.local_api import LocalUser
from bot.scheduler import tick
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as sos_texts
from rules import recovery as rules
from rules.recovery import Stage
from rules.red_flags import RedFlag
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import (
    ASK_WARNING,
    BERLIN,
    NEW_YORK,
    PAIN_QUESTION,
    WARNING_LABELS,
    answer_checkin,
    checkins_of,
    deliver_next_checkin,
    ease_a_cramp,
    ease_a_cramp_answering,
    ease_a_cramp_in,
    last_text,
    local,
    new_messages,
    plan_of,
    set_up_offered_plan,
    start_plan,
    tick_at,
)

WALK_FLAT = advice.STAGE_INSTRUCTIONS[Stage.WALK_FLAT]
MASSAGE_OK = advice.DAY_PLAN_ITEMS[rules.Advice.MASSAGE_OK]
NO_MASSAGE_YET = advice.DAY_PLAN_ITEMS[rules.Advice.NO_MASSAGE_YET]
SEVERE_PAIN_HEADLINE = advice.SEVERE_PAIN.split("</b>")[0]  # "🩺 <b>Pain this strong ..."


async def checkin_reply(
    bot: Bot, clock: FakeClock, user: LocalUser, pain: int, warning: str = "no"
) -> str:
    """Deliver the next check-in, answer it (comfortable), and return the bot's answer."""
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, pain, "comfortable", warning)
    return last_text(bot.api, user.chat_id)


def header(day: int) -> str:
    return f"<b>Day {day} check-in</b>"


def checkins_text(bot: Bot, user: LocalUser) -> list[str]:
    """The check-in questions sent to ``user``, whatever the plan's muscle."""
    return [m.text for m in bot.api.bot_messages(user.chat_id) if PAIN_QUESTION in m.text]


# --- Calendar days across midnight -----------------------------------------------------------


@pytest.mark.parametrize(
    ("cramp_at", "day"),
    [
        (local(2027, 3, 20, 23, 30, BERLIN), 1),  # Saturday, late: Sunday is the next day
        (local(2027, 3, 21, 0, 30, BERLIN), 0),  # just after midnight: Sunday is its own day
    ],
    ids=["23:30-saturday", "00:30-sunday"],
)
async def test_the_morning_check_in_counts_calendar_days_not_hours(
    bot: Bot, clock: FakeClock, cramp_at: datetime, day: int
) -> None:
    """Both cramps come about eight hours before Sunday's 08:00 check-in; only the one on
    Saturday's date makes it day 1."""
    clock.now = cramp_at
    user = bot.user()
    await start_plan(user)

    prompt = await deliver_next_checkin(bot, clock, user)

    assert clock.now == local(2027, 3, 21, 8, 0, BERLIN)
    assert clock.now - cramp_at < timedelta(hours=9)
    assert prompt.text.startswith(f"{header(day)} · Rest and ice")
    [row] = await checkins_of(bot, user)
    assert (row.local_date, row.day) == (date(2027, 3, 21), day)


async def test_an_evening_cramp_opens_flat_walking_on_the_third_morning(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)  # Saturday 18:00
    await checkin_reply(bot, clock, user, 1)  # Sunday, day 1: rest (14 h)
    await checkin_reply(bot, clock, user, 1)  # Monday, day 2: massage

    tuesday = await checkin_reply(bot, clock, user, 1)  # Tuesday 08:00, day 3

    # Only 62 real hours after the cramp, but the third morning: the first exercise step.
    assert clock.now == local(2027, 3, 23, 8, 0, BERLIN)
    assert clock.now - (await plan_of(bot, user)).cramp_at == timedelta(hours=62)
    assert tuesday.startswith("<b>Great progress!</b>")
    assert "<b>Day 3: Easy walking on the flat</b>" in tuesday
    assert f"Today's exercise step: {WALK_FLAT}" in tuesday
    await user.send("/today")
    assert WALK_FLAT in last_text(bot.api, user.chat_id)
    assert [(row.day, row.stage_after) for row in await checkins_of(bot, user)] == [
        (1, Stage.REST),
        (2, Stage.MASSAGE),
        (3, Stage.WALK_FLAT),
    ]


async def test_the_first_exercise_step_waits_for_the_reports_on_the_third_morning(
    bot: Bot, clock: FakeClock
) -> None:
    """Day 3 opens exercise, but pain of 5 on Tuesday keeps the athlete where they are."""
    user = bot.user()
    await start_plan(user)
    await checkin_reply(bot, clock, user, 1)
    await checkin_reply(bot, clock, user, 1)

    tuesday = await checkin_reply(bot, clock, user, 5)  # up by 4: step back

    assert WALK_FLAT not in tuesday
    assert (await checkins_of(bot, user))[-1].stage_after == Stage.REST


async def test_massage_waits_24_real_hours_after_an_evening_cramp(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)  # Saturday 18:00

    sunday = await checkin_reply(bot, clock, user, 0)  # day 1, only 14 hours on
    monday = await checkin_reply(bot, clock, user, 0)  # day 2, 38 hours on

    assert header(1) in checkins_text(bot, user)[0]
    assert sunday.startswith("<b>Same step today.</b>")
    assert advice.WAITING_FOR[Stage.MASSAGE] in sunday
    assert NO_MASSAGE_YET in sunday and MASSAGE_OK not in sunday
    assert monday.startswith("<b>Great progress!</b>")
    assert MASSAGE_OK in monday and NO_MASSAGE_YET not in monday
    assert [row.stage_after for row in await checkins_of(bot, user)] == [
        Stage.REST,
        Stage.MASSAGE,
    ]


async def test_day_1_is_not_enough_for_massage_23_hours_after_a_morning_cramp(
    bot: Bot, clock: FakeClock
) -> None:
    clock.now = local(2027, 3, 20, 9, 0, BERLIN)  # Saturday 09:00: Sunday 08:00 is 23 h on
    user = bot.user()
    await start_plan(user)

    sunday = await checkin_reply(bot, clock, user, 0)

    assert header(1) in checkins_text(bot, user)[0]
    assert NO_MASSAGE_YET in sunday and MASSAGE_OK not in sunday
    assert (await plan_of(bot, user)).stage == Stage.REST
    clock.now = local(2027, 3, 21, 9, 0, BERLIN)  # the 24 hours are up
    await user.send("/today")
    assert MASSAGE_OK in last_text(bot.api, user.chat_id)


async def test_a_check_in_sent_after_midnight_keeps_the_day_of_its_own_date(
    bot: Bot, clock: FakeClock
) -> None:
    """Saturday's 21:00 check-in goes out late, at 00:30 on Sunday (the bot was down): it is
    still Saturday's check-in, day 0, and Sunday's at 21:00 is day 1, not a second day 1."""
    user = bot.user()
    await start_plan(user, "21:00")  # Saturday 18:00

    late = await tick_at(bot, clock, local(2027, 3, 21, 0, 30, BERLIN))
    assert late.checkins_sent == 1
    await answer_checkin(user, 2)
    await deliver_next_checkin(bot, clock, user)  # Sunday 21:00

    rows = await checkins_of(bot, user)
    assert [(row.local_date, row.day) for row in rows] == [
        (date(2027, 3, 20), 0),
        (date(2027, 3, 21), 1),
    ]
    assert [text.split(" · ")[0] for text in checkins_text(bot, user)] == [header(0), header(1)]


# --- Calendar days across a daylight-saving change -------------------------------------------


@dataclass(frozen=True)
class DstCase:
    zone_label: str
    zone: ZoneInfo
    cramp_at: datetime  # Thursday evening, before the clocks go forward
    checkin_time: str  # typed at the time question
    expected_utc: list[datetime]  # the check-ins of days 1 to 5, worked out by hand


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


DST_CASES = {
    # Berlin goes from UTC+1 to UTC+2 on Sunday 28 March 2027, at 02:00.
    "berlin-08:00": DstCase(
        "Berlin / Paris",
        BERLIN,
        local(2027, 3, 25, 18, 0, BERLIN),
        "08:00",
        [utc(3, 26, 7), utc(3, 27, 7), utc(3, 28, 6), utc(3, 29, 6), utc(3, 30, 6)],
    ),
    # 02:30 does not exist in Berlin on 28 March: that check-in comes at 03:30 summer time.
    "berlin-02:30": DstCase(
        "Berlin / Paris",
        BERLIN,
        local(2027, 3, 25, 18, 0, BERLIN),
        "02:30",
        [
            utc(3, 26, 1, 30),
            utc(3, 27, 1, 30),
            utc(3, 28, 1, 30),  # 03:30 summer time
            utc(3, 29, 0, 30),
            utc(3, 30, 0, 30),
        ],
    ),
    # New York goes from UTC-5 to UTC-4 on Sunday 14 March 2027, at 02:00.
    "new-york-08:00": DstCase(
        "New York",
        NEW_YORK,
        local(2027, 3, 11, 18, 0, NEW_YORK),
        "08:00",
        [utc(3, 12, 13), utc(3, 13, 13), utc(3, 14, 12), utc(3, 15, 12), utc(3, 16, 12)],
    ),
}


@pytest.mark.parametrize("case", DST_CASES.values(), ids=DST_CASES.keys())
async def test_check_ins_across_a_dst_change_get_consecutive_day_numbers(
    bot: Bot, clock: FakeClock, case: DstCase
) -> None:
    clock.now = case.cramp_at
    user = bot.user()
    await ease_a_cramp(user)
    await user.press(texts.OFFER_BUTTON)
    await user.send(case.checkin_time)
    await user.press(case.zone_label)
    headers: list[str] = []

    # Tick every half hour until just past day 5's check-in, answering each one at once.
    while clock.now < case.expected_utc[-1] + timedelta(hours=1):
        clock.advance(minutes=30)
        if (await tick(bot.application)).checkins_sent:
            headers.append(bot.api.last_bot_message(user.chat_id).text.split(" · ")[0])
            await answer_checkin(user, 1)

    rows = await checkins_of(bot, user)
    assert [row.sent_at for row in rows] == case.expected_utc
    assert headers == [header(day) for day in range(1, 6)]
    assert [row.day for row in rows] == [1, 2, 3, 4, 5]
    cramp_date = case.cramp_at.astimezone(case.zone).date()
    assert [row.local_date for row in rows] == [cramp_date + timedelta(days=n) for n in range(1, 6)]


# --- The plan names the athlete's muscle -----------------------------------------------------


async def test_a_hamstring_plan_speaks_of_the_back_of_the_thigh(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_OTHER)
    await user.press("Back of thigh")
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)
    await user.press(sos_texts.SKIP_ALL)
    before = len(bot.api.bot_messages(user.chat_id))
    await set_up_offered_plan(user)
    started = new_messages(bot.api, user.chat_id, before)[-1].text

    prompt = await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 2)
    decision = last_text(bot.api, user.chat_id)
    await user.send("/today")
    today = last_text(bot.api, user.chat_id)

    assert (await plan_of(bot, user)).muscle == "hamstring"
    assert "How much does the back of the thigh hurt right now" in prompt.text
    assert "Rest the back of the thigh today." in today
    assert "Ice the back of the thigh." in today
    assert "Rest the back of the thigh today." in started
    assert "Rest the back of the thigh today." in decision
    for text in (prompt.text, decision, today, started):
        assert "calf" not in text.lower(), text
        assert "{muscle}" not in text, text


async def test_a_recurrence_in_another_muscle_switches_the_plans_muscle(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)  # a calf cramp
    await checkin_reply(bot, clock, user, 1)
    clock.advance(hours=3)

    await ease_a_cramp_in(user, "quadriceps")  # a new cramp, in the front of the thigh

    plan = await plan_of(bot, user)
    assert (plan.muscle, plan.recurrences, plan.stage) == ("quadriceps", 1, Stage.REST)
    await user.send("/today")
    today = last_text(bot.api, user.chat_id)
    assert today.startswith("<b>Day 0: Rest and ice</b>")
    assert "Rest the front of the thigh today." in today and "calf" not in today
    prompt = await deliver_next_checkin(bot, clock, user)
    assert "How much does the front of the thigh hurt right now" in prompt.text


# --- The check-in's warning question ---------------------------------------------------------


async def at_warning_question_on_day_3(bot: Bot, clock: FakeClock, zone: str) -> LocalUser:
    """A plan on massage (days 1 and 2 answered), at day 3's warning question, pain 1 and a
    comfortable day: without a warning sign the athlete would move on to flat walking."""
    user = bot.user()
    await start_plan(user, "08:00", zone)
    await checkin_reply(bot, clock, user, 1)
    await checkin_reply(bot, clock, user, 1)
    await deliver_next_checkin(bot, clock, user)
    await user.press("1")
    await user.press("Comfortable")
    assert (await plan_of(bot, user)).stage == Stage.MASSAGE
    return user


async def test_the_warning_question_has_one_row_per_sign(bot: Bot, clock: FakeClock) -> None:
    user = await at_warning_question_on_day_3(bot, clock, "Berlin / Paris")

    question = bot.api.last_bot_message(user.chat_id)

    assert ASK_WARNING in question.text
    assert question.button_labels == WARNING_LABELS
    assert question.button_labels == [
        "✅ None of these",
        "🫁 Chest pain or breathless",
        "🟤 Dark, cola-coloured urine",
        "🦵 Leg swollen, warm or red, or worse at rest",
        "💥 A pop, or new bruising",
    ]
    # One sign per row: a tap says which one it was.
    assert question.reply_markup is not None
    assert [len(row) for row in question.reply_markup["inline_keyboard"]] == [1] * 5


async def assert_stage_held(bot: Bot, clock: FakeClock, user: LocalUser, reason: str) -> None:
    """The warning kept the stage and put the plan on hold: Wednesday's check-in asks whether
    a doctor has seen the athlete instead of the pain question."""
    row = (await checkins_of(bot, user))[-1]
    assert (row.warning_sign, row.decision) == (True, "red_flag")
    assert row.stage_before == row.stage_after == Stage.MASSAGE
    plan = await plan_of(bot, user)
    assert (plan.stage, plan.held, plan.held_for) == (Stage.MASSAGE, True, reason)
    assert plan.next_checkin_at is not None
    report = await tick_at(bot, clock, plan.next_checkin_at)  # Wednesday, day 4
    assert report.checkins_sent == 1
    prompt = bot.api.last_bot_message(user.chat_id)
    assert prompt.text.startswith(f"{header(4)} · On hold")
    assert texts.ASK_DOCTOR in prompt.text
    assert PAIN_QUESTION not in prompt.text
    assert MASSAGE_OK not in prompt.text


async def test_chest_pain_at_the_check_in_gets_the_emergency_guidance_and_holds_the_plan(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_warning_question_on_day_3(bot, clock, "Berlin / Paris")

    await user.press(texts.CHEST_WARNING)

    reply = last_text(bot.api, user.chat_id)
    guidance = flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="112")
    assert reply == f"{guidance}\n\n{advice.HOLD_STARTED}"
    assert "Call the emergency number now" in reply
    assert "\n\n<b>112</b>\n\n" in reply  # the number on a line of its own
    assert WALK_FLAT not in reply
    await assert_stage_held(bot, clock, user, "chest")


async def test_a_swollen_warm_or_red_leg_gets_same_day_advice_and_holds_the_plan(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_warning_question_on_day_3(bot, clock, "Berlin / Paris")

    await user.press(texts.CLOT_WARNING)

    reply = last_text(bot.api, user.chat_id)
    assert reply == f"{advice.RED_FLAG.format(number='112')}\n\n{advice.HOLD_STARTED}"
    assert "get seen by a doctor today" in reply
    assert "blood clot" in reply
    assert "\n\n<b>112</b>\n\n" in reply
    assert WALK_FLAT not in reply
    await assert_stage_held(bot, clock, user, "clot")


async def test_dark_urine_at_the_check_in_is_an_emergency_with_the_number(
    bot: Bot, clock: FakeClock
) -> None:
    """As in the SOS flow: dark urine after a cramp can be muscle breakdown, so call now."""
    user = await at_warning_question_on_day_3(bot, clock, "New York")

    await user.press(texts.URINE_WARNING)

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("🚨 <b>Call the emergency number now:</b>\n\n<b>911</b>\n\n")
    assert "muscle breakdown" in reply
    assert "doctor today" not in reply
    assert advice.HOLD_STARTED in reply
    assert WALK_FLAT not in reply
    await assert_stage_held(bot, clock, user, "urine")


async def test_a_pop_or_new_bruising_gets_a_same_day_check_for_a_tear(
    bot: Bot, clock: FakeClock
) -> None:
    user = await at_warning_question_on_day_3(bot, clock, "Berlin / Paris")

    await user.press(texts.TEAR_WARNING)

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("⚠️ <b>Please get the leg checked today.</b>")
    assert "torn muscle or tendon" in reply
    assert advice.HOLD_STARTED in reply
    await assert_stage_held(bot, clock, user, "tear")


async def test_a_yes_from_the_old_warning_question_asks_which_sign_it_was(
    bot: Bot, clock: FakeClock
) -> None:
    """A question sent before each sign had its row ended on "Yes, one of the others": that
    press still reaches the bot, which asks which sign, and records nothing yet."""
    user = await at_warning_question_on_day_3(bot, clock, "Berlin / Paris")
    checkin = (await checkins_of(bot, user))[-1]

    await user.press_data(f"ci:{checkin.id}:warn:yes")

    question = bot.api.last_bot_message(user.chat_id)
    assert question.text.startswith(texts.WHICH_WARNING)
    assert question.button_labels == WARNING_LABELS
    assert (await checkins_of(bot, user))[-1].answered_at is None
    assert not (await plan_of(bot, user)).held
    await user.press(texts.CLOT_WARNING)
    assert (await plan_of(bot, user)).held_for == "clot"


# --- Severe pain -----------------------------------------------------------------------------


async def test_pain_8_gets_medical_advice_and_holds_the_plan(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)

    reply = await checkin_reply(bot, clock, user, 8)  # day 1

    severe = advice.SEVERE_PAIN.format(number="112")
    assert reply == f"{severe}\n\n{advice.HOLD_STARTED}"
    assert severe.endswith("\n\n<b>112</b>")  # the number on a line of its own
    assert (await checkins_of(bot, user))[-1].decision == "step_back"
    plan = await plan_of(bot, user)
    assert (plan.held, plan.held_for) == (True, "pain")


async def test_pain_7_on_day_5_steps_back_without_medical_advice(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    for _ in range(4):  # days 1 to 4, a steady 6
        reply = await checkin_reply(bot, clock, user, 6)
        assert SEVERE_PAIN_HEADLINE not in reply

    reply = await checkin_reply(bot, clock, user, 7)  # day 5, up by one

    assert (await checkins_of(bot, user))[-1].day == 5
    assert reply.startswith("<b>Let's ease off.</b>")
    assert advice.STEP_BACK_REASONS[rules.Reason.PAIN_HIGH] in reply
    assert SEVERE_PAIN_HEADLINE not in reply


async def test_pain_6_on_day_2_after_4_the_day_before_gets_medical_advice(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    day1 = await checkin_reply(bot, clock, user, 4)

    day2 = await checkin_reply(bot, clock, user, 6)

    assert SEVERE_PAIN_HEADLINE not in day1
    assert (await checkins_of(bot, user))[-1].day == 2
    assert day2.startswith(advice.SEVERE_PAIN.format(number="112"))
    assert advice.HOLD_STARTED in day2  # get seen first: the plan waits for a doctor
    assert MASSAGE_OK not in day2
    assert (await checkins_of(bot, user))[-1].decision == "step_back"  # up by two
    assert (await plan_of(bot, user)).held_for == "pain"


# --- The athlete's emergency number ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "number"),
    [("New York", "911"), ("Berlin / Paris", "112"), ("London", "999")],
)
async def test_a_red_flag_at_the_check_in_gives_the_number_of_the_plans_zone(
    bot: Bot, clock: FakeClock, zone: str, number: str
) -> None:
    user = await at_warning_question_on_day_3(bot, clock, zone)

    await user.press(texts.CLOT_WARNING)

    assert last_text(bot.api, user.chat_id).startswith(advice.RED_FLAG.format(number=number))
    await user.send("/settings")
    assert f"Emergency number: <b>{number}</b>" in last_text(bot.api, user.chat_id)


async def test_a_number_typed_in_settings_wins_over_the_plans_zone(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user, "08:00", "New York")
    await user.send("/settings")
    assert "Emergency number: <b>911</b>" in last_text(bot.api, user.chat_id)
    await user.press(texts.CHANGE_NUMBER)
    assert last_text(bot.api, user.chat_id) == texts.ASK_EMERGENCY_NUMBER

    await user.send("999")

    assert last_text(bot.api, user.chat_id) == texts.EMERGENCY_NUMBER_SAVED.format(number="999")
    reply = await checkin_reply(bot, clock, user, 2, warning="chest")
    assert reply.startswith(flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="999"))
    assert "911" not in reply


# --- /progress and the athlete's pattern -----------------------------------------------------


async def test_progress_shows_the_pattern_once_two_exercise_cramps_share_a_factor(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await ease_a_cramp_answering(user, activity="running", hot=True)
    clock.advance(hours=3)
    await ease_a_cramp_answering(user, activity="cycling", hot=True)
    await set_up_offered_plan(user)  # the plan of the second cramp
    await checkin_reply(bot, clock, user, 2)

    await user.send("/progress")

    text, photo = bot.api.bot_messages(user.chat_id)[-2:]
    assert photo.photo
    assert text.text.endswith("\n\n📊 2 of your 2 cramps came on hot days.")
    assert text.text.startswith("<b>Your recovery so far</b> (day 1, stage: Rest and ice)")


async def test_progress_shows_no_pattern_when_the_cramps_share_no_factor(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await ease_a_cramp_answering(user, activity="running", time_into="lt30", hot=True)
    clock.advance(hours=3)
    await ease_a_cramp_answering(user, activity="cycling", time_into="lt30", hot=False)
    await set_up_offered_plan(user)
    await checkin_reply(bot, clock, user, 2)

    await user.send("/progress")

    text, _photo = bot.api.bot_messages(user.chat_id)[-2:]
    assert text.text.startswith("<b>Your recovery so far</b>")
    assert "📊" not in text.text
