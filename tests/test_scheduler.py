"""Scheduling that loses nothing and sends nothing twice.

The scheduler is not running: each test moves the clock and calls ``tick`` by hand, so a
"restart", "two days of downtime" or "a crash between claim and send" is a few lines here.
The documented window for a duplicate (the bot dies after Telegram accepted a check-in but
before ``sent_at`` is committed) cannot be hit from here: a failed send is the nearest case,
and it is retried once after the claim lease.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.devtools.local_api import Fault, LocalUser
from bot.scheduler import tick
from conversations.texts import plan as texts
from storage import plans
from tests.conftest import Bot, FakeClock
from tests.helpers import SEND_ATTEMPTS, wait_for
from tests.plan_helpers import (
    ASK_PAIN,
    BERLIN,
    CHECKIN_LABELS,
    answer_checkin,
    blocked_at,
    checkin_prompts,
    checkins_of,
    db_of,
    deliver_next_checkin,
    last_text,
    local,
    new_messages,
    plan_of,
    run_until,
    seed_active_plans,
    send_calls_to,
    start_plan,
    tick_at,
)

# The cramp is on Saturday 20 March, 18:00 in Berlin: that Saturday is day 0 of the plan
# (calendar days on the athlete's clock), so Sunday is day 1, Monday day 2, and so on.
SUNDAY_0800 = local(2027, 3, 21, 8, 0, BERLIN)  # the first check-in (day 1): 07:00 UTC
MONDAY_0800 = local(2027, 3, 22, 8, 0, BERLIN)
TUESDAY_0800 = local(2027, 3, 23, 8, 0, BERLIN)


async def started(bot: Bot, user_id: int = 1001) -> LocalUser:
    user = bot.user(user_id)
    await start_plan(user)
    return user


# --- Due check-ins, exactly once -------------------------------------------------------------


async def test_nothing_is_sent_before_the_check_in_time(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)

    reports = await run_until(bot, clock, SUNDAY_0800 - timedelta(minutes=1), step_hours=0.5)

    assert all(r.checkins_sent == 0 for r in reports)
    assert checkin_prompts(bot.api, user.chat_id) == []


async def test_the_check_in_is_sent_at_its_instant_with_pain_and_snooze_buttons(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)

    report = await tick_at(bot, clock, SUNDAY_0800)

    assert (report.checkins_sent, report.paused, report.reminders_sent, report.retried) == (
        1,
        0,
        0,
        0,
    )
    prompt = bot.api.last_bot_message(user.chat_id)
    # The morning after a Saturday-evening cramp is day 1, still resting: 14 hours < 24.
    assert prompt.text.startswith("<b>Day 1 check-in</b> · Rest and ice")
    assert ASK_PAIN in prompt.text
    assert prompt.button_labels == CHECKIN_LABELS
    [row] = await checkins_of(bot, user)
    assert (row.local_date, row.day, row.sent_at, row.claimed_at) == (
        date(2027, 3, 21),
        1,
        SUNDAY_0800,
        SUNDAY_0800,
    )
    assert (await plan_of(bot, user)).next_checkin_at == MONDAY_0800


async def test_ticking_twice_at_the_same_instant_sends_nothing_the_second_time(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    await tick_at(bot, clock, SUNDAY_0800)
    calls = len(bot.api.calls)

    report = await tick(bot.application)

    assert (report.checkins_sent, report.reminders_sent, report.retried) == (0, 0, 0)
    assert len(bot.api.calls) == calls
    assert len(await checkins_of(bot, user)) == 1


async def test_two_bots_ticking_at_once_on_one_database_send_the_check_in_once(
    start_bot: Any, clock: FakeClock
) -> None:
    first: Bot = await start_bot(worker_holder="first:1:test")
    user = await started(first)
    # Another worker (PostgreSQL) or a second process on the SQLite file: either way the
    # check-in is claimed once.
    second: Bot = await start_bot(api=first.api, worker_holder="second:2:test")
    clock.now = SUNDAY_0800

    reports = await asyncio.gather(tick(first.application), tick(second.application))

    assert sorted(r.checkins_sent for r in reports) == [0, 1]
    assert len(checkin_prompts(first.api, user.chat_id)) == 1


async def test_each_plan_gets_its_own_local_0800(bot: Bot, clock: FakeClock) -> None:
    berlin, new_york = bot.user(1001), bot.user(2002)
    await start_plan(berlin, "08:00", "Berlin / Paris")
    await start_plan(new_york, "08:00", "New York")

    await run_until(bot, clock, datetime(2027, 3, 22, 0, 0, tzinfo=UTC))

    [b] = await checkins_of(bot, berlin)
    [n] = await checkins_of(bot, new_york)
    assert b.sent_at == datetime(2027, 3, 21, 7, 0, tzinfo=UTC)
    assert n.sent_at == datetime(2027, 3, 21, 12, 0, tzinfo=UTC)


# --- Restarts, downtime and crashes ----------------------------------------------------------


async def test_a_restart_mid_plan_sends_the_due_check_in_once(
    start_bot: Any, clock: FakeClock
) -> None:
    old: Bot = await start_bot()
    user = await started(old)
    await deliver_next_checkin(old, clock, user)  # Sunday
    await answer_checkin(user, 2)
    clock.now = MONDAY_0800 - timedelta(hours=3)

    new: Bot = await start_bot(api=old.api)  # the restart: same database, same chat
    again = new.user(user.user_id)
    await again.send("/today")
    assert "Next check-in: <b>Mon 22 Mar, 08:00</b>." in last_text(new.api, user.chat_id)

    first = await tick_at(new, clock, MONDAY_0800)
    second = await tick(new.application)
    stale = await tick(old.application)  # the old process, had it lived on

    assert [r.checkins_sent for r in (first, second, stale)] == [1, 0, 0]
    prompts = checkin_prompts(new.api, user.chat_id)
    assert [p.text.split("\n")[0] for p in prompts] == [
        "<b>Day 1 check-in</b> · Rest and ice",  # Sunday
        "<b>Day 2 check-in</b> · Rest and ice",  # Monday
    ]
    await answer_checkin(again, 1)
    assert (await plan_of(new, user)).stage == 1  # answered through the new process


async def test_after_two_days_down_one_catch_up_check_in_comes_for_the_latest_day(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    before = len(bot.api.bot_messages(user.chat_id))
    clock.advance(hours=50)  # Monday 22 March, 20:00 in Berlin: two check-ins were due

    report = await tick(bot.application)

    assert report.checkins_sent == 1
    [prompt] = new_messages(bot.api, user.chat_id, before)
    assert prompt.text.startswith("<b>Day 2 check-in</b>")
    [row] = await checkins_of(bot, user)
    assert row.local_date == date(2027, 3, 22)  # the latest due day, not Sunday
    assert (await plan_of(bot, user)).next_checkin_at == TUESDAY_0800
    assert (await tick(bot.application)).checkins_sent == 0
    await deliver_next_checkin(bot, clock, user)
    assert [r.local_date for r in await checkins_of(bot, user)] == [
        date(2027, 3, 22),
        date(2027, 3, 23),
    ]


async def test_after_downtime_no_reminder_comes_for_a_superseded_check_in(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    await deliver_next_checkin(bot, clock, user)  # Sunday's, never answered
    before = len(bot.api.bot_messages(user.chat_id))
    clock.advance(hours=50)  # Tuesday 10:00: down through Sunday's reminder and Monday's

    report = await tick(bot.application)

    assert (report.checkins_sent, report.reminders_sent) == (1, 0)
    [prompt] = new_messages(bot.api, user.chat_id, before)
    assert prompt.text.startswith("<b>Day 3 check-in</b>")  # Tuesday's
    assert "A gentle reminder" not in prompt.text


async def test_a_check_in_whose_send_failed_is_sent_once_when_telegram_answers_again(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    bot.api.fail(
        Fault(
            "sendMessage", 500, "Internal Server Error", chat_id=user.chat_id, times=SEND_ATTEMPTS
        )
    )

    failed = await tick_at(bot, clock, SUNDAY_0800)

    assert failed.checkins_sent == 1  # queued with its sent mark; the send was put off
    assert checkin_prompts(bot.api, user.chat_id) == []
    [row] = await checkins_of(bot, user)
    assert row.sent_at == SUNDAY_0800

    retry = await tick_at(bot, clock, SUNDAY_0800 + timedelta(minutes=1))

    assert (retry.retried, retry.checkins_sent) == (0, 0)  # nothing claimed again
    [prompt] = checkin_prompts(bot.api, user.chat_id)  # the outbox sent it, once
    assert prompt.text.startswith("<b>Day 1 check-in</b>")  # Sunday's
    for minutes in (5, 30, 120):
        report = await tick_at(bot, clock, SUNDAY_0800 + timedelta(minutes=minutes))
        assert report.retried == report.checkins_sent == 0
    assert len(checkin_prompts(bot.api, user.chat_id)) == 1


async def test_a_crash_between_claim_and_send_is_resent_once_after_a_restart(
    start_bot: Any, clock: FakeClock
) -> None:
    old: Bot = await start_bot()
    user = await started(old)
    old.api.fail(
        Fault(
            "sendMessage", 500, "Internal Server Error", chat_id=user.chat_id, times=SEND_ATTEMPTS
        )
    )
    await tick_at(old, clock, SUNDAY_0800)  # claimed and queued; the send fails

    new: Bot = await start_bot(api=old.api)  # what the outbox holds goes out at its start
    clock.now = SUNDAY_0800 + timedelta(minutes=3)
    reports = [await tick(new.application), await tick(new.application)]
    reports.append(await tick(old.application))

    assert [r.retried for r in reports] == [0, 0, 0]
    assert len(checkin_prompts(new.api, user.chat_id)) == 1
    [row] = await checkins_of(new, user)
    assert row.sent_at == SUNDAY_0800


# --- Missed days, reminders, snoozes ---------------------------------------------------------


async def test_three_unanswered_check_ins_pause_the_plan_and_ask_whether_to_carry_on(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)

    reports = await run_until(bot, clock, local(2027, 3, 24, 12, 0, BERLIN))

    assert sum(r.checkins_sent for r in reports) == 3  # Sunday, Monday, Tuesday
    assert sum(r.reminders_sent for r in reports) == 3  # one each
    assert sum(r.paused for r in reports) == 1  # Wednesday: no fourth, a question instead
    question = bot.api.last_bot_message(user.chat_id)
    assert question.text == texts.PAUSED_UNANSWERED
    assert question.button_labels == ["▶️ Carry on", "Stop the plan"]
    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at) == ("paused", None)
    assert len(await checkins_of(bot, user)) == 3
    quiet = await run_until(bot, clock, local(2027, 3, 26, 12, 0, BERLIN))
    assert all(r.checkins_sent == r.paused == r.reminders_sent == 0 for r in quiet)

    await user.press("▶️ Carry on")  # Friday 26 March, 12:00

    assert last_text(bot.api, user.chat_id) == (
        "▶️ Plan resumed. Next check-in: <b>Sat 27 Mar, 08:00</b>."
    )
    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at, plan.unanswered_days) == (
        "active",
        local(2027, 3, 27, 8, 0, BERLIN),
        0,
    )
    prompt = await deliver_next_checkin(bot, clock, user)
    assert prompt.text.startswith("<b>Day 7 check-in</b>")  # Saturday 27, a week on


async def test_stop_the_plan_after_the_unanswered_days_ends_it(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    await run_until(bot, clock, local(2027, 3, 24, 9, 0, BERLIN))

    await user.press("Stop the plan")

    assert last_text(bot.api, user.chat_id) == texts.STOPPED
    assert (await plan_of(bot, user)).status == "ended"


async def test_an_answered_check_in_resets_the_unanswered_count(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    for _ in range(2):
        await deliver_next_checkin(bot, clock, user)  # Sunday, Monday: unanswered
    await deliver_next_checkin(bot, clock, user)  # Tuesday: answered
    await answer_checkin(user, 1)

    reports = await run_until(bot, clock, local(2027, 3, 26, 9, 0, BERLIN))

    assert sum(r.paused for r in reports) == 0
    assert sum(r.checkins_sent for r in reports) == 3  # Wednesday to Friday
    assert (await plan_of(bot, user)).status == "active"


async def test_one_reminder_after_three_hours_and_no_second(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    await tick_at(bot, clock, SUNDAY_0800)

    early = await tick_at(bot, clock, SUNDAY_0800 + timedelta(hours=2, minutes=59))
    on_time = await tick_at(bot, clock, SUNDAY_0800 + timedelta(hours=3))

    assert (early.reminders_sent, on_time.reminders_sent) == (0, 1)
    reminder = bot.api.last_bot_message(user.chat_id)
    assert reminder.text.startswith(texts.REMINDER)
    assert ASK_PAIN in reminder.text
    assert reminder.button_labels == CHECKIN_LABELS
    later = await run_until(bot, clock, MONDAY_0800 - timedelta(minutes=1))
    assert sum(r.reminders_sent for r in later) == 0
    await user.press("2")  # the reminder's buttons answer the same check-in
    assert (await checkins_of(bot, user))[0].pain == 2


async def test_no_reminder_once_the_pain_is_given(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    await tick_at(bot, clock, SUNDAY_0800)
    await user.press("4")  # and then nothing more

    reports = await run_until(bot, clock, MONDAY_0800 - timedelta(minutes=1))

    assert sum(r.reminders_sent for r in reports) == 0


@pytest.mark.parametrize(("label", "hours"), [("⏰ In 1 h", 1), ("⏰ In 3 h", 3)])
async def test_a_snooze_asks_again_at_the_right_time_and_only_then(
    bot: Bot, clock: FakeClock, label: str, hours: int
) -> None:
    user = await started(bot)
    await tick_at(bot, clock, SUNDAY_0800)
    clock.advance(minutes=10)
    await user.press(label)
    assert last_text(bot.api, user.chat_id) == f"Okay, I'll ask again in {hours} h."
    snoozed_at = clock.now

    early = await run_until(bot, clock, snoozed_at + timedelta(hours=hours, minutes=-1))
    due = await tick_at(bot, clock, snoozed_at + timedelta(hours=hours))
    after = await run_until(bot, clock, MONDAY_0800 - timedelta(minutes=1))

    assert sum(r.reminders_sent for r in early) == 0  # not even the three-hour reminder
    assert due.reminders_sent == 1
    assert sum(r.reminders_sent for r in after) == 0
    asked_again = [
        m for m in bot.api.bot_messages(user.chat_id) if m.text.startswith(texts.REMINDER)
    ]
    assert len(asked_again) == 1
    assert asked_again[0].button_labels == CHECKIN_LABELS


async def test_answering_before_the_snooze_is_up_cancels_it(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    await tick_at(bot, clock, SUNDAY_0800)
    await user.press("⏰ In 1 h")
    clock.advance(minutes=20)
    await user.press("3")

    reports = await run_until(bot, clock, SUNDAY_0800 + timedelta(hours=5))

    assert sum(r.reminders_sent for r in reports) == 0


# --- A user who blocks the bot ---------------------------------------------------------------


def blocked_fault(user: LocalUser) -> Fault:
    return Fault("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=user.chat_id)


async def test_a_user_who_blocked_the_bot_gets_no_more_check_ins_until_start(
    bot: Bot, clock: FakeClock
) -> None:
    blocker, other = await started(bot, 1001), await started(bot, 2002)
    bot.api.fail(blocked_fault(blocker))

    report = await tick_at(bot, clock, SUNDAY_0800)

    assert report.checkins_sent == 2  # both queued; Telegram refused the blocker's
    assert len(checkin_prompts(bot.api, other.chat_id)) == 1
    plan = await plan_of(bot, blocker)
    assert plan.status == "unreachable"
    assert await blocked_at(bot, blocker) == SUNDAY_0800
    assert await checkins_of(bot, blocker) == []  # the undeliverable claim is dropped
    attempts = len(send_calls_to(bot.api, blocker.chat_id))

    later = await run_until(bot, clock, local(2027, 3, 23, 12, 0, BERLIN))

    assert sum(r.checkins_sent for r in later) == 2  # the other athlete's Monday and Tuesday
    assert len(send_calls_to(bot.api, blocker.chat_id)) == attempts  # not even tried

    await blocker.send("/start")  # Tuesday 12:00: they are back

    assert "Hi, I'm <b>CrampCoach</b>" in last_text(bot.api, blocker.chat_id)
    plan = await plan_of(bot, blocker)
    assert (plan.status, plan.next_checkin_at) == ("active", local(2027, 3, 24, 8, 0, BERLIN))
    assert await blocked_at(bot, blocker) is None
    prompt = await deliver_next_checkin(bot, clock, blocker)
    assert prompt.text.startswith("<b>Day 4 check-in</b>")  # Wednesday 24


def member_update(bot: Bot, user: LocalUser, old: str, new: str) -> dict[str, Any]:
    """A my_chat_member update of a private chat: the bot's status there goes old → new."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": bot.api.bot_user, "status": status}
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "my_chat_member": {
            "chat": bot.api.chat_dict(user.chat_id),
            "from": user.user,
            "date": 1_805_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


async def test_blocking_and_unblocking_through_my_chat_member_updates(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    clock.advance(hours=2)

    await user._deliver(member_update(bot, user, "member", "kicked"))

    plan = await plan_of(bot, user)
    assert plan.status == "unreachable"
    assert await blocked_at(bot, user) == clock.now
    reports = await run_until(bot, clock, local(2027, 3, 22, 12, 0, BERLIN))
    assert sum(r.checkins_sent for r in reports) == 0
    assert checkin_prompts(bot.api, user.chat_id) == []

    await user._deliver(member_update(bot, user, "kicked", "member"))

    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at) == ("active", TUESDAY_0800)
    assert await blocked_at(bot, user) is None
    prompt = await deliver_next_checkin(bot, clock, user)
    assert prompt.text.startswith("<b>Day 3 check-in</b>")  # Tuesday 23


async def test_member_updates_of_groups_change_nothing(bot: Bot, clock: FakeClock) -> None:
    user = await started(bot)
    plan = await plan_of(bot, user)
    update = member_update(bot, user, "member", "kicked")
    update["my_chat_member"]["chat"] = bot.api.chat_dict(-100123)

    await user._deliver(update)

    assert await plan_of(bot, user) == plan
    assert await blocked_at(bot, user) is None


async def test_a_failed_carry_on_question_is_sent_again_by_the_outbox(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    await run_until(bot, clock, local(2027, 3, 24, 7, 0, BERLIN))  # three unanswered days
    bot.api.fail(
        Fault(
            "sendMessage", 500, "Internal Server Error", chat_id=user.chat_id, times=SEND_ATTEMPTS
        )
    )

    failed = await tick_at(bot, clock, local(2027, 3, 24, 8, 0, BERLIN))

    assert failed.paused == 1  # queued, but the question did not go out…
    assert bot.api.last_bot_message(user.chat_id).text != texts.PAUSED_UNANSWERED
    await tick_at(bot, clock, local(2027, 3, 24, 8, 1, BERLIN))  # …so the outbox tries again
    assert bot.api.last_bot_message(user.chat_id).text == texts.PAUSED_UNANSWERED
    assert (await plan_of(bot, user)).status == "paused"


async def test_a_settings_change_left_open_does_not_swallow_the_next_pain_score(
    bot: Bot, clock: FakeClock
) -> None:
    user = await started(bot)
    await user.send("/settings")
    await user.press("🕗 Check-in time")  # …and never answered
    await deliver_next_checkin(bot, clock, user)

    await user.send("5")

    checkin = (await checkins_of(bot, user))[-1]
    assert checkin.pain == 5
    assert (await plan_of(bot, user)).checkin_time == "08:00"


async def test_the_scheduler_job_sends_due_check_ins_by_itself(
    start_bot: Callable[..., Any], clock: FakeClock
) -> None:
    """Production wiring: the repeating job (not a test calling tick) finds what is due."""
    bot = await start_bot(scheduler=True)
    user = await started(bot)
    plan = await plan_of(bot, user)
    assert plan.next_checkin_at is not None
    clock.now = plan.next_checkin_at

    await wait_for(lambda: ASK_PAIN in bot.api.last_bot_message(user.chat_id).text, within=5)

    assert len(checkin_prompts(bot.api, user.chat_id)) == 1


async def test_one_tick_sends_every_due_check_in_once_with_many_in_flight(
    bot: Bot, clock: FakeClock
) -> None:
    db = db_of(bot)
    user_ids = range(50_001, 50_121)  # 120 plans, more than the sends kept in flight at once
    await seed_active_plans(db, user_ids, now=clock.now, due=SUNDAY_0800)

    report = await tick_at(bot, clock, SUNDAY_0800)
    again = await tick_at(bot, clock, SUNDAY_0800 + timedelta(minutes=5))

    assert (report.checkins_sent, again.checkins_sent) == (120, 0)
    for user_id in user_ids:
        assert len(checkin_prompts(bot.api, user_id)) == 1
        plan = await plans.live_plan_of(db, user_id)
        assert plan is not None
        rows = await plans.checkins_of(db, plan.id)
        assert len(rows) == 1 and rows[0].sent_at is not None
