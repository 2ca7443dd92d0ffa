"""The prevention programme after recovery, through the real Application and the fake Bot API.

The clock starts on Saturday 20 March 2027, 18:00 in Berlin (the cramp and the plan's set-up);
the plan's day 14 is Saturday 3 April, its check-in at 08:00 finishes it and brings the offer.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from bot.devtools.local_api import LocalUser
from bot.scheduler import tick
from conversations.prevention.flow import session_slot
from conversations.replies import sos_text
from conversations.texts import common
from conversations.texts import heat as heat_texts
from conversations.texts import prevention as texts
from conversations.texts import sos as sos_texts
from rules.red_flags import RedFlag
from storage import prevention
from storage.prevention import ProgrammeStatus
from tests.conftest import Bot, FakeClock
from tests.helpers import press_flag
from tests.plan_helpers import (
    answer_checkin,
    db_of,
    deliver_next_checkin,
    ease_a_cramp,
    ease_a_cramp_answering,
    last_text,
    new_messages,
    plan_of,
    set_up_offered_plan,
    start_plan,
)

SESSION_HEAD = "<b>Strength session: level"


async def finish_the_plan(bot: Bot, clock: FakeClock, user: LocalUser) -> None:
    """Days 1 to 14, each check-in comfortable with pain 1: the plan ends on day 14."""
    await start_plan(user)
    for _ in range(14):
        await deliver_next_checkin(bot, clock, user)
        await answer_checkin(user, 1, "comfortable")


async def set_up_programme(user: LocalUser, days: tuple[str, ...] = ("Mon", "Thu")) -> None:
    """Press the newest offer, pick the days, then 18:00."""
    await user.press(texts.OFFER_BUTTON)
    for day in days:
        await user.press(day)
    await user.press(texts.DAYS_DONE_BUTTON)
    await user.press("18:00")


async def programme(bot: Bot, user: LocalUser) -> prevention.Programme:
    found = await prevention.programme_of(db_of(bot), user.user_id)
    assert found is not None
    return found


def sessions_sent(bot: Bot, user: LocalUser) -> list[Any]:
    return [m for m in bot.api.bot_messages(user.chat_id) if m.text.startswith(SESSION_HEAD)]


async def tick_hours(bot: Bot, clock: FakeClock, hours: int) -> None:
    for _ in range(hours):
        clock.advance(hours=1)
        await tick(bot.application)


# --- The offer -------------------------------------------------------------------------------


async def test_the_offer_comes_at_the_end_of_the_plan_and_never_before_day_14(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    for _ in range(5):
        await deliver_next_checkin(bot, clock, user)
        await answer_checkin(user, 1, "comfortable")
    # Day 5: /prevent says why not yet, with the general facts, and offers nothing.
    await user.send("/prevent")
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith("<b>The strength programme starts from Saturday 3 April.</b>")
    assert sos_texts.PREVENT in reply.text
    assert texts.OFFER_BUTTON not in reply.button_labels
    all_labels = [label for m in bot.api.bot_messages(user.chat_id) for label in m.button_labels]
    assert texts.OFFER_BUTTON not in all_labels
    for _ in range(9):
        await deliver_next_checkin(bot, clock, user)
        await answer_checkin(user, 1, "comfortable")
    assert (await plan_of(bot, user)).status == "ended"
    offer = bot.api.last_bot_message(user.chat_id)
    assert offer.text.startswith("<b>You've completed the plan. Well done!</b>")
    assert offer.text.endswith(texts.FINISHED_OFFER)
    assert offer.button_labels == [texts.OFFER_BUTTON]
    # /prevent after it: the advice (strength first, no pattern) and the offer.
    await user.send("/prevent")
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.index(texts.ADVICE["strength"]) < reply.text.index(texts.ADVICE["heat"])
    assert texts.NOT_SALT in reply.text and texts.OFFER in reply.text
    assert texts.OFFER_BUTTON in reply.button_labels


# --- Four weeks of sessions ------------------------------------------------------------------


async def test_four_weeks_of_sessions_move_up_and_step_back_as_reported(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)  # Saturday 3 April, 08:00 in Berlin
    await set_up_programme(user)
    started = last_text(bot.api, user.chat_id)
    assert started.startswith("<b>You're set:</b> Monday and Thursday at 18:00.")
    assert "First session: Monday 18:00" in started
    answers = ["done", "done", "done", "too_hard", "done", "done", "pain", "done"]
    levels = []
    replies = []
    for answer in answers:
        before = len(sessions_sent(bot, user))
        while len(sessions_sent(bot, user)) == before:
            await tick_hours(bot, clock, 1)
        session = sessions_sent(bot, user)[-1]
        local = clock.now.astimezone(session_zone())
        assert local.strftime("%a %H:%M") in {"Mon 18:00", "Thu 18:00"}, local
        assert session.button_labels == list(texts.SESSION_LABELS.values())
        levels.append(int(session.text.split("level ")[1].split(" ")[0]))
        await user.press(texts.SESSION_LABELS[answer])
        replies.append(last_text(bot.api, user.chat_id))
    assert levels == [1, 1, 2, 2, 2, 2, 3, 2]
    assert replies == [
        texts.KEEP_GOING,
        texts.MOVED_UP.format(level=2),
        texts.KEEP_GOING,
        texts.HOLD_LEVEL,
        texts.KEEP_GOING,
        texts.MOVED_UP.format(level=3),
        texts.STEPPED_BACK_PAIN.format(level=2),
        texts.KEEP_GOING,
    ]
    assert (await programme(bot, user)).level == 2
    # Four weeks: eight sessions, one per chosen day, none twice.
    sessions = await prevention.sessions_of(db_of(bot), user.user_id)
    assert len(sessions) == 8 == len({s.due_date for s in sessions})
    # An answered session's buttons answer "already done".
    await user.press(texts.SESSION_LABELS["done"])
    assert last_text(bot.api, user.chat_id) == texts.KEEP_GOING


def session_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


async def test_a_skip_changes_nothing_and_a_restart_sends_no_session_twice(
    start_bot: Any, clock: FakeClock
) -> None:
    bot: Bot = await start_bot()
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    first_at = (await programme(bot, user)).next_session_at
    assert first_at is not None
    clock.now = first_at
    await tick(bot.application)
    assert len(sessions_sent(bot, user)) == 1
    # A restart on the same database, ticking again at the same instant and after it.
    again: Bot = await start_bot(api=bot.api)
    await tick(again.application)
    clock.advance(hours=2)
    await tick(again.application)
    assert len(sessions_sent(again, user)) == 1
    await user.press(texts.SESSION_LABELS["skipped"])
    assert last_text(again.api, user.chat_id) == texts.SKIPPED
    assert (await programme(again, user)).level == 1


# --- A new cramp -----------------------------------------------------------------------------


async def test_a_new_cramp_pauses_the_programme_and_starts_a_recovery_plan(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    await tick_hours(bot, clock, 24 * 3)  # Tuesday: Monday's session came
    assert len(sessions_sent(bot, user)) == 1
    before = len(bot.api.bot_messages(user.chat_id))
    await ease_a_cramp(user)
    replies = [m.text for m in new_messages(bot.api, user.chat_id, before)]
    assert texts.PAUSED_BY_CRAMP in replies
    paused = await programme(bot, user)
    assert (paused.status, paused.next_session_at) == (ProgrammeStatus.PAUSED, None)
    await set_up_offered_plan(user)
    plan = await plan_of(bot, user)
    assert plan.status == "active" and plan.cramp_at == clock.now
    # No session while paused; /prevent says not yet.
    await tick_hours(bot, clock, 24 * 7)
    assert len(sessions_sent(bot, user)) == 1
    await user.send("/prevent")
    assert last_text(bot.api, user.chat_id).startswith("<b>The strength programme starts from")
    # After the new plan's day 14: /prevent offers to resume it.
    clock.advance(days=8)
    await user.send("/prevent")
    reply = bot.api.last_bot_message(user.chat_id)
    assert texts.STATE_PAUSED in reply.text
    assert texts.RESUME_BUTTON in reply.button_labels
    await user.press(texts.RESUME_BUTTON)
    assert last_text(bot.api, user.chat_id).startswith(
        "<b>You're set:</b> Monday and Thursday at 18:00."
    )
    assert (await programme(bot, user)).status is ProgrammeStatus.ACTIVE


async def test_a_cramp_ending_in_a_warning_sign_pauses_the_programme_silently(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    await user.send("/cramp")
    await press_flag(user, RedFlag.CHEST_PAIN_BREATHLESS)
    # The emergency advice is the last word, not the programme's news.
    assert last_text(bot.api, user.chat_id).startswith("🚨")
    assert (await programme(bot, user)).status is ProgrammeStatus.PAUSED
    await tick_hours(bot, clock, 24 * 7)
    assert sessions_sent(bot, user) == []


# --- Advice fitted to the athlete's pattern --------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "lead"),
    [
        ({"hot": True}, "heat"),
        ({"hot": False, "clothing": True}, "clothing"),
        ({"hot": False, "time_into": "60-120"}, "strength"),
    ],
    ids=["hot", "clothing", "late"],
)
async def test_the_athletes_own_pattern_leads_the_advice(
    bot: Bot, clock: FakeClock, answers: dict[str, Any], lead: str
) -> None:
    user = bot.user()
    kwargs = {"time_into": "lt30", **answers}
    await ease_a_cramp_answering(user, **kwargs)
    clock.advance(days=1)
    await ease_a_cramp_answering(user, **kwargs)
    clock.advance(days=15)
    await user.send("/prevent")
    reply = bot.api.last_bot_message(user.chat_id)
    positions = {key: reply.text.index(advice) for key, advice in texts.ADVICE.items()}
    assert min(positions, key=positions.__getitem__) == lead
    assert texts.YOUR_PATTERN_FIRST in reply.text
    assert "electrolyte" not in reply.text.lower().replace(texts.NOT_SALT.lower(), "")
    assert (heat_texts.TURN_ON in reply.button_labels) == (lead == "heat")
    if lead == "heat":
        await user.press(heat_texts.TURN_ON)
        assert last_text(bot.api, user.chat_id) == heat_texts.INTRO


# --- Bad input and /cancel ---------------------------------------------------------------------


async def test_bad_input_at_each_set_up_step_gets_a_kind_reply_and_the_buttons(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await user.press(texts.OFFER_BUTTON)
    await user.send("hello")
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text == f"{texts.USE_THE_BUTTONS}\n\n{texts.ASK_DAYS}"
    assert reply.button_labels == [*texts.DAY_LABELS, texts.DAYS_DONE_BUTTON]
    await user.send_sticker()
    assert last_text(bot.api, user.chat_id) == f"{texts.USE_THE_BUTTONS}\n\n{texts.ASK_DAYS}"
    await user.press("Mon")
    await user.press(texts.DAYS_DONE_BUTTON)
    assert last_text(bot.api, user.chat_id).startswith(texts.PICK_MORE_DAYS)
    for day in ("Tue", "Wed", "Fri"):
        await user.press(day)
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.AT_MOST_THREE)
    assert reply.button_labels[:5] == ["✅ Mon", "✅ Tue", "✅ Wed", "Thu", "Fri"]
    await user.press(texts.DAYS_DONE_BUTTON)
    assert last_text(bot.api, user.chat_id) == texts.ASK_TIME
    await user.send("whenever")
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text == f"{texts.USE_THE_BUTTONS}\n\n{texts.ASK_TIME}"
    assert "18:00" in reply.button_labels
    await user.send("7pm")  # a typed time is taken
    assert last_text(bot.api, user.chat_id).startswith(
        "<b>You're set:</b> Monday, Tuesday and Wednesday at 19:00."
    )
    # The days' old buttons are expired now.
    await user.press("Thu")
    assert (await programme(bot, user)).weekdays == "0,1,2"


async def test_cancel_leaves_the_set_up_and_stop_stops_it(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await user.press(texts.OFFER_BUTTON)
    await user.press("Mon")
    await user.send("/cancel")
    assert last_text(bot.api, user.chat_id) == sos_text(common.CANCELLED)
    assert (await programme(bot, user)).status is ProgrammeStatus.STOPPED
    await user.send("hello")
    assert last_text(bot.api, user.chat_id) != f"{texts.USE_THE_BUTTONS}\n\n{texts.ASK_DAYS}"
    await user.send("/prevent")
    await set_up_programme(user)
    await user.send("/prevent")
    reply = bot.api.last_bot_message(user.chat_id)
    assert "<b>Your programme</b>: level 1 of 6, Monday and Thursday at 18:00." in reply.text
    await user.press(texts.STOP_BUTTON)
    assert last_text(bot.api, user.chat_id) == texts.STOPPED
    stopped = await programme(bot, user)
    assert (stopped.status, stopped.next_session_at) == (ProgrammeStatus.STOPPED, None)
    await tick_hours(bot, clock, 24 * 8)
    assert sessions_sent(bot, user) == []


async def test_delete_removes_the_programme(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    await tick_hours(bot, clock, 24 * 3)
    assert await prevention.sessions_of(db_of(bot), user.user_id)
    await user.send("/delete")
    await user.press(find_delete_label(bot, user))
    assert await prevention.programme_of(db_of(bot), user.user_id) is None
    assert await prevention.sessions_of(db_of(bot), user.user_id) == []


def find_delete_label(bot: Bot, user: LocalUser) -> str:
    labels = bot.api.last_bot_message(user.chat_id).button_labels
    return next(label for label in labels if "elete" in label)


# --- Change days, old buttons, a crash between a claim and its send ---------------------------


async def test_change_days_reschedules_and_cancel_keeps_the_days_it_had(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    await user.send("/prevent")
    await user.press(texts.CHANGE_DAYS_BUTTON)
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text == texts.ASK_DAYS
    assert reply.button_labels[:4] == ["✅ Mon", "Tue", "Wed", "✅ Thu"]
    # While the days are being changed, no session is claimed.
    await tick_hours(bot, clock, 24 * 3)  # past Monday 18:00
    assert sessions_sent(bot, user) == []
    await user.send("/cancel")
    kept = await programme(bot, user)
    assert (kept.status, kept.editing, kept.weekdays) == (ProgrammeStatus.ACTIVE, None, "0,3")
    assert kept.next_session_at is not None and kept.next_session_at > clock.now
    # Change them for real: Tuesday and Saturday at 07:00.
    await user.send("/prevent")
    await user.press(texts.CHANGE_DAYS_BUTTON)
    for day in ("Mon", "Thu", "Tue", "Sat"):
        await user.press(day if day in ("Tue", "Sat") else f"{texts.CHOSEN_MARK}{day}")
    await user.press(texts.DAYS_DONE_BUTTON)
    await user.press("07:00")
    assert last_text(bot.api, user.chat_id).startswith(
        "<b>You're set:</b> Tuesday and Saturday at 07:00."
    )
    await tick_hours(bot, clock, 24 * 7)
    assert len(sessions_sent(bot, user)) == 2
    sessions = await prevention.sessions_of(db_of(bot), user.user_id)
    assert {s.due_date.weekday() for s in sessions} == {1, 5}  # Tuesday and Saturday


async def test_an_older_sessions_buttons_expire_when_the_next_one_comes(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    await tick_hours(bot, clock, 24 * 6)  # Monday's and Thursday's sessions, unanswered
    first, second = sessions_sent(bot, user)
    stale = next(
        b["callback_data"]
        for b in first.inline_buttons
        if b["text"] == texts.SESSION_LABELS["done"]
    )
    await user.press_data(stale, first)
    assert (await prevention.sessions_of(db_of(bot), user.user_id))[0].answer is None
    # Someone else pressing the current one changes nothing either.
    other = bot.user(2002)
    current = next(
        b["callback_data"]
        for b in second.inline_buttons
        if b["text"] == texts.SESSION_LABELS["done"]
    )
    await other.press_data(current, second)
    assert (await prevention.sessions_of(db_of(bot), user.user_id))[1].answer is None
    await user.press(texts.SESSION_LABELS["done"])
    assert last_text(bot.api, user.chat_id) == texts.KEEP_GOING


async def test_a_session_claimed_before_a_crash_is_sent_once_after_it(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await finish_the_plan(bot, clock, user)
    await set_up_programme(user)
    due = (await programme(bot, user)).next_session_at
    assert due is not None
    clock.now = due
    # The claim committed, then the process died before the session's unit ran.
    claimed = await prevention.claim_due_sessions(
        db_of(bot), clock.now, 10, partial(session_slot, now=clock.now)
    )
    assert len(claimed) == 1
    await tick(bot.application)
    assert sessions_sent(bot, user) == []  # not found again before the lease is over
    await tick_hours(bot, clock, 1)
    await tick_hours(bot, clock, 1)
    assert len(sessions_sent(bot, user)) == 1
    assert len(await prevention.sessions_of(db_of(bot), user.user_id)) == 1
