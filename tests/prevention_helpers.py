"""Shared helpers for the prevention programme's tests: a programme made through the store
(its set-up is another flow's), active on Monday and Thursday at 08:00 in Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rules.strength import Answer
from storage import prevention, users
from storage.prevention import Programme, Slot
from storage.store import Store

USER = 1001
SUNDAY_CHECKIN = datetime(2027, 3, 21, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


async def make_programme(db: Store, now: datetime, *, done: tuple[date, ...] = ()) -> None:
    await make_programme_for(db, USER, now, done=done)


async def make_programme_for(
    db: Store, user_id: int, now: datetime, *, done: tuple[date, ...] = ()
) -> None:
    """An active programme (Mon and Thu, 08:00 Berlin) with sessions reported done on ``done``
    (and one skipped), its weekly check-in due at ``SUNDAY_CHECKIN``."""
    await users.ensure_user(db, user_id, now)
    await prevention.start_setup(db, user_id, user_id, "Europe/Berlin", now)
    await prevention.set_weekdays(db, user_id, "0,3", now)
    await prevention.activate(
        db,
        user_id,
        session_time="08:00",
        zone="Europe/Berlin",
        next_session_at=now,
        next_week_at=SUNDAY_CHECKIN,
        now=now,
    )
    for day, answer in [*((d, Answer.DONE) for d in done), (date(2027, 3, 19), Answer.SKIPPED)]:

        def slot(programme: Programme, day: date = day) -> Slot:
            return Slot(day, now)

        [(_, session)] = await prevention.claim_due_sessions(db, now, 10, slot)
        await prevention.mark_session_sent(db, session.id, now)
        assert await prevention.record_answer(db, session.id, answer, now)
    # The sessions are another flow's: none is due while these tests run.
    await db.execute_write(
        "UPDATE programmes SET next_session_at = NULL WHERE user_id = ?", (user_id,)
    )
