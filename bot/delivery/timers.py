"""In-process timers armed from ``storage.timers`` rows, each firing in a unit of work.

The rows are the truth: a unit of work that sets or cancels a timer writes the row, and once it
has committed this process arms (or disarms) an ``asyncio`` timer for it
(:meth:`TimerRunner.after_commit`); at start-up every row is armed again, a past one at once.
When a timer fires, its unit of work takes the row (still there, still due at that instant:
otherwise it was cancelled or moved, and nothing happens) and runs the action its kind names,
all in one transaction: a crash before the commit leaves the row for the next start.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from storage import timers
from storage.store import Store
from storage.timers import Timer
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)

Action = Callable[[Timer], Awaitable[None]]
RunUnit = Callable[[str, Callable[[UnitOfWork], Awaitable[bool]]], Awaitable[bool]]


class TimerRunner:
    def __init__(
        self,
        db: Store,
        clock: Callable[[], datetime],
        actions: Mapping[str, Action],
        run_unit: RunUnit,
    ) -> None:
        self.db = db
        self.clock = clock
        self.actions = actions
        self.run_unit = run_unit
        self._armed: dict[str, asyncio.TimerHandle] = {}
        self._firing: set[asyncio.Task[bool]] = set()
        self._stopped = False

    @property
    def armed(self) -> int:
        return len(self._armed)

    def is_armed(self, key: str) -> bool:
        return key in self._armed

    async def rearm_all(self) -> int:
        """Arm every timer row (at start-up)."""
        rows = await timers.all_timers(self.db)
        for timer in rows:
            self.arm(timer)
        return len(rows)

    async def fire_overdue(self, before: datetime) -> int:
        """Fire every timer due before ``before`` that is not armed here (several workers:
        armed by a worker that died); returns how many were fired."""
        overdue = [t for t in await timers.due_before(self.db, before) if t.key not in self._armed]
        fired = 0
        for timer in overdue:
            fired += await self._run(timer.key, timer.due_at, timer.data)
        return fired

    def after_commit(self, unit: UnitOfWork) -> None:
        for key in unit.timers_cancelled:
            self.disarm(key)
        for timer in unit.timers_set:
            self.arm(timer)

    def arm(self, timer: Timer) -> None:
        if self._stopped:
            return
        self.disarm(timer.key)
        delay = max((timer.due_at - self.clock()).total_seconds(), 0.0)
        loop = asyncio.get_running_loop()
        self._armed[timer.key] = loop.call_later(
            delay, self._fire, timer.key, timer.due_at, timer.data
        )

    def disarm(self, key: str) -> None:
        handle = self._armed.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _fire(self, key: str, due_at: datetime, data: dict[str, object]) -> None:
        self._armed.pop(key, None)
        task = asyncio.get_running_loop().create_task(self._run(key, due_at, data))
        self._firing.add(task)
        task.add_done_callback(self._firing.discard)

    async def _run(self, key: str, due_at: datetime, data: dict[str, object]) -> bool:
        """Fire the timer in a unit of work; whether it was still there to fire."""

        async def work(unit: UnitOfWork) -> bool:
            timer = await timers.take(self.db, key, due_at)
            if timer is None:
                return False  # cancelled or moved since it was armed, or fired elsewhere
            action = self.actions.get(timer.kind)
            if action is None:
                _LOGGER.error("A timer of unknown kind %r was dropped", timer.kind)
                return True
            await action(timer)
            return True

        try:
            return await self.run_unit(_origin(key, due_at, data), work)
        except Exception:
            # Left in the table: armed again at the next start.
            _LOGGER.exception("Timer %s failed", key.split(":", 1)[0])
            return False

    async def stop(self) -> None:
        """Disarm everything (the rows stay) and let the timers firing now finish."""
        self._stopped = True
        for handle in self._armed.values():
            handle.cancel()
        self._armed.clear()
        await asyncio.gather(*self._firing, return_exceptions=True)


def _origin(key: str, due_at: datetime, data: dict[str, object]) -> str:
    """The firing's outbox origin: the same for a firing run again after a crash (the row is
    unchanged), different for each setting of the key (a countdown's next edit)."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
    return f"timer:{key}@{due_at.timestamp():.6f}:{digest}"
