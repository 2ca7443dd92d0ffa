"""A rate limiter that keeps under Telegram's limits and serves people before schedules.

Telegram allows about 30 messages a second in all. Every request takes a token from one
bucket refilled at that rate and holding one token at most (a bucket of ``rate`` tokens would
let twice the rate through in its first second). A request marked
``rate_limit_args={"background": True}`` (the scheduler's check-ins) waits while any
interactive request (a reply to someone, maybe mid-cramp) is waiting, so a burst of
check-ins never holds up an SOS reply. A background send also keeps about one message a second
per chat (Telegram's per-chat limit), counting what the chat was just sent interactively.
A 429 pauses everything for its ``retry_after`` and the request is retried, up to
``max_retries`` times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

_LOGGER = logging.getLogger(__name__)

# Requests are spaced evenly at 1/rate: any one-second window holds at most rate + 1 of them.
_CAPACITY = 1.0

_Result = bool | dict[str, Any] | list[dict[str, Any]]


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        *,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        max_retries: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.max_retries = max_retries
        self._last_sent: dict[object, float] = {}  # chat id -> when it was last sent to
        self._monotonic = monotonic
        self._tokens = _CAPACITY
        self._refilled_at = monotonic()
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self._lock = asyncio.Lock()

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
        for attempt in range(self.max_retries + 1):
            await self._acquire(background, chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= self.max_retries:
                    raise
                wait = _seconds(exc.retry_after)
                _LOGGER.warning("Telegram asked to wait %.0f s (429); pausing sends", wait)
                self._paused_until = max(self._paused_until, self._monotonic() + wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(self, background: bool, chat_id: object) -> None:
        if not background:
            self._interactive_waiting += 1
        try:
            while True:
                async with self._lock:
                    now = self._monotonic()
                    self._refill(now)
                    if now < self._paused_until:
                        wait = self._paused_until - now
                    elif background and self._interactive_waiting:
                        wait = 1 / self.rate
                    elif background and (chat_wait := self._chat_wait(chat_id, now)) > 0:
                        wait = chat_wait
                    elif self._tokens >= 1:
                        self._tokens -= 1
                        self._mark_sent(chat_id, now)
                        return
                    else:
                        wait = (1 - self._tokens) / self.rate
                await asyncio.sleep(wait)
        finally:
            if not background:
                self._interactive_waiting -= 1

    def _chat_wait(self, chat_id: object, now: float) -> float:
        last = self._last_sent.get(chat_id)
        return 0.0 if last is None else last + self.per_chat_interval - now

    def _mark_sent(self, chat_id: object, now: float) -> None:
        if chat_id is None:
            return
        self._last_sent[chat_id] = now
        if len(self._last_sent) > 10_000:  # forget chats not sent to within the interval
            horizon = now - self.per_chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(_CAPACITY, self._tokens + elapsed * self.rate)
        self._refilled_at = now


def _seconds(retry_after: int | float | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
