"""A rate limiter that keeps under Telegram's limits and serves people before schedules.

What counts: only requests that put a message in a chat or change one (``send*`` but
``sendChatAction``, ``edit*``, ``copyMessage``, ``forwardMessage``, ``stopPoll``) spend the
send budget. Answering a callback query, ``getMe``, ``getChatMember``, ``setMyCommands`` and the
like go straight through: Telegram's limits (and python-telegram-bot's own limiter) count
messages.

The limits, counted the way Telegram counts them, per second (see :mod:`bot.delivery.send_window`):

- about 30 messages a second for bulk sends (Telegram's bot FAQ): scheduled sends
  (``rate_limit_args={"background": True}``: check-ins, digests, coaches' notices) go out at
  most ``rate`` in any one-second window, evenly spaced, one after another in the order they
  asked (a FIFO lock: a waiter is never overtaken by a later one);
- replies to someone who just wrote or tapped are not bulk: they count in that window but do
  not wait for it (``reply_rate``, unset by default, caps them if set), unless the bot is
  sending in bulk (a scheduled send waited or went within the window): then every message
  keeps to the budget, replies first. Holding replies to 30 a second at all times held 40
  athletes tapping once a second in a queue that only grew (``bench.bench_http``: p50 363 ms,
  p99 2.2 s); letting them past it during a storm of check-ins drew 429s
  (``bench.bench_checkins``);
- 20 messages a minute per group: at most ``group_limit`` sends to one group in any minute;
- about one message a second per chat, for scheduled sends: a check-in waits a second after
  anything sent to that chat.

Background sends are spaced evenly across the window instead of going in per-second bursts: a
burst fills each second's window at its start and leaves the rest of it empty.

Our window is ``CLOCK_SLACK`` (1.5%) longer than Telegram's second: a window filled to the
exact limit on our clock is crossed on Telegram's by a millisecond of network jitter. So at
most 30 sends in any 1.015 s, 29.56 a second sustained.

A request that waits for its own chat (a 429 pause, a group's minute) is not counted as
waiting: a group storm never holds up anything else.

Failures:

- A 429 pauses that chat only, for its ``retry_after``, and the request is retried. The whole
  bot pauses only when Telegram says the bot as a whole is over the limit: a 429 on a request
  without a chat, or 429s in ``FLOOD_CHATS`` different chats within ``FLOOD_WINDOW`` seconds
  (one busy chat is that chat's problem; several at once is the bot's).
- Transient failures (an HTTP 5xx; a connection never made) are retried with exponential
  back-off, at most ``max_retries`` times; see :mod:`bot.delivery.transient_errors` for why a read
  timeout is not one of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.delivery.send_window import SendWindow
from bot.delivery.transient_errors import is_transient
from bot.metrics import Metrics

_LOGGER = logging.getLogger(__name__)

_Result = bool | dict[str, Any] | list[dict[str, Any]]

# Telegram: "no more than 20 messages per minute to the same group".
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0
# 429s from this many chats within this many seconds mean the bot as a whole is over the limit.
FLOOD_CHATS = 3
FLOOD_WINDOW = 2.0
# Our counting window is this much longer than Telegram's (see the module docstring).
CLOCK_SLACK = 1.015
# Forget stale per-chat bookkeeping once this many chats are tracked (then at twice what
# remained, so pruning stays amortised O(1) a send however many chats are active).
_PRUNE_AT = 1_000

_UNCOUNTED_SENDS = frozenset({"sendChatAction"})
_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")


def spends_budget(endpoint: str) -> bool:
    """Whether a Bot API method puts a message in a chat (or changes one)."""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _UNCOUNTED_SENDS


def is_group(chat_id: object) -> bool:
    """Groups, supergroups and channels have negative ids (or an ``@username``)."""
    if isinstance(chat_id, int):
        return chat_id < 0
    if isinstance(chat_id, str):
        return chat_id.startswith("@") or chat_id.startswith("-")
    return False


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        *,
        rate: float = 30.0,
        reply_rate: float | None = None,
        per_chat_interval: float = 1.0,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        self._monotonic = monotonic
        # A rate below one a second is a window longer than a second holding one send.
        limit = max(1, round(rate))
        self._budget = SendWindow(limit, limit / rate * CLOCK_SLACK)
        self._replies: SendWindow | None = None
        if reply_rate is not None:
            reply_limit = max(1, round(reply_rate))
            self._replies = SendWindow(reply_limit, reply_limit / reply_rate * CLOCK_SLACK)
        self._background_line = asyncio.Lock()  # FIFO: scheduled sends go in the order asked
        self._bulk_waiting = 0  # scheduled sends waiting for a slot
        self._last_bulk = -float("inf")  # when the last scheduled send went
        self._replies_waiting = 0  # replies waiting for the budget (during bulk sends)
        self._group_limit = group_limit
        self._group_window = group_window
        self._groups: dict[object, SendWindow] = {}
        self._last_sent: dict[object, float] = {}  # chat id -> when it was last sent to
        self._chat_paused_until: dict[object, float] = {}
        self._paused_until = 0.0  # the whole bot, after Telegram said it is over the limit
        self._recent_floods: deque[tuple[float, object]] = deque()
        self._prune_at = _PRUNE_AT
        self._background_interval = self._budget.window / limit
        self._next_background = 0.0
        self.metrics: Metrics | None = None  # counts sends, retries and 429s (bot.metrics)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> _Result:
        background = bool(rate_limit_args and rate_limit_args.get("background"))
        chat_id = data.get("chat_id")
        counted = spends_budget(endpoint)
        floods = failures = 0
        while True:
            if (floods or failures) and self.metrics is not None:
                self.metrics.send_retries.inc()  # sent again after a 429 or a transient failure
            if counted:
                await self._acquire(background, chat_id)
            else:
                await self._wait_for_global_pause()
            try:
                result = await callback(*args, **kwargs)
                if counted and self.metrics is not None:
                    self.metrics.messages_sent.inc()
                return result
            except RetryAfter as exc:
                floods += 1
                if self.metrics is not None:
                    self.metrics.telegram_429.inc()
                if floods > self.max_retries:
                    raise
                self._on_flood(chat_id if counted else None, _seconds(exc.retry_after))
            except TelegramError as exc:
                failures += 1
                if failures > self.max_retries or not is_transient(exc):
                    raise
                delay = self.retry_backoff * 2 ** (failures - 1)
                _LOGGER.warning("%s failed (%s); retrying in %.1f s", endpoint, exc.message, delay)
                await asyncio.sleep(delay)

    # --- Waiting -------------------------------------------------------------------------------

    async def _wait_for_global_pause(self) -> None:
        # A deadline, not an event: a later 429 may move it on while we sleep.
        while (wait := self._paused_until - self._monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    async def _acquire(self, background: bool, chat_id: object) -> None:
        """Wait until a send to ``chat_id`` fits every limit, then count it.

        No await between the last check and the counting: the limits hold without a lock.
        """
        if not background:
            await self._acquire_reply(chat_id)
            return
        self._bulk_waiting += 1
        try:
            await self._acquire_background(chat_id)
        finally:
            self._bulk_waiting -= 1

    async def _acquire_background(self, chat_id: object) -> None:
        while True:
            # Waiting for this chat only (its second, its group's minute) happens outside the
            # line: no one else's send waits behind it.
            if (wait := self._chat_wait(chat_id, True, self._monotonic())) > 0:
                await asyncio.sleep(wait)
                continue
            async with self._background_line:
                # A deadline, not an event: a reply or a 429 may move it on while we sleep.
                while (wait := self._background_wait(self._monotonic())) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(wait)
                now = self._monotonic()
                if self._chat_wait(chat_id, True, now) > 0:
                    continue  # its chat was sent to meanwhile: wait for it again
                self._count(chat_id, now)
                self._last_bulk = now
                # On the schedule, not from when we woke: a late wake-up (the event loop was
                # busy) must not slow every later send; at most one slot is made up.
                interval = self._background_interval
                self._next_background = max(self._next_background, now - interval)
                self._next_background += interval
                return

    def _background_wait(self, now: float) -> float:
        wait = max(self._paused_until - now, self._budget.wait(now), self._next_background - now)
        if wait <= 0 and self._replies_waiting:
            wait = 1 / self.rate  # people first: look again after they went
        return wait

    def _bulk_active(self, now: float) -> bool:
        """Scheduled sends are going out (or waiting to): the bot is sending in bulk."""
        return bool(self._bulk_waiting) or now - self._last_bulk < self._budget.window

    async def _acquire_reply(self, chat_id: object) -> None:
        in_line = False  # counted among the replies waiting for the budget
        try:
            while True:
                now = self._monotonic()
                wait = max(self._chat_wait(chat_id, False, now), self._paused_until - now)
                if self._replies is not None:
                    wait = max(wait, self._replies.wait(now))
                if wait <= 0 and self._bulk_active(now):
                    # While the bot sends in bulk, every send is bulk-counted: replies keep to
                    # the budget too, ahead of the scheduled sends.
                    if not in_line:
                        self._replies_waiting += 1
                        in_line = True
                    wait = self._budget.wait(now)
                if wait <= 0:
                    if self._replies is not None:
                        self._replies.record(now)
                    self._count(chat_id, now)
                    return
                await asyncio.sleep(wait)
        finally:
            if in_line:
                self._replies_waiting -= 1

    def _chat_wait(self, chat_id: object, background: bool, now: float) -> float:
        if chat_id is None:
            return 0.0
        wait = self._chat_paused_until.get(chat_id, 0.0) - now
        group = self._groups.get(chat_id) if is_group(chat_id) else None
        if group is not None:
            wait = max(wait, group.wait(now))
        if background and (last := self._last_sent.get(chat_id)) is not None:
            wait = max(wait, last + self.per_chat_interval - now)
        return wait

    def _count(self, chat_id: object, now: float) -> None:
        self._budget.record(now)
        if chat_id is None:
            return
        self._last_sent[chat_id] = now
        if is_group(chat_id):
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = SendWindow(self._group_limit, self._group_window)
            group.record(now)
        if len(self._last_sent) > self._prune_at:
            self._prune(now)
            self._prune_at = max(_PRUNE_AT, 2 * len(self._last_sent))

    def _prune(self, now: float) -> None:
        horizon = now - self.per_chat_interval
        self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
        self._groups = {c: w for c, w in self._groups.items() if not w.is_idle(now)}
        self._chat_paused_until = {c: t for c, t in self._chat_paused_until.items() if t > now}

    # --- 429 -----------------------------------------------------------------------------------

    def _on_flood(self, chat_id: object, wait: float) -> None:
        now = self._monotonic()
        until = now + wait
        if chat_id is not None:
            self._chat_paused_until[chat_id] = max(self._chat_paused_until.get(chat_id, 0), until)
            floods = self._recent_floods
            floods.append((now, chat_id))
            while floods and floods[0][0] < now - FLOOD_WINDOW:
                floods.popleft()
            if len({chat for _, chat in floods}) < FLOOD_CHATS:
                _LOGGER.warning("Telegram asked to wait %.0f s (429); pausing that chat", wait)
                return
        _LOGGER.warning("Telegram asked to wait %.0f s (429); pausing all sends", wait)
        self._paused_until = max(self._paused_until, until)


def _seconds(retry_after: int | float | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
