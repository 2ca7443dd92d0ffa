"""A plan on hold after a warning sign (issue 15), through the real Application.

A warning sign at a check-in, pain out of proportion to a cramp, or an SOS episode that ended
with "see a doctor" holds the plan: /today, the reminders and the next check-ins say rest and
get seen (no massage, stretching or exercise step) and ask whether a doctor has cleared the
athlete. Only "cleared" lifts the hold, and the plan goes on from the stage it was on. The
check-in on the cramp's own day speaks of today, not of yesterday.

The clock starts on Saturday 20 March 2027, 17:00 UTC (18:00 in Berlin): Sunday's check-in is
day 1, Monday's day 2, Tuesday's day 3.
"""

from __future__ import annotations

from datetime import timedelta

from bot.devtools.local_api import ChatMessage, LocalUser
from conversations.plan.views import DOCTOR_BUTTONS
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.texts import sos as sos_texts
from conversations.texts import team as team_texts
from rules import recovery as rules
from rules.recovery import Stage
from rules.red_flags import RedFlag
from tests.conftest import Bot, FakeClock
from tests.helpers import press_flag
from tests.plan_helpers import (
    ASK_YESTERDAY,
    BERLIN,
    PAIN_QUESTION,
    answer_checkin,
    checkins_of,
    deliver_next_checkin,
    last_text,
    local,
    new_messages,
    plan_of,
    set_up_offered_plan,
    start_plan,
    tick_at,
)
from tests.team_helpers import ATHLETE, COACH, alerts_to, join, make_team, private

MASSAGE_OK = advice.DAY_PLAN_ITEMS[rules.Advice.MASSAGE_OK]
MASSAGE_STAGE = advice.STAGE_INSTRUCTIONS[Stage.MASSAGE]
WALK_FLAT = advice.STAGE_INSTRUCTIONS[Stage.WALK_FLAT]
DOCTOR_LABELS = [texts.DOCTOR_CLEARED, texts.DOCTOR_NOT_YET]


def assert_held_advice(text: str) -> None:
    """Rest and get seen: no massage, no exercise step, and the doctor question."""
    assert advice.for_muscle(advice.DAY_PLAN_ITEMS[rules.Advice.HOLD], "calf") in text
    assert texts.ASK_DOCTOR in text
    for line in (MASSAGE_OK, MASSAGE_STAGE, WALK_FLAT, "Today's exercise step"):
        assert line not in text
    assert PAIN_QUESTION not in text


async def clot_on_day_2(bot: Bot, clock: FakeClock) -> LocalUser:
    """Day 1 comfortable (14 hours: still rest); at day 2's check-in, when the athlete would
    move on to massage, a swollen, warm or red leg."""
    user = bot.user()
    await start_plan(user)
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 1)
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 1, warning="clot")
    return user


async def held_checkin(bot: Bot, clock: FakeClock, user: LocalUser, day: int) -> ChatMessage:
    plan = await plan_of(bot, user)
    assert plan.next_checkin_at is not None
    report = await tick_at(bot, clock, plan.next_checkin_at)
    assert report.checkins_sent == 1
    prompt = bot.api.last_bot_message(user.chat_id)
    assert prompt.text.startswith(f"<b>Day {day} check-in</b> · {advice.ON_HOLD}")
    assert_held_advice(prompt.text)
    assert prompt.button_labels == DOCTOR_LABELS
    return prompt


