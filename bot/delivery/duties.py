"""Duties: work that one process does for all of them, held by a lease (``storage.leases``).

Several workers share one PostgreSQL database; some work must be done by one of them at a time:

- ``sender``: the outbox sender (``bot.delivery.outbox``), so that the whole send budget of the
  bot's token (about 30 messages a second) is spent by one rate limiter, and no row is sent by
  two workers;
- ``scheduler``: the tick that claims due check-ins, reminders and digests and fires SOS timers
  whose worker died (``bot.scheduler``);
- ``poller``: in polling mode, the one ``getUpdates`` loop (Telegram allows one); every worker
  handles what it keeps (``bot.delivery.inbox``).

Each worker runs a :class:`Duty` per name: it takes the lease when it is free, renews it every
third of its time to live in a short transaction of its own (never a session lock, which
PgBouncer in transaction mode would break), starts the work when it gets the lease and stops it
when it loses it. A worker that dies stops renewing: another one takes the duty over once the
lease has run out (``CRAMPCOACH_LEASE_SECONDS``). A graceful stop gives the lease back at once.

On SQLite one process runs (the run lock, ``bot.operations.run_lock``): its duties are taken
outright at start-up, a dead process's lease notwithstanding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from storage import leases
from storage.store import Store

_LOGGER = logging.getLogger(__name__)

SENDER = "sender"
SCHEDULER = "scheduler"
POLLER = "poller"

_PROCESS = f"{os.getpid()}:{secrets.token_hex(4)}"  # a pid is reused after a restart


def holder_name(worker_name: str | None = None) -> str:
    """This process in claims and leases: the worker's name (``CRAMPCOACH_WORKER_NAME``, else
    the host's), its pid and a random part; ``check`` shows the name before the first colon."""
    name = (worker_name or socket.gethostname()).replace(":", "_")
    return f"{name}:{_PROCESS}"


HOLDER = holder_name()

Hook = Callable[[], Awaitable[None]]


def wall_clock() -> datetime:
    """Leases compare instants across processes: the real time, never a test's moved clock."""
    return datetime.now(UTC)


class Duty:
    """One named duty as seen by this process: held or not, kept up to date in the background.

    ``on_gained`` starts the work, ``on_lost`` stops it (both awaited in the renewing task, one
    at a time). :attr:`held` is True between them."""

    def __init__(
        self,
        db: Store,
        name: str,
        *,
        holder: str = HOLDER,
        ttl: timedelta = timedelta(seconds=15),
        on_gained: Hook | None = None,
        on_lost: Hook | None = None,
        outright: bool = False,
        on_takeover: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.db = db
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.on_gained = on_gained
        self.on_lost = on_lost
        self.outright = outright
        self.on_takeover = on_takeover  # told the duty's name (the metrics count them)
        self.clock = clock
        self.held = False
        self.held_until: datetime | None = None
        self.takeovers = 0  # times this process took the duty from a holder that stopped
        self._task: asyncio.Task[None] | None = None

    def sure(self) -> bool:
        """Held, and the lease surely not run out yet (by this process's clock): the moment to
        stop doing the work is before another worker may take it, not at the next renewal."""
        return self.held and self.held_until is not None and self.clock() < self.held_until

    @property
    def renew_every(self) -> float:
        return self.ttl.total_seconds() / 3

    async def start(self) -> None:
        """Try once now (so a lone process starts its work at once), then keep trying and
        renewing in the background."""
        await self._turn()
        self._task = asyncio.get_running_loop().create_task(self._keep(), name=f"duty-{self.name}")

    async def stop(self) -> None:
        """Stop renewing; if held, stop the work and give the lease back (another process
        takes the duty at once)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.held:
            await self._lose()
            with contextlib.suppress(Exception):
                await leases.give_back(self.db, self.name, self.holder)

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self._turn()
            except Exception:  # a hook failed: logged, and the next turn tries again
                _LOGGER.exception("The %s duty's turn failed", self.name)

    async def _turn(self) -> None:
        now = self.clock()
        try:
            got = await leases.attempt(
                self.db, self.name, self.holder, now, self.ttl, outright=self.outright
            )
        except Exception:
            # The database cannot be reached: keep the duty while the lease has not run out
            # (nobody else can take it before), stop it as soon as it may have.
            _LOGGER.warning("Could not renew the %s lease; trying again", self.name, exc_info=True)
            if self.held and self.held_until is not None and now >= self.held_until:
                _LOGGER.error("The %s lease ran out unrenewed: stopping that work", self.name)
                await self._lose()
            return
        if got.other is None:
            self.held_until = now + self.ttl
            if not self.held:
                if got.taken_from is not None and not self.outright:
                    self.takeovers += 1
                    if self.on_takeover is not None:
                        self.on_takeover(self.name)
                    _LOGGER.warning(
                        "Took the %s duty over from %s, whose lease ran out",
                        self.name,
                        got.taken_from.split(":")[0],
                    )
                await self._gain()
        elif self.held:
            _LOGGER.critical(
                "The %s lease was taken over by another worker (%s): stopping that work here",
                self.name,
                got.other.holder.split(":")[0],
            )
            await self._lose()

    async def _gain(self) -> None:
        self.held = True
        _LOGGER.info("This worker now does the %s duty", self.name)
        if self.on_gained is None:
            return
        try:
            await self.on_gained()
        except Exception:
            # Not started (the database failed meanwhile): given back, for this worker's
            # next turn or another worker.
            _LOGGER.exception("Could not start the %s duty; giving it back", self.name)
            await self._lose()
            with contextlib.suppress(Exception):
                await leases.give_back(self.db, self.name, self.holder)

    async def _lose(self) -> None:
        self.held = False
        self.held_until = None
        if self.on_lost is not None:
            await self.on_lost()
