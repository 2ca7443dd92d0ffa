"""The priority rate limiter: people before schedules, the overall rate kept, 429s waited out.

Unit tests drive ``PriorityRateLimiter`` directly, most of them in virtual time (a fake
monotonic clock that the limiter's own sleeps move on), so they are exact and fast. The
integration tests run the whole bot against the local Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import RetryAfter

import bot.delivery.rate_limiter as rate_limiter_module
from bot.delivery.rate_limiter import PriorityRateLimiter
from bot.delivery.send_window import SendWindow
from bot.devtools.local_api import Fault
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
    callback: Callable[[], Coroutine[Any, Any, Any]],
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


async def test_no_one_second_window_holds_more_scheduled_sends_than_the_rate(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(send(limiter, recorder(log, n, virtual_time), background=True) for n in range(100))
    )

    stamps = sorted(at for _, at in log)
    assert len(stamps) == 100
    # At most 30 in any one-second window, wherever it starts.
    for first, thirty_first in zip(stamps, stamps[30:], strict=False):
        assert thirty_first - first >= 1.0
    assert stamps[-1] - stamps[0] >= 3.0  # 30 + 30 + 30 + 10


async def test_replies_are_not_held_to_the_bulk_budget_but_scheduled_sends_yield_to_them(
    virtual_time: VirtualTime,
) -> None:
    """Telegram's 30 a second is for bulk sends: 45 people's replies in one instant all go at
    once, and the check-ins queued beside them wait until the window has room again."""
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(send(limiter, recorder(log, ("reply", n), virtual_time)) for n in range(45)),
        *(
            send(limiter, recorder(log, ("check-in", n), virtual_time), background=True)
            for n in range(5)
        ),
    )

    replies = [at for (kind, _), at in log if kind == "reply"]
    checkins = [at for (kind, _), at in log if kind == "check-in"]
    assert replies == [0.0] * 45
    assert min(checkins) >= 1.0  # the window the replies filled has passed


async def test_while_the_bot_sends_in_bulk_replies_keep_to_the_budget_ahead_of_it(
    virtual_time: VirtualTime,
) -> None:
    """A storm of check-ins is bulk sending: a reply then keeps to the 30 a second too (no
    429), but goes before the check-ins still waiting."""
    limiter = PriorityRateLimiter(rate=10, monotonic=virtual_time)
    log: list[Any] = []

    async def replies_later() -> None:
        await virtual_time.sleep(0.25)
        await asyncio.gather(
            *(send(limiter, recorder(log, ("reply", n), virtual_time)) for n in range(3))
        )

    await asyncio.gather(
        *(
            send(limiter, recorder(log, ("check-in", n), virtual_time), background=True)
            for n in range(20)
        ),
        replies_later(),
    )

    stamps = sorted(at for _, at in log)
    for first, eleventh in zip(stamps, stamps[10:], strict=False):
        assert eleventh - first >= 1.0  # never more than the rate in any window
    replies = [at for (kind, _), at in log if kind == "reply"]
    checkins = [at for (kind, _), at in log if kind == "check-in"]
    # Once the replies asked, at most one check-in (already in its slot) went before them.
    assert sum(1 for at in checkins if 0.25 < at < max(replies)) <= 1
    assert max(replies) <= 1.5 < max(checkins)  # well before the 20 check-ins are done


async def test_scheduled_sends_go_in_the_order_they_asked(virtual_time: VirtualTime) -> None:
    limiter = PriorityRateLimiter(rate=10, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(
        *(send(limiter, recorder(log, n, virtual_time), background=True) for n in range(25))
    )

    assert [n for n, _ in log] == list(range(25))
    stamps = [at for _, at in log]
    assert all(b - a > 0.09 for a, b in itertools.pairwise(stamps))  # evenly spaced


async def test_a_burst_up_to_the_reply_rate_goes_out_at_once(virtual_time: VirtualTime) -> None:
    # With a cap on replies set: thirty people's first replies in the same instant go at once.
    limiter = PriorityRateLimiter(rate=30, reply_rate=30, monotonic=virtual_time)
    log: list[Any] = []

    await asyncio.gather(*(send(limiter, recorder(log, n, virtual_time)) for n in range(31)))

    stamps = sorted(at for _, at in log)
    assert stamps[:30] == [0.0] * 30
    assert stamps[30] >= 1.0  # the 31st waits for the first second's window to pass


async def test_seventy_five_requests_at_fifty_a_second_take_one_window(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=50, reply_rate=50, monotonic=virtual_time)
    log: list[Any] = []

    results = await asyncio.gather(
        *(send(limiter, recorder(log, n, virtual_time)) for n in range(75))
    )

    assert results == [True] * 75
    stamps = sorted(at for _, at in log)
    assert stamps[49] == 0.0 and 1.0 <= stamps[50] < 1.1 and stamps[-1] < 1.1


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


async def test_waiting_interactive_requests_go_before_queued_background_ones(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=2, per_chat_interval=0.0, monotonic=virtual_time)
    order: list[str] = []

    def request(name: str, background: bool) -> asyncio.Task[Any]:
        async def callback() -> bool:
            order.append(name)
            return True

        return asyncio.create_task(send(limiter, callback, background=background))

    await asyncio.gather(*(request(f"check-in {n}", True) for n in range(2)))  # the budget is spent
    background = [request(f"check-in {n}", True) for n in range(2, 6)]  # queued first…
    replies = [request(f"reply {n}", False) for n in range(3)]  # …then three replies

    await asyncio.gather(*background, *replies)

    assert order[:2] == ["check-in 0", "check-in 1"]
    assert sorted(order[2:5]) == ["reply 0", "reply 1", "reply 2"]
    assert sorted(order[5:]) == [f"check-in {n}" for n in range(2, 6)]


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
    bot: Bot = await start_bot(send_rate=10.0)
    db = services_of(bot.application.bot_data).db
    due = datetime(2027, 3, 21, 7, 0, tzinfo=UTC)
    await seed_active_plans(
        db, range(5001, 5031), now=clock.now, due=due
    )  # thirty plans due at the same minute: three seconds' worth at ten a second
    athlete = bot.user(1001)
    clock.now = due

    def check_ins_sent() -> int:
        return sum(1 for c in bot.api.calls_of("sendMessage") if ASK_PAIN in c.params["text"])

    three_sent = asyncio.Event()
    sent_before_reply: list[int] = []

    def watch(call: Any, message: Any) -> None:
        if check_ins_sent() >= 3:
            three_sent.set()
        if call.params.get("chat_id") == athlete.chat_id:
            sent_before_reply.append(check_ins_sent())

    bot.api.listeners.append(watch)
    ticking = asyncio.create_task(tick(bot.application))
    await asyncio.wait_for(three_sent.wait(), timeout=5)
    await athlete.send("/cramp")  # returns once the first-aid reply is sent
    report = await ticking

    assert report.checkins_sent == 30
    # The reply jumped the queue: it went with the first slot after the first second's burst
    # of ten, before the twenty check-ins still waiting.
    assert sent_before_reply[0] <= 10
    assert sos_texts.STOP_INSTRUCTION in bot.api.last_bot_message(athlete.chat_id).text


# --- One message a second per chat, for scheduled sends ----------------------------------------


async def chat_send(
    limiter: PriorityRateLimiter,
    callback: Callable[[], Coroutine[Any, Any, Any]],
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


# --- Only sends spend the budget -------------------------------------------------------------


async def test_answering_a_button_and_other_calls_do_not_spend_the_send_budget(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, reply_rate=30, monotonic=virtual_time)
    log: list[Any] = []
    await asyncio.gather(*(send(limiter, recorder(log, n, virtual_time)) for n in range(30)))

    for method in ("answerCallbackQuery", "getChatMember", "setMyCommands", "getMe"):
        await limiter.process_request(
            recorder(log, method, virtual_time), (), {}, method, {"chat_id": 7}, None
        )
    await send(limiter, recorder(log, "one more message", virtual_time))

    at = dict(log)
    assert [at[m] for m in ("answerCallbackQuery", "getChatMember", "setMyCommands", "getMe")] == [
        0.0
    ] * 4  # the budget is spent, yet they go at once
    assert at["one more message"] >= 1.0


@pytest.mark.parametrize(
    ("method", "counted"),
    [
        ("sendMessage", True),
        ("sendPhoto", True),
        ("editMessageText", True),
        ("copyMessage", True),
        ("sendChatAction", False),
        ("answerCallbackQuery", False),
        ("getChatMember", False),
        ("setMyCommands", False),
        ("getUpdates", False),
    ],
)
def test_which_methods_spend_the_send_budget(method: str, counted: bool) -> None:
    assert rate_limiter_module.spends_budget(method) is counted


# --- 429 in one chat -------------------------------------------------------------------------


async def test_a_retry_after_in_one_chat_pauses_that_chat_only() -> None:
    # Real time: the flooded chat sleeps its 29 s while the others are served; the test ends
    # long before (its sends are cancelled).
    limiter = PriorityRateLimiter(rate=30)
    flooded = asyncio.Event()
    log: list[Any] = []

    async def flooded_chat() -> bool:
        flooded.set()
        raise RetryAfter(29)

    seven = asyncio.create_task(chat_send(limiter, flooded_chat, 7, background=False))
    await flooded.wait()
    seven_again = asyncio.create_task(
        chat_send(limiter, recorder(log, "7 again", time.monotonic), 7, background=False)
    )

    for chat_id in (8, 9):  # other athletes are not held up
        await chat_send(limiter, recorder(log, chat_id, time.monotonic), chat_id, background=False)
    await chat_send(limiter, recorder(log, "check-in", time.monotonic), 10, background=True)

    assert [name for name, _ in log] == [8, 9, "check-in"]
    assert not seven.done() and not seven_again.done()  # chat 7 waits out its retry_after
    seven.cancel()
    seven_again.cancel()
    await asyncio.gather(seven, seven_again, return_exceptions=True)


async def test_retry_afters_in_several_chats_at_once_pause_the_whole_bot(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []
    flooded: set[int] = set()

    def flooding_once(chat_id: int) -> Callable[[], Coroutine[Any, Any, bool]]:
        async def callback() -> bool:
            if chat_id not in flooded:
                flooded.add(chat_id)
                raise RetryAfter(5)
            return True

        return callback

    await asyncio.gather(
        *(
            chat_send(limiter, flooding_once(n), n, background=False)
            for n in range(1, rate_limiter_module.FLOOD_CHATS + 1)
        ),
        chat_send(limiter, recorder(log, "bystander", virtual_time), 99, background=False),
    )
    # A chat that never got a 429 still waits now: Telegram said the bot as a whole is over.
    await chat_send(limiter, recorder(log, "later", virtual_time), 100, background=False)

    assert dict(log)["later"] >= 5.0


# --- Groups: 20 a minute ---------------------------------------------------------------------


async def test_a_group_gets_twenty_messages_a_minute_and_private_chats_do_not_wait(
    virtual_time: VirtualTime,
) -> None:
    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    log: list[Any] = []
    group = -100_123

    async def storm() -> None:
        await asyncio.gather(
            *(
                chat_send(
                    limiter, recorder(log, ("group", n), virtual_time), group, background=False
                )
                for n in range(25)
            )
        )

    async def athlete() -> None:
        await asyncio.sleep(0)  # the storm is already queued
        await chat_send(limiter, recorder(log, "private reply", virtual_time), 7, background=False)
        await chat_send(limiter, recorder(log, "check-in", virtual_time), 8, background=True)

    await asyncio.gather(storm(), athlete())

    at = dict(log)
    group_times = sorted(t for name, t in log if isinstance(name, tuple))
    assert group_times[19] < 1.0  # twenty at once…
    assert group_times[20] >= 60.0  # …the rest after the minute
    assert at["private reply"] < 1.0 and at["check-in"] < 2.0  # the storm costs them nothing


# --- Transient failures ----------------------------------------------------------------------


def _server_error() -> Exception:
    from bot.delivery.transport import ServerError

    return ServerError("Bad Gateway (502)", 502)


def _connect_error() -> Exception:
    import httpx
    from telegram.error import NetworkError

    try:
        raise NetworkError("httpx.ConnectError: refused") from httpx.ConnectError("refused")
    except NetworkError as exc:
        return exc


def _read_timeout() -> Exception:
    import httpx
    from telegram.error import TimedOut

    try:
        raise TimedOut from httpx.ReadTimeout("timed out")
    except TimedOut as exc:
        return exc


@pytest.mark.parametrize("error", [_server_error, _connect_error], ids=["5xx", "connect"])
async def test_a_transient_failure_is_retried_with_back_off(
    virtual_time: VirtualTime, error: Callable[[], Exception]
) -> None:
    limiter = PriorityRateLimiter(rate=30, retry_backoff=0.5, monotonic=virtual_time)
    attempts: list[float] = []

    async def failing_twice() -> str:
        attempts.append(virtual_time())
        if len(attempts) <= 2:
            raise error()
        return "delivered"

    assert await send(limiter, failing_twice) == "delivered"
    assert attempts[1] - attempts[0] >= 0.5 and attempts[2] - attempts[1] >= 1.0


async def test_transient_retries_are_bounded(virtual_time: VirtualTime) -> None:
    from bot.delivery.transport import ServerError

    limiter = PriorityRateLimiter(rate=30, max_retries=3, monotonic=virtual_time)
    attempts = 0

    async def always_failing() -> bool:
        nonlocal attempts
        attempts += 1
        raise _server_error()

    with pytest.raises(ServerError):
        await send(limiter, always_failing)
    assert attempts == 4


async def test_a_read_timeout_is_not_retried_since_the_message_may_have_arrived(
    virtual_time: VirtualTime,
) -> None:
    from telegram.error import TimedOut

    limiter = PriorityRateLimiter(rate=30, monotonic=virtual_time)
    attempts = 0

    async def timing_out() -> bool:
        nonlocal attempts
        attempts += 1
        raise _read_timeout()

    with pytest.raises(TimedOut):
        await send(limiter, timing_out)
    assert attempts == 1


def test_a_window_only_recorded_in_forgets_what_is_out_of_it() -> None:
    """Replies are counted in the budget's window without waiting for it, so the window is
    only ever recorded in: it must still forget instants out of it (it once kept every
    reply's instant for good: 2.3 MiB per 10,000 SOS flows)."""
    window = SendWindow(30, 1.0)
    for n in range(2_000):
        window.record(n * 0.1)

    assert len(window) <= 11
