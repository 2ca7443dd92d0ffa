"""Running a unit of work and handing what it committed to the sender and the timers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from bot.delivery.outbox import OutboxSender
from bot.delivery.timers import TimerRunner
from storage.store import Store
from storage.unit_of_work import UnitOfWork, unit_of_work

T = TypeVar("T")


class UnitRunner:
    """Opens units of work on one database; after each commit, its messages go to the outbox
    sender and its timers are armed. Set ``sender`` and ``timers`` before the first run."""

    def __init__(self, db: Store, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.sender: OutboxSender | None = None
        self.timers: TimerRunner | None = None

    async def run(self, origin: str, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run ``work`` in a unit of work named ``origin``: committed if it returns, rolled
        back (nothing sent) if it raises."""
        async with unit_of_work(self.db, origin, self.clock) as unit:
            result = await work(unit)
        self.committed(unit)
        return result

    def committed(self, unit: UnitOfWork) -> None:
        if self.sender is not None and unit.written:
            self.sender.take(unit.written)
        if self.timers is not None:
            self.timers.after_commit(unit)
