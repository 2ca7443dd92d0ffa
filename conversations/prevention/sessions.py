"""The scheduler's part of the prevention programme: due strength sessions claimed from the
database each tick (``storage.prevention.claim_due_sessions``: one row per athlete and local
date, so a restart never claims a session twice) and each queued in a unit of work of its own,
keyed ``prevention-session:<id>``. A claim whose unit never committed is found again after the
lease and queued under the same key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from conversations.i18n.recipients import speaking_to
from conversations.prevention.flow import SESSION_ORIGIN, queue_session, session_slot
from conversations.services import Services
from storage import prevention
from storage.prevention import Programme, Session
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
RunUnit = Callable[[str, Callable[[UnitOfWork], Awaitable[T]]], Awaitable[T]]

BATCH = 1000
CLAIM_LEASE = timedelta(minutes=2)  # as the daily check-in's (conversations.plan.checkin)
RETRY_FOR = timedelta(hours=12)


async def send_prevention_sessions(svc: Services, run_unit: RunUnit[object], now: datetime) -> int:
    """Queue the sessions due now (and unsent claims from before); how many were queued."""
    retried = await prevention.unsent_sessions(svc.db, now - CLAIM_LEASE, now - RETRY_FOR)

    async def claim(unit: UnitOfWork) -> list[tuple[Programme, Session]]:
        return await prevention.claim_due_sessions(
            svc.db, now, BATCH, partial(session_slot, now=now)
        )

    stamp = now.timestamp()
    try:
        claimed = await run_unit(f"tick:{stamp}:prevention", claim)
    except Exception as exc:  # the check-ins, digests and heat warnings still go out
        _LOGGER.warning("Prevention sessions could not be claimed: %s", type(exc).__name__)
        claimed = []
    assert isinstance(claimed, list)
    queued = 0
    for programme, session in [*retried, *claimed]:
        await asyncio.sleep(0)  # let people's updates in between units
        try:
            await run_unit(
                f"{SESSION_ORIGIN}{session.id}", partial(_queue, svc, programme, session)
            )
        except Exception as exc:  # one programme's data must not stop the others
            _LOGGER.warning("A prevention session could not be queued: %s", type(exc).__name__)
            continue
        queued += 1
    return queued


async def _queue(svc: Services, programme: Programme, session: Session, unit: UnitOfWork) -> bool:
    async with speaking_to(svc.db, programme.user_id):
        await queue_session(svc, programme, session)
    return True
