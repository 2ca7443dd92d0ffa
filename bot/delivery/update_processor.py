"""Updates handled concurrently across chats, strictly in order within one chat.

python-telegram-bot handles updates one at a time by default: one athlete's slow round trip to
Telegram (or a slow step) holds up everyone behind it. Its ``concurrent_updates`` setting runs
them all at once, which breaks a ``ConversationHandler``: two quick taps by the same person
could run side by side and both see the old state.

:class:`PerChatUpdateProcessor` keeps a line per key (the chat; the user for updates without a
chat): an update starts only when the previous update of its key has finished, including its
unit of work's commit, while other keys' updates run beside it. At most ``max_running`` updates
run at once; more wait their turn (FIFO), without limit on how many may wait (the updater's
queue is the buffer). Conversation keys are (chat, user), so ordering by chat also orders each
conversation.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates that may be in progress at once (mostly waiting on Telegram or the database).
MAX_RUNNING = 256
# python-telegram-bot's own semaphore bounds updates that have *entered* the processor, waiting
# or running. It is acquired before we see the update, so it must never be the thing that
# blocks, or a chat's queued updates could take every slot while they wait for their turn.
_ENTERED_BOUND = 1_000_000


def ordering_key(update: object) -> Hashable | None:
    """The line an update waits in: its chat, else its user; None runs it unordered."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat, at most ``max_running`` at once."""

    __slots__ = ("_running", "_tails", "max_running")

    def __init__(self, max_running: int = MAX_RUNNING) -> None:
        super().__init__(_ENTERED_BOUND)
        self.max_running = max_running
        self._running = asyncio.BoundedSemaphore(max_running)
        # The last update in each key's line: its successor waits for this future.
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def lines(self) -> int:
        """Keys with an update waiting or running (bounded by the chats active right now)."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # Join the line before the first await: the order updates arrive in is the order
        # they are handled in.
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        try:
            if previous is not None:
                # shield: a cancelled successor must not cancel the wait of the one before it.
                await asyncio.shield(previous)
            async with self._running:
                await coroutine
        except BaseException:
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == (
                inspect.CORO_CREATED
            ):
                coroutine.close()  # cancelled while waiting: never started, no warning
            raise
        finally:
            done.set_result(None)
            if self._tails.get(key) is done:
                del self._tails[key]
