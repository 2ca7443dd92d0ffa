"""One process per PostgreSQL database, until several workers share it by leases.

On SQLite the run lock (``bot.operations.run_lock``) keeps a second process off the file. On
PostgreSQL the database is reached from anywhere, so the process holds the ``worker`` lease
(``storage.leases``) while it runs: taken at start-up (waiting up to :data:`TTL` and a little
more for one left by a process that died, which stops renewing), renewed every
:data:`RENEW_EVERY`, given back at a graceful stop. A second process started meanwhile waits,
then refuses in one line. A process that loses its lease (it stalled for longer than the TTL and
another took over) stops as at SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage import leases
from storage.store import Store

_LOGGER = logging.getLogger(__name__)

NAME = "worker"
TTL = timedelta(seconds=15)
RENEW_EVERY = 5.0  # seconds
START_WAIT = TTL.total_seconds() + 5  # a dead process's lease runs out within this
_POLL = 0.5  # seconds between tries while waiting

# This process: its host, its pid and a random part (a pid is reused after a restart).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseHeld(Exception):
    """Another process holds the database (one line, no secret)."""


class WorkerLease:
    def __init__(
        self,
        db: Store,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        holder: str = HOLDER,
        start_wait: float = START_WAIT,
        renew_every: float = RENEW_EVERY,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.holder = holder
        self.start_wait = start_wait
        self.renew_every = renew_every
        self.on_lost = on_lost
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        """Take the lease, waiting for one a dead process left; :class:`LeaseHeld` if another
        process still renews it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_wait
        while True:
            held = await leases.take(self.db, NAME, self.holder, self.clock(), TTL)
            if held is None:
                break
            if loop.time() >= deadline:
                raise LeaseHeld(
                    f"another process ({held.holder.split(':')[0]}) runs the bot on this "
                    "PostgreSQL database: one process per database for now (see the README's "
                    "PostgreSQL)"
                )
            await asyncio.sleep(_POLL)
        # Wall-clock time, not the bot's clock (tests move that one by days): the expiry is
        # compared across processes.
        self._renewing = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                held = await leases.take(self.db, NAME, self.holder, self.clock(), TTL)
            except Exception:  # the database is down for now: try again at the next turn
                _LOGGER.warning("Could not renew the worker lease; trying again", exc_info=True)
                continue
            if held is not None:
                _LOGGER.critical("The worker lease was taken over by another process: stopping")
                if self.on_lost is not None:
                    self.on_lost()
                return

    async def release(self) -> None:
        """Stop renewing and give the lease back (a graceful stop)."""
        if self._renewing is None:
            return
        self._renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._renewing
        self._renewing = None
        await leases.give_back(self.db, NAME, self.holder)
