"""The priority rate limiter: people before schedules, the overall rate kept, 429s waited out.

Unit tests drive ``PriorityRateLimiter`` directly, most of them in virtual time (a fake
monotonic clock that the limiter's own sleeps move on), so they are exact and fast. The
integration tests run the whole bot against the local Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import RetryAfter

import bot.rate_limiter as rate_limiter_module
from bot.local_api import Fault
from bot.rate_limiter import PriorityRateLimiter
from bot.scheduler import tick
from conversations.services import services_of
from conversations.texts import sos as sos_texts
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import (
    ASK_PAIN,
    BERLIN,
    checkin_prompts,
    checkins_of,
    local,
    seed_active_plans,
    send_calls_to,
    start_plan,
    tick_at,
)

# RetryAfter.retry_after as an int is deprecated in python-telegram-bot 22.2+; the limiter
# reads either form.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

BACKGROUND = {"background": True}


class VirtualTime:
    """A monotonic clock moved only by the limiter's sleeps: sleeping ``d`` from ``t`` wakes
    at ``t + d`` or later (another sleeper may have moved the clock further already)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._real_sleep = asyncio.sleep

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        # At least a microsecond: a wait of 1e-17 s (a float's rounding) must still move on.
        wake = self.now + max(delay, 1e-6)
        await self._real_sleep(0)
        self.now = max(self.now, wake)


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    clock = VirtualTime()
    monkeypatch.setattr(
        rate_limiter_module, "asyncio", SimpleNamespace(sleep=clock.sleep, Lock=asyncio.Lock)
    )
    return clock


async def send(
    limiter: PriorityRateLimiter,
    callback: Callable[[], Awaitable[Any]],
    *,
    background: bool = False,
) -> Any:
    return await limiter.process_request(
        callback, (), {}, "sendMessage", {}, BACKGROUND if background else None
    )


def recorder(log: list[Any], name: Any, clock: Callable[[], float]) -> Callable[[], Any]:
    async def callback() -> bool:
        log.append((name, clock()))
        return True

    return callback


# --- The overall rate ------------------------------------------------------------------------


async def test_no_one_second_window_holds_more_than_the_rate(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(send(limiter, recorder(log, n, virtual_time), background=n % 2 == 0) for n in range(100))
    )

    stamps = sorted(at for _, at in log)
    assert len(stamps) == 100
    # At most 31 (the rate, plus the one at the window's start) in any one-second window.
    for first, thirty_second in zip(stamps, stamps[31:], strict=False):
        assert thirty_second - first >= 1.0
    assert stamps[-1] - stamps[0] >= 99 / 30 - 1e-9