async def test_a_clot_at_the_check_in_holds_the_plan_until_a_doctor_has_cleared_the_athlete(
    bot: Bot, clock: FakeClock
) -> None:
    user = await clot_on_day_2(bot, clock)
    assert last_text(bot.api, user.chat_id).endswith(advice.HOLD_STARTED)
    plan = await plan_of(bot, user)
    assert (plan.held, plan.held_for, plan.stage) == (True, "clot", Stage.REST)

    # The same day, /today says rest and get seen: no massage (day 2 would allow it).
    await user.send("/today")
    today = bot.api.last_bot_message(user.chat_id)
    assert today.text.startswith(f"<b>Day 2: {advice.ON_HOLD}</b>")
    assert_held_advice(today.text)
    assert today.button_labels == DOCTOR_LABELS

    # Day 3: the check-in asks the doctor question, not the pain and not walking.
    await held_checkin(bot, clock, user, 3)
    # A typed pain score is not taken while on hold: the doctor question again.
    await user.send("1")
    again = bot.api.last_bot_message(user.chat_id)
    assert again.text.startswith(texts.ANSWER_WITH_BUTTONS)
    assert again.button_labels == DOCTOR_LABELS
    assert (await checkins_of(bot, user))[-1].pain is None
    # The reminder asks the same.
    report = await tick_at(bot, clock, clock.now + timedelta(hours=3))
    assert report.reminders_sent == 1
    reminder = bot.api.last_bot_message(user.chat_id)
    assert reminder.text.startswith(texts.REMINDER)
    assert_held_advice(reminder.text)

    await user.press(texts.DOCTOR_CLEARED)

    # The hold is lifted and the check-in goes on with its usual questions.
    cleared = bot.api.last_bot_message(user.chat_id)
    assert cleared.text.startswith(advice.CLEARED.format(stage="Rest and ice"))
    assert PAIN_QUESTION in cleared.text
    assert (await plan_of(bot, user)).held is False
    await answer_checkin(user, 1)
    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Great progress!</b>")
    assert MASSAGE_OK in reply
    row = (await checkins_of(bot, user))[-1]
    assert (row.day, row.stage_before, row.stage_after) == (3, Stage.REST, Stage.MASSAGE)


async def test_not_yet_repeats_the_hold_with_the_number_and_held_days_do_not_advance(
    bot: Bot, clock: FakeClock
) -> None:
    user = await clot_on_day_2(bot, clock)
    await held_checkin(bot, clock, user, 3)

    await user.press(texts.DOCTOR_NOT_YET)

    not_yet = bot.api.last_bot_message(user.chat_id)
    assert not_yet.text == advice.NOT_SEEN_YET.format(number="112")
    assert "\n\n<b>112</b>\n\n" in not_yet.text  # the number on a line of its own
    assert not_yet.button_labels == [texts.DOCTOR_CLEARED]
    row = (await checkins_of(bot, user))[-1]
    assert (row.decision, row.pain, row.stage_after) == ("held", None, Stage.REST)
    assert row.answered_at is not None  # answered: not counted as a missed check-in
    plan = await plan_of(bot, user)
    assert (plan.held, plan.stage, plan.unanswered_days) == (True, Stage.REST, 0)
    await user.send("/progress")
    assert "Day 3: on hold, waiting for a doctor" in "\n".join(
        m.text for m in bot.api.bot_messages(user.chat_id)[-2:]
    )

    # Day 4: on hold still. Cleared at last, from the button under "Not yet".
    await held_checkin(bot, clock, user, 4)
    data = DOCTOR_BUTTONS.data(plan.id, "cleared")
    await user.press_data(data)
    assert PAIN_QUESTION in last_text(bot.api, user.chat_id)
    await answer_checkin(user, 1)

    # One step up from where the hold found the athlete: the held days moved nothing.
    row = (await checkins_of(bot, user))[-1]
    assert (row.day, row.stage_before, row.stage_after) == (4, Stage.REST, Stage.MASSAGE)
    # The hold's buttons are done with: a second "cleared" changes nothing.
    sent = len(bot.api.bot_messages(user.chat_id))
    await user.press_data(data)
    assert len(bot.api.bot_messages(user.chat_id)) == sent


