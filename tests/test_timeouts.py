"""A reply delivered whose answer timed out never leaves the athlete a step behind.

The in-memory Bot API injects two timeouts: "read" carries the call out, then loses the answer
(httpx.ReadTimeout: Telegram got the message), "connect" never delivers (httpx.ConnectTimeout).

The choice (conversations/replies.py): a read timeout on a step's reply counts as delivered,
so the step's new state is kept. Before, the athlete saw the next question plus "something
went wrong", the conversation stayed a step behind, and their next tap was "from an earlier
step". A connect timeout is a failure as before: the step stays, pressing again is safe.

Scheduled check-ins: a read timeout counts as sent (sent_at committed, the reminder due in
three hours), so the check-in is not sent again after the claim lease. The one documented
duplicate window (a kill between Telegram's acceptance and the sent_at commit) is measured.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest

from bot.devtools.local_api import ApiCall, ChatMessage, Fault
from bot.scheduler import CLAIM_LEASE, tick
from conversations.replies import sos_text
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import plan as plan_texts
from storage import plans
from tests.conftest import Bot, FakeClock
from tests.helpers import (
    NEXT_STEP,
    SEND_ATTEMPTS,
    STATES,
    bot_texts,
    conversation_state,
    walk_to,
)
from tests.plan_helpers import ASK_PAIN, BERLIN, db_of, local, seed_active_plans, start_plan

ERROR = sos_text(common.ERROR_REPLY)


def read_timeout(chat_id: int) -> Fault:
    return Fault("sendMessage", 0, "", chat_id=chat_id, timeout="read")


def connect_timeout(chat_id: int) -> Fault:
    """Never delivered, on every attempt (a connect timeout alone is retried by the limiter)."""
    return Fault("sendMessage", 0, "", chat_id=chat_id, timeout="connect", times=SEND_ATTEMPTS)


# --- The SOS flow ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES[:-1])
async def test_a_step_delivered_but_timed_out_moves_the_flow_on(bot: Bot, state: str) -> None:
    user = bot.user()
    await walk_to(user, state)
    label, next_text = NEXT_STEP[state]
    bot.api.fail(read_timeout(user.chat_id))

    await user.press(label)

    sent = bot_texts(bot.api, user.chat_id)
    assert next_text in "\n".join(sent[-2:])  # the next step reached the athlete
    assert ERROR not in sent
    new_state = await conversation_state(bot, user)
    assert new_state != state
    # …and the athlete's next tap, on the question they see, is taken.
    assert new_state is not None
    next_label, after = NEXT_STEP[new_state]
    await user.press(next_label)
    assert after in "\n".join(bot_texts(bot.api, user.chat_id)[-2:])
    assert ERROR not in bot_texts(bot.api, user.chat_id)


async def test_the_first_screen_delivered_but_timed_out_starts_the_flow(bot: Bot) -> None:
    user = bot.user()
    bot.api.fail(read_timeout(user.chat_id))

    await user.send("/cramp")

    assert await conversation_state(bot, user) == sos.TRIAGE
    await user.press("✅ None: something else")
    assert await conversation_state(bot, user) == sos.MUSCLE
    assert ERROR not in bot_texts(bot.api, user.chat_id)


async def test_the_stretch_delivered_but_timed_out_keeps_its_buttons_without_a_countdown(
    bot: Bot,
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    bot.api.fail(read_timeout(user.chat_id))

    await user.press("Calf")

    assert await conversation_state(bot, user) == sos.STRETCH
    await user.press("✅ Eased")
    assert await conversation_state(bot, user) == sos.LATE_SIGNS


async def test_a_step_never_delivered_is_sent_by_the_outbox_once_telegram_is_reachable(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    bot.api.fail(connect_timeout(user.chat_id))

    await user.press("Back of thigh")

    assert await conversation_state(bot, user) == sos.STRETCH  # the step is recorded
    assert "Stretch" not in bot.api.last_bot_message(user.chat_id).text  # its reply waits
    clock.advance(seconds=2)
    await bot.application.sender.scan()
    await bot.application.settled()
    assert "Stretch gently" in bot.api.last_bot_message(user.chat_id).text


async def test_a_check_in_answer_delivered_but_timed_out_needs_no_second_tap(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user(3601)
    await start_plan(user)
    plan = await plans.live_plan_of(db_of(bot), user.user_id)
    assert plan is not None and plan.next_checkin_at is not None
    clock.now = plan.next_checkin_at
    await tick(bot.application)
    bot.api.fail(read_timeout(user.chat_id))

    await user.press("2")

    assert ERROR not in bot_texts(bot.api, user.chat_id)
    await user.press("Comfortable")
    question = bot.api.last_bot_message(user.chat_id)
    assert "Any of these since yesterday?" in question.text  # the warning question
    assert plan_texts.CLOT_WARNING in question.button_labels


# --- Scheduled check-ins ---------------------------------------------------------------------

DUE = local(2027, 3, 21, 8, 0, BERLIN)


def prompts(bot: Bot, chat_id: int) -> int:
    return sum(ASK_PAIN in message.text for message in bot.api.bot_messages(chat_id))


async def test_a_check_in_delivered_but_timed_out_is_not_sent_again(
    bot: Bot, clock: FakeClock
) -> None:
    await seed_active_plans(db_of(bot), [3701, 3702], now=clock.now, due=DUE)
    bot.api.fail(read_timeout(3701))

    clock.now = DUE
    await tick(bot.application)
    for _ in range(3):  # well past the claim lease: an unsent claim would be retried
        clock.now += CLAIM_LEASE + timedelta(minutes=1)
        await tick(bot.application)

    assert (prompts(bot, 3701), prompts(bot, 3702)) == (1, 1)
    plan = await plans.live_plan_of(db_of(bot), 3701)
    assert plan is not None
    [checkin] = await plans.checkins_of(db_of(bot), plan.id)
    assert checkin.sent_at is not None
    # Had it not arrived after all, the reminder asks the question three hours on.
    clock.now = DUE + timedelta(hours=3, minutes=1)
    await tick(bot.application)
    assert any(plan_texts.REMINDER in text for text in bot_texts(bot.api, 3701))


async def test_a_check_in_that_never_arrived_is_sent_once_after_the_lease(
    bot: Bot, clock: FakeClock
) -> None:
    await seed_active_plans(db_of(bot), [3801], now=clock.now, due=DUE)
    bot.api.fail(connect_timeout(3801))

    clock.now = DUE
    await tick(bot.application)
    assert prompts(bot, 3801) == 0
    for _ in range(3):
        clock.now += CLAIM_LEASE + timedelta(minutes=1)
        await tick(bot.application)

    assert prompts(bot, 3801) == 1


async def test_the_duplicate_window_after_a_check_in_is_a_few_milliseconds(
    bot: Bot, clock: FakeClock
) -> None:
    """From Telegram accepting a check-in to the end of the tick that committed its sent_at:
    an upper bound on the one window in which a kill sends it again (see the README)."""
    delivered: list[float] = []

    def on_call(call: ApiCall, message: ChatMessage | None) -> None:
        if call.method == "sendMessage" and message is not None and ASK_PAIN in message.text:
            delivered.append(time.perf_counter())

    bot.api.listeners.append(on_call)
    athletes = list(range(3900, 3940))
    for minute, athlete in enumerate(athletes):
        await seed_active_plans(
            db_of(bot), [athlete], now=clock.now, due=DUE + timedelta(minutes=minute)
        )
    windows = []
    for minute in range(len(athletes)):
        clock.now = DUE + timedelta(minutes=minute)
        await tick(bot.application)
        windows.append((time.perf_counter() - delivered[-1]) * 1000)

    assert len(delivered) == len(athletes)
    median, worst = statistics.median(windows), max(windows)
    print(f"duplicate window (ms): median {median:.2f}, max {worst:.2f}")
    assert median < 20