async def test_the_first_requests_are_not_let_through_in_a_burst(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=50, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(*(send(limiter, recorder(log, n, virtual_time)) for n in range(25)))

    stamps = sorted(at for _, at in log)
    assert stamps[1] - stamps[0] >= 1 / 50 - 1e-9
    assert stamps[-1] - stamps[0] >= 24 / 50 - 1e-9


async def test_twenty_five_requests_at_fifty_a_second_take_about_half_a_second() -> None:
    limiter = PriorityRateLimiter(rate=50)
    log: list[Any] = []
    started = time.monotonic()

    results = await asyncio.gather(
        *(send(limiter, recorder(log, n, time.monotonic)) for n in range(25))
    )

    elapsed = time.monotonic() - started
    assert results == [True] * 25
    assert 0.45 <= elapsed < 2.0


async def test_a_request_after_a_quiet_spell_goes_at_once(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=10, monotonic=virtual_time)
    log: list[Any] = []
    await send(limiter, recorder(log, "first", virtual_time))
    virtual_time.now += 5.0

    await send(limiter, recorder(log, "later", virtual_time))

    assert log == [("first", 0.0), ("later", 5.0)]


# --- People before schedules -----------------------------------------------------------------


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_waiting_interactive_requests_go_before_queued_background_ones() -> None:
    # Time moves only when the test says so; each step frees exactly one request's token.
    clock = ManualClock()
    rate = 1024  # a power of two: the steps add up exactly
    limiter = PriorityRateLimiter(rate=rate, monotonic=clock)
    order: list[str] = []
    served = asyncio.Event()

    def request(name: str, background: bool) -> asyncio.Task[Any]:
        async def callback() -> bool:
            order.append(name)
            served.set()
            return True

        return asyncio.create_task(send(limiter, callback, background=background))

    background = [request(f"check-in {n}", True) for n in range(5)]
    await asyncio.sleep(0.02)
    assert order == ["check-in 0"]  # the others wait for tokens
    replies = [request(f"reply {n}", False) for n in range(3)]
    await asyncio.sleep(0.02)
    assert order == ["check-in 0"]  # no time has passed: no token yet

    for _ in range(7):
        served.clear()
        clock.now += 1 / rate
        await asyncio.wait_for(served.wait(), timeout=5)

    await asyncio.gather(*background, *replies)
    assert order[0] == "check-in 0"
    assert sorted(order[1:4]) == ["reply 0", "reply 1", "reply 2"]
    assert sorted(order[4:]) == [f"check-in {n}" for n in range(1, 5)]


async def test_background_requests_go_when_no_one_is_waiting(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=100, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(send(limiter, recorder(log, n, virtual_time), background=True) for n in range(5))
    )

    assert sorted(name for name, _ in log) == list(range(5))


# --- 429: Retry-After ------------------------------------------------------------------------


async def test_a_retry_after_pauses_and_retries_the_request(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, max_retries=3, monotonic=virtual_time)
    attempts: list[float] = []

    async def flooded_once() -> str:
        attempts.append(virtual_time())
        if len(attempts) == 1:
            raise RetryAfter(1)
        return "delivered"

    result = await send(limiter, flooded_once)

    assert result == "delivered"
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 1.0


async def test_a_retry_after_pauses_every_other_request_too(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []
    flooded = False

    async def first() -> bool:
        nonlocal flooded
        if not flooded:
            flooded = True
            raise RetryAfter(2)
        log.append(("first", virtual_time()))
        return True

    async def others() -> None:
        await asyncio.sleep(0)  # let the first request hit the 429
        await asyncio.gather(*(send(limiter, recorder(log, n, virtual_time)) for n in range(3)))

    await asyncio.gather(send(limiter, first), others())

    assert len(log) == 4
    assert all(at >= 2.0 for _, at in log)


async def test_a_retry_after_that_keeps_coming_gives_up_after_max_retries(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, max_retries=2, monotonic=virtual_time)
    attempts: list[float] = []

    async def always_flooded() -> bool:
        attempts.append(virtual_time())
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await send(limiter, always_flooded)

    assert len(attempts) == 3  # the first try and two retries
    assert attempts[1] - attempts[0] >= 1.0 and attempts[2] - attempts[1] >= 1.0


async def test_a_retry_after_given_as_a_timedelta_is_waited_out(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    attempts: list[float] = []

    async def flooded_once() -> bool:
        attempts.append(virtual_time())
        if len(attempts) == 1:
            raise RetryAfter(timedelta(milliseconds=1500))
        return True

    assert await send(limiter, flooded_once) is True
    assert attempts[1] - attempts[0] >= 1.5


async def test_other_errors_are_not_retried(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    attempts = 0

    async def broken() -> bool:
        nonlocal attempts
        attempts += 1
        raise ValueError("not a flood")

    with pytest.raises(ValueError, match="not a flood"):
        await send(limiter, broken)
    assert attempts == 1


# --- Through the whole bot -------------------------------------------------------------------


async def test_a_429_on_a_check_in_send_is_waited_out_and_delivered(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    bot.api.fail(
        Fault(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            chat_id=user.chat_id,
            retry_after=1,
        )
    )
    started = time.monotonic()

    report = await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))

    assert time.monotonic() - started >= 0.9
    assert report.checkins_sent == 1
    attempts = [c for c in send_calls_to(bot.api, user.chat_id) if ASK_PAIN in c.params["text"]]
    assert len(attempts) == 2  # refused once, then delivered
    assert len(checkin_prompts(bot.api, user.chat_id)) == 1
    [row] = await checkins_of(bot, user)
    assert row.sent_at is not None


async def test_scheduled_check_ins_do_not_hold_up_a_reply_to_a_cramping_athlete(
    start_bot: Any, clock: FakeClock
) -> None:
    bot: Bot = await start_bot(send_rate=20.0)
    db = services_of(bot.application.bot_data).db
    due = datetime(2027, 3, 21, 7, 0, tzinfo=UTC)
    await seed_active_plans(
        db, range(5001, 5021), now=clock.now, due=due
    )  # twenty plans due at the same minute
    athlete = bot.user(1001)
    clock.now = due

    def check_ins_sent() -> int:
        return sum(1 for c in bot.api.calls_of("sendMessage") if ASK_PAIN in c.params["text"])

    three_sent = asyncio.Event()
    bot.api.listeners.append(lambda call, message: check_ins_sent() >= 3 and three_sent.set())

    ticking = asyncio.create_task(tick(bot.application))
    await asyncio.wait_for(three_sent.wait(), timeout=5)
    await athlete.send("/cramp")  # returns once the first-aid reply is sent
    sent_before_reply = check_ins_sent()
    report = await ticking

    assert report.checkins_sent == 20
    # The reply jumped the queue (at 20 a second, the twenty check-ins take a second).
    assert sent_before_reply <= 8
    assert sos_texts.STOP_INSTRUCTION in bot.api.last_bot_message(athlete.chat_id).text


# --- One message a second per chat, for scheduled sends ----------------------------------------


async def chat_send(
    limiter: PriorityRateLimiter,
    callback: Callable[[], Awaitable[Any]],
    chat_id: int,
    *,
    background: bool,
) -> Any:
    return await limiter.process_request(
        callback, (), {}, "sendMessage", {"chat_id": chat_id}, BACKGROUND if background else None
    )


async def test_background_sends_to_one_chat_are_a_second_apart(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(chat_send(limiter, recorder(log, n, virtual_time), 7, background=True) for n in range(3))
    )

    times = sorted(at for _, at in log)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))


async def test_a_background_send_waits_after_a_reply_to_the_same_chat_only() -> None:
    # Real time (a short interval): two sleepers at once are what is measured here.
    limiter = PriorityRateLimiter(rate=1000, per_chat_interval=0.3)
    log: list[Any] = []

    await chat_send(limiter, recorder(log, "reply", time.monotonic), 7, background=False)
    await asyncio.gather(
        chat_send(limiter, recorder(log, "check-in", time.monotonic), 7, background=True),
        chat_send(limiter, recorder(log, "other chat", time.monotonic), 8, background=True),
    )

    at = dict(log)
    assert at["check-in"] - at["reply"] >= 0.3
    assert at["other chat"] - at["reply"] < 0.15  # other chats are not held back


async def test_interactive_replies_are_not_spaced_per_chat(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []

    for n in range(3):
        await chat_send(limiter, recorder(log, n, virtual_time), 7, background=False)

    assert log[-1][1] - log[0][1] < 0.5
