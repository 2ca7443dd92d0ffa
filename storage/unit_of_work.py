"""One unit of work per update: its writes, its conversation steps, its inbox row's done mark
and the messages it sends, committed in one transaction at its end.

Handlers read what they need and write as they go (``storage.db`` puts every write made in the
unit's task into its transaction); what they send is queued here (:meth:`UnitOfWork.send`) and
written to the outbox with the rest. Nothing is sent before the commit, so a crash at any
instant either keeps all of it, the update done and its messages waiting in the outbox, or
none of it, the update still in the inbox to be handled again, which writes the same outbox
keys (``<origin>#<position>``): nothing doubles.

Timers (``storage.timers``) set in a unit are written with it; the process arms them after the
commit (:attr:`UnitOfWork.timers_set`).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from storage import conversation_steps, inbox, outbox, timers
from storage.store import Store, Turn
from storage.timers import Timer

_CURRENT: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "crampcoach_unit_of_work", default=None
)


class NoUnitOfWork(RuntimeError):
    """Something was sent outside a unit of work: it would never be committed or sent."""


class UnitOfWork:
    """What one update (or one timer, or one scheduled send) does, until it is committed."""

    def __init__(self, db: Store, turn: Turn, origin: str) -> None:
        self.db = db
        self.turn = turn
        self.origin = origin
        self.messages: list[outbox.Message] = []
        self.conversation: tuple[int, int] | None = None  # (chat, user) whose steps are loaded
        self._steps: dict[str, str] = {}
        # The user's language setting, read with the steps (storage.users.language_setting).
        self.language_setting: tuple[str, bool] | None = None
        self._step_changes: dict[str, str | None] = {}
        self.inbox_update: int | None = None  # the inbox row to mark done with the commit
        self.inbox_holder: str | None = None  # the worker whose claim on that row must hold
        self.timers_set: list[Timer] = []
        self.timers_cancelled: list[str] = []
        self._forget_chats: set[int] = set()
        self.written: list[outbox.Row] = []  # after the commit: the rows it wrote, for the sender

    # --- Conversation steps ----------------------------------------------------------------

    async def load_steps(self, chat_id: int, user_id: int) -> None:
        self.conversation = (chat_id, user_id)
        loaded = await conversation_steps.steps_and_language(self.db, chat_id, user_id)
        self._steps, self.language_setting = loaded

    def step(self, flow: str) -> str | None:
        """The flow's step in this chat for this user, as this unit leaves it so far."""
        if flow in self._step_changes:
            return self._step_changes[flow]
        return self._steps.get(flow)

    def set_step(self, flow: str, step: str | None) -> None:
        """Move the flow to ``step`` (None: the flow has ended)."""
        if self.conversation is None:
            raise RuntimeError("no conversation loaded in this unit of work")
        self._step_changes[flow] = step

    def forget_messages_to(self, chat_id: int) -> None:
        """Messages this unit sends to ``chat_id`` leave no outbox row once sent (their data
        was erased)."""
        self._forget_chats.add(chat_id)

    def forget_steps(self) -> None:
        """Every flow of this conversation has ended (the person's data was erased)."""
        for flow in {*self._steps, *self._step_changes}:
            self._step_changes[flow] = None

    # --- Messages and timers ---------------------------------------------------------------

    def send(self, message: outbox.Message) -> str:
        """Queue ``message``; returns its key ("origin#position"), by which an edit names it."""
        self.messages.append(message)
        return f"{self.origin}#{len(self.messages) - 1}"

    async def set_timer(self, timer: Timer) -> None:
        await timers.set_timer(self.db, timer)
        self.timers_set.append(timer)

    async def cancel_timers(self, *keys: str) -> None:
        await timers.cancel(self.db, *keys)
        self.timers_cancelled.extend(keys)

    # --- Ending ----------------------------------------------------------------------------

    async def undo(self) -> None:
        """Throw away everything so far (a handler failed); the unit stays open, so the
        apology sent next is committed with the inbox row's done mark."""
        await self.turn.undo()
        self.messages.clear()
        self._step_changes.clear()
        self.timers_set.clear()
        self.timers_cancelled.clear()

    async def commit(self, now: datetime) -> None:
        """Write the steps, the messages and the done mark, and commit the whole unit."""
        writes = self.turn.begun or self.messages or self._step_changes
        if writes or self.inbox_update is not None:
            tx = await self.turn.tx()
            if self._step_changes and self.conversation is not None:
                chat_id, user_id = self.conversation
                changed = {
                    flow: step
                    for flow, step in self._step_changes.items()
                    if self._steps.get(flow) != step
                }
                await conversation_steps.write(tx, chat_id, user_id, changed)
            if self._forget_chats:
                self.messages = [
                    dataclasses.replace(m, forget=True) if m.chat_id in self._forget_chats else m
                    for m in self.messages
                ]
            added = await outbox.add(tx, self.origin, self.messages, now)
            self.written = [
                outbox.Row.of(row_id, self.origin, position, self.messages[position])
                for position, row_id in added
            ]
            if self.inbox_update is not None:
                await inbox.mark_done_in(tx, self.inbox_update, now, holder=self.inbox_holder)
        await self.turn.commit()


@contextlib.asynccontextmanager
async def unit_of_work(
    db: Store, origin: str, clock: Callable[[], datetime]
) -> AsyncIterator[UnitOfWork]:
    """Open a unit of work in the current task; committed when the block ends without an
    error, rolled back (nothing written, nothing sent) when it raises."""
    async with db.turn() as turn:
        unit = UnitOfWork(db, turn, origin)
        token = _CURRENT.set(unit)
        try:
            yield unit
        finally:
            _CURRENT.reset(token)
        await unit.commit(clock())


def current() -> UnitOfWork:
    """The unit of work of the update (or timer) being handled."""
    unit = _CURRENT.get()
    if unit is None or unit.turn.closed:
        raise NoUnitOfWork("messages are sent from within a unit of work (an update, a timer)")
    return unit


def current_or_none() -> UnitOfWork | None:
    unit = _CURRENT.get()
    return None if unit is None or unit.turn.closed else unit