async def test_pain_out_of_proportion_holds_the_plan_and_alerts_the_coaches(
    bot: Bot, clock: FakeClock
) -> None:
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ava")
    await start_plan(athlete)
    await join(bot, athlete, made, "details")
    await deliver_next_checkin(bot, clock, athlete)
    await answer_checkin(athlete, 4)  # day 1
    await deliver_next_checkin(bot, clock, athlete)

    await answer_checkin(athlete, 6)  # day 2: up from 4 to 6 in the first days

    reply = last_text(bot.api, athlete.chat_id)
    assert reply == f"{advice.SEVERE_PAIN.format(number='112')}\n\n{advice.HOLD_STARTED}"
    plan = await plan_of(bot, athlete)
    assert (plan.held, plan.held_for) == (True, "pain")
    # Pain 6 is below the coaches' high-pain alert: the hold itself is what they hear of.
    why = ": " + team_texts.REASONS["red_flag"]
    expected = team_texts.ALERT.format(name="Ava", team=made.team.name, why=why)
    assert alerts_to(bot.api, COACH) == [expected]
    await athlete.send("/today")
    assert_held_advice(last_text(bot.api, athlete.chat_id))


async def test_a_plan_after_a_sign_of_another_cause_starts_on_hold(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await press_flag(user, RedFlag.OTHER_CAUSE)  # see a doctor soon; relief goes on
    await user.press(sos_texts.MUSCLE_LABELS["calf"])
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.SKIP_ALL)
    before = len(bot.api.bot_messages(user.chat_id))

    await set_up_offered_plan(user)

    plan = await plan_of(bot, user)
    assert (plan.held, plan.held_for, plan.stage) == (True, "sos_cause", Stage.REST)
    started = new_messages(bot.api, user.chat_id, before)[-1].text
    assert f"<b>Day 0: {advice.ON_HOLD}</b>" in started
    assert "Today's exercise step" not in started
    # Its first check-in asks the doctor question first.
    await held_checkin(bot, clock, user, 1)


async def test_a_plan_after_a_cramp_of_ten_minutes_starts_on_hold(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_CALF)
    clock.advance(minutes=10)
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)
    assert sos_texts.EASED_AFTER_LONG in "\n".join(
        m.text for m in bot.api.bot_messages(user.chat_id)
    )
    await user.press(sos_texts.SKIP_ALL)

    await set_up_offered_plan(user)

    plan = await plan_of(bot, user)
    assert (plan.held, plan.held_for) == (True, "sos_long")
    await held_checkin(bot, clock, user, 1)


async def test_a_plan_after_an_ordinary_cramp_is_not_on_hold(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)
    assert (await plan_of(bot, user)).held is False
    prompt = await deliver_next_checkin(bot, clock, user)
    assert texts.ASK_DOCTOR not in prompt.text


# --- The check-in on the cramp's own day -----------------------------------------------------


async def test_a_check_in_on_the_day_of_the_cramp_speaks_of_today(
    bot: Bot, clock: FakeClock
) -> None:
    """A cramp at 07:00 on Saturday and a check-in at 20:00 the same evening: day 0."""
    clock.now = local(2027, 3, 20, 7, 0, BERLIN)
    user = bot.user()
    await start_plan(user, "20:00")
    before = len(bot.api.bot_messages(user.chat_id))
    await deliver_next_checkin(bot, clock, user)

    await user.press("2")
    question = bot.api.last_bot_message(user.chat_id)
    await user.press(texts.NO_WARNING)

    checkin = [m.text for m in new_messages(bot.api, user.chat_id, before)]
    assert ASK_YESTERDAY not in "\n".join(checkin)
    assert all("yesterday" not in text.lower() for text in checkin), checkin
    assert "since the cramp" in question.text
    reply = checkin[-1]
    assert "give the same step a go" not in reply
    assert "Today is the day of the cramp" in reply
    assert advice.WAITING_FOR[Stage.MASSAGE] in reply
    row = (await checkins_of(bot, user))[-1]
    assert (row.day, row.yesterday, row.decision, row.stage_after) == (0, None, "hold", 0)
