"""Recovery plans and their daily check-ins.

The database holds each active plan's next check-in as a UTC instant (``next_checkin_at``),
indexed, so the scheduler asks "what is due now?" instead of keeping a job per user.
A check-in is claimed before it is sent: claiming inserts its row, unique per plan and local
date, and moves the plan's next instant on in the same transaction. That makes a second claim of
the same day impossible, whatever restarts happen.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from rules.plan_clock import DueSlot
from rules.recovery import Stage
from storage.store import Row, Store, skip_locked
from storage.timestamps import from_db, from_db_or_none, to_db

_LOGGER = logging.getLogger(__name__)


class PlanStatus(StrEnum):
    """Where a plan is in its life. Stored by value: keep the values stable."""

    SETUP = "setup"  # the athlete is choosing the check-in time and zone
    ACTIVE = "active"  # check-ins are scheduled
    PAUSED = "paused"  # by /pause, or after three unanswered days
    UNREACHABLE = "unreachable"  # the athlete blocked the bot
    ENDED = "ended"


class SettingField(StrEnum):
    """The setting an athlete is choosing (the plan's ``editing`` column)."""

    TIME = "time"
    ZONE = "zone"


LIVE_STATUSES = (PlanStatus.SETUP, PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.UNREACHABLE)
PAUSE_AFTER_UNANSWERED = 3  # days in a row without an answer


@dataclass(frozen=True)
class Plan:
    id: int
    user_id: int
    chat_id: int
    episode_id: int | None
    cramp_at: datetime
    checkin_time: str | None  # "HH:MM", local
    zone: str | None  # IANA name
    stage: Stage
    status: PlanStatus
    editing: SettingField | None  # while the athlete is choosing one
    next_checkin_at: datetime | None
    unanswered_days: int
    recurrences: int
    created_at: datetime
    muscle: str | None  # the cramped muscle the plan is for ("calf", "hamstring", ...)
    # On hold after a warning sign, until the athlete says a doctor has cleared them: since
    # when, and why (a short key such as "clot", "urine", "pain", "sos_cause").
    held_since: datetime | None = None
    held_for: str | None = None

    @property
    def held(self) -> bool:
        return self.held_since is not None


@dataclass(frozen=True)
class Checkin:
    id: int
    plan_id: int
    local_date: date
    day: int
    claimed_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    pain: int | None
    yesterday: str | None
    warning_sign: bool | None
    stage_before: Stage | None
    stage_after: Stage | None
    decision: str | None
    reminded: bool


@dataclass(frozen=True)
class Claimed:
    """A check-in claimed for sending (``checkin`` is None when the plan was paused instead)."""

    plan: Plan
    checkin: Checkin | None


def _plan(row: Row) -> Plan:
    return Plan(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        episode_id=row["episode_id"],
        cramp_at=from_db(row["cramp_at"]),
        checkin_time=row["checkin_time"],
        zone=row["zone"],
        stage=Stage(row["stage"]),
        status=PlanStatus(row["status"]),
        editing=None if row["editing"] is None else SettingField(row["editing"]),
        next_checkin_at=from_db_or_none(row["next_checkin_at"]),
        unanswered_days=row["unanswered_days"],
        recurrences=row["recurrences"],
        created_at=from_db(row["created_at"]),
        muscle=row["muscle"],
        held_since=from_db_or_none(row["held_since"]),
        held_for=row["held_for"],
    )


def _checkin(row: Row) -> Checkin:
    warning = row["warning_sign"]
    return Checkin(
        id=row["id"],
        plan_id=row["plan_id"],
        local_date=date.fromisoformat(row["local_date"]),
        day=row["day"],
        claimed_at=from_db(row["claimed_at"]),
        sent_at=from_db_or_none(row["sent_at"]),
        answered_at=from_db_or_none(row["answered_at"]),
        pain=row["pain"],
        yesterday=row["yesterday"],
        warning_sign=None if warning is None else bool(warning),
        stage_before=None if row["stage_before"] is None else Stage(row["stage_before"]),
        stage_after=None if row["stage_after"] is None else Stage(row["stage_after"]),
        decision=row["decision"],
        reminded=bool(row["reminded"]),
    )


# --- Plans ---------------------------------------------------------------------------------


async def get_plan(db: Store, plan_id: int) -> Plan | None:
    row = await db.fetch_one("SELECT * FROM plans WHERE id = ?", (plan_id,))
    return None if row is None else _plan(row)


async def live_plan_of(db: Store, user_id: int) -> Plan | None:
    """The user's plan that is being set up, running, paused or unreachable; at most one."""
    row = await db.fetch_one(
        "SELECT * FROM plans WHERE user_id = ? AND status IN (?, ?, ?, ?)",
        (user_id, *LIVE_STATUSES),
    )
    return None if row is None else _plan(row)


async def create_plan(
    db: Store,
    *,
    user_id: int,
    chat_id: int,
    episode_id: int | None,
    cramp_at: datetime,
    now: datetime,
    muscle: str | None = None,
) -> Plan:
    """Start setting up a plan (the check-in time is asked first). Returns the live plan."""
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO plans (user_id, chat_id, episode_id, cramp_at, status, editing, "
            "created_at, muscle) VALUES (?, ?, ?, ?, 'setup', 'time', ?, ?) "
            "ON CONFLICT DO NOTHING",
            (user_id, chat_id, episode_id, to_db(cramp_at), to_db(now), muscle),
        )
    plan = await live_plan_of(db, user_id)
    assert plan is not None
    return plan


async def set_checkin_time(db: Store, plan_id: int, hhmm: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET checkin_time = ?, "
            "editing = CASE WHEN status = 'setup' THEN 'zone' ELSE NULL END WHERE id = ?",
            (hhmm, plan_id),
        )


async def set_zone(db: Store, plan_id: int, zone: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET zone = ?, editing = NULL, attention = NULL WHERE id = ?",
            (zone, plan_id),
        )


async def set_editing(db: Store, plan_id: int, editing: SettingField | None) -> None:
    async with db.write() as conn:
        await conn.execute("UPDATE plans SET editing = ? WHERE id = ?", (editing, plan_id))


async def schedule(
    db: Store,
    plan_id: int,
    next_checkin_at: datetime | None,
    *,
    status: PlanStatus = PlanStatus.ACTIVE,
) -> None:
    """Set the plan's status and its next check-in instant (None: nothing scheduled)."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET status = ?, next_checkin_at = ?, attention = NULL, "
            "unanswered_days = CASE WHEN ? = 'active' THEN 0 ELSE unanswered_days END "
            "WHERE id = ?",
            (
                status,
                None if next_checkin_at is None else to_db(next_checkin_at),
                status,
                plan_id,
            ),
        )


async def retry_pause_notice(db: Store, plan_id: int, at: datetime) -> None:
    """The "carry on?" message failed to send: make the plan due again at ``at``.

    Its unanswered count is kept, so the next claim pauses it again and re-sends the question.
    """
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET status = 'active', next_checkin_at = ? "
            "WHERE id = ? AND status = 'paused'",
            (to_db(at), plan_id),
        )


async def end_plan(db: Store, plan_id: int, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET status = 'ended', ended_at = ?, next_checkin_at = NULL, "
            "editing = NULL WHERE id = ?",
            (to_db(now), plan_id),
        )


async def hold_plan(db: Store, plan_id: int, reason: str, now: datetime) -> bool:
    """Put the plan on hold until a doctor has seen the athlete (``reason``: a short key).

    True if the hold starts now; a plan already on hold keeps its first reason and time.
    """
    result = await db.execute_write(
        "UPDATE plans SET held_since = ?, held_for = ? WHERE id = ? AND held_since IS NULL",
        (to_db(now), reason, plan_id),
    )
    return result.rowcount > 0


async def clear_hold(db: Store, plan_id: int) -> bool:
    """A doctor has cleared the athlete: the plan goes on. True if it was on hold."""
    result = await db.execute_write(
        "UPDATE plans SET held_since = NULL, held_for = NULL "
        "WHERE id = ? AND held_since IS NOT NULL",
        (plan_id,),
    )
    return result.rowcount > 0


async def restart_for_recurrence(db: Store, user_id: int, cramp_at: datetime) -> bool:
    """A new cramp during a plan: back to day 0 and the first stage. True if there was a plan."""
    result = await db.execute_write(
        "UPDATE plans SET cramp_at = ?, stage = 0, recurrences = recurrences + 1 "
        "WHERE user_id = ? AND status IN ('active', 'paused', 'unreachable')",
        (to_db(cramp_at), user_id),
    )
    return result.rowcount > 0


async def set_muscle_of_live_plan(db: Store, user_id: int, muscle: str) -> None:
    """A recurrence during a plan: the plan now follows the muscle that cramped this time."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET muscle = ? WHERE user_id = ? "
            "AND status IN ('active', 'paused', 'unreachable')",
            (muscle, user_id),
        )


async def mark_unreachable(db: Store, user_id: int) -> None:
    """The user blocked the bot: stop scheduled sends until they come back."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE plans SET status = 'unreachable' WHERE user_id = ? AND status = 'active'",
            (user_id,),
        )


async def claim_due(
    db: Store,
    now: datetime,
    limit: int,
    slot_of: Callable[[Plan], DueSlot],
) -> list[Claimed]:
    """Claim up to ``limit`` due check-ins, oldest first, in one transaction.

    ``slot_of`` says for a plan which local date and day is due now and when the next one is
    (the zone arithmetic lives with the recovery rules). After downtime a plan gets one
    check-in, the latest due, because its next instant is computed from ``now``. A plan whose
    last ``PAUSE_AFTER_UNANSWERED`` check-ins went unanswered is paused instead.
    """
    stamp = to_db(now)
    async with db.write() as conn:
        async with conn.execute(
            "SELECT p.*, ("
            "  SELECT c.sent_at IS NOT NULL AND c.answered_at IS NULL FROM checkins c"
            "  WHERE c.plan_id = p.id ORDER BY c.local_date DESC LIMIT 1"
            ") AS last_unanswered "
            "FROM plans p WHERE p.status = 'active' AND p.next_checkin_at <= ? "
            f"ORDER BY p.next_checkin_at LIMIT ?{skip_locked(db, 'p')}",
            (stamp, limit),
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        new_rows: list[tuple[object, ...]] = []
        plan_updates: list[tuple[object, ...]] = []
        paused: list[Plan] = []
        due: dict[int, Plan] = {}
        set_aside: list[tuple[str, int]] = []
        for row in rows:
            try:
                plan = _plan(row)
                slot = slot_of(plan)
            except Exception as exc:
                # One plan that cannot be scheduled (a zone that no longer loads, a damaged
                # row) must not stop everyone else's check-in: it is set aside for attention.
                set_aside.append((_reason(exc), int(row["id"])))
                continue
            unanswered = plan.unanswered_days + (1 if row["last_unanswered"] else 0)
            if unanswered >= PAUSE_AFTER_UNANSWERED:
                paused.append(plan)
                continue
            due[plan.id] = plan
            new_rows.append((plan.id, slot.local_date.isoformat(), slot.day, stamp))
            plan_updates.append((to_db(slot.next_checkin_at), unanswered, plan.id))
        await conn.executemany(
            "INSERT INTO checkins (plan_id, local_date, day, claimed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (plan_id, local_date) DO NOTHING",
            new_rows,
        )
        # A newer check-in supersedes the older ones: no reminder for those (after downtime it
        # would come with the catch-up, a burst of two).
        await conn.executemany(
            "UPDATE checkins SET remind_at = NULL "
            "WHERE plan_id = ? AND local_date < ? AND remind_at IS NOT NULL",
            [(plan_id, local_date) for plan_id, local_date, _, _ in new_rows],
        )
        await conn.executemany(
            # A settings change left open is dropped: from now on, typed numbers are pain scores.
            "UPDATE plans SET next_checkin_at = ?, unanswered_days = ?, editing = NULL "
            "WHERE id = ?",
            plan_updates,
        )
        await conn.executemany(
            "UPDATE plans SET status = 'paused', next_checkin_at = NULL WHERE id = ?",
            [(plan.id,) for plan in paused],
        )
        await conn.executemany(_SET_ASIDE, set_aside)
        for reason, plan_id in set_aside:
            _LOGGER.error(
                "Plan %d cannot be scheduled, set aside for attention: %s (in plans.attention)",
                plan_id,
                _kind(reason),
            )
        claimed: list[Claimed] = [Claimed(plan, None) for plan in paused]
        if due:
            # The plan ids go in as one JSON array: a list of placeholders could pass SQLite's
            # limit on bound variables.
            async with conn.execute(
                "SELECT * FROM checkins WHERE claimed_at = ? AND sent_at IS NULL "
                "AND plan_id IN (SELECT value FROM json_each(?))",
                (stamp, json.dumps(list(due))),
            ) as cursor:
                for checkin_row in await cursor.fetchall():
                    checkin = _checkin(checkin_row)
                    claimed.append(Claimed(due[checkin.plan_id], checkin))
    return claimed


# Nothing is due for a plan set aside; ``attention`` says why, for whoever looks into it.
_SET_ASIDE = "UPDATE plans SET attention = ?, next_checkin_at = NULL WHERE id = ?"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _kind(reason: str) -> str:
    """A reason's exception type, for the log: its words may quote the plan's data."""
    return reason.split(":", 1)[0]


async def set_aside(db: Store, plan_id: int, exc: BaseException) -> None:
    """A plan whose check-in cannot be built or sent (not a Telegram error): stop its sends
    and mark it for attention, with one logged reason."""
    async with db.write() as conn:
        await conn.execute(_SET_ASIDE, (_reason(exc), plan_id))
    _LOGGER.error(
        "Plan %d set aside for attention: %s (in plans.attention)", plan_id, type(exc).__name__
    )


async def needing_attention(db: Store) -> list[tuple[int, str]]:
    """Plans set aside by the scheduler, with the reason: (plan id, reason)."""
    rows = await db.fetch_all(
        "SELECT id, attention FROM plans WHERE attention IS NOT NULL ORDER BY id"
    )
    return [(int(row["id"]), str(row["attention"])) for row in rows]


async def unsent_checkins(
    db: Store, claimed_before: datetime, claimed_after: datetime
) -> list[Claimed]:
    """Check-ins claimed but never recorded as sent (a crash between the two): send again."""
    rows = await db.fetch_all(
        "SELECT c.* FROM checkins c JOIN plans p ON p.id = c.plan_id "
        "WHERE c.sent_at IS NULL AND c.claimed_at < ? AND c.claimed_at >= ? "
        "AND p.status = 'active' AND p.attention IS NULL ORDER BY c.claimed_at LIMIT 1000",
        (to_db(claimed_before), to_db(claimed_after)),
    )
    result = []
    for row in rows:
        checkin = _checkin(row)
        plan = await get_plan(db, checkin.plan_id)
        if plan is not None:
            result.append(Claimed(plan, checkin))
    return result


async def mark_sent(
    db: Store, checkin_id: int, sent_at: datetime, remind_at: datetime | None
) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE checkins SET sent_at = ?, remind_at = ? WHERE id = ?",
            (to_db(sent_at), None if remind_at is None else to_db(remind_at), checkin_id),
        )


async def drop_unsendable(db: Store, checkin_id: int) -> None:
    """Forget a check-in that could not be delivered (the user blocked the bot): it was never
    seen, so it is not an unanswered day."""
    async with db.write() as conn:
        await conn.execute(
            "DELETE FROM checkins WHERE id = ? AND answered_at IS NULL AND pain IS NULL",
            (checkin_id,),
        )


async def claim_reminders(db: Store, now: datetime, limit: int) -> list[Claimed]:
    """Unanswered check-ins whose reminder or snooze is due; each is claimed once."""
    stamp = to_db(now)
    async with db.write() as conn:
        async with conn.execute(
            "SELECT c.* FROM checkins c JOIN plans p ON p.id = c.plan_id "
            "WHERE c.remind_at IS NOT NULL AND c.remind_at <= ? AND c.answered_at IS NULL "
            "AND p.status = 'active' AND p.attention IS NULL ORDER BY c.remind_at "
            f"LIMIT ?{skip_locked(db, 'c')}",
            (stamp, limit),
        ) as cursor:
            rows = list(await cursor.fetchall())
        await conn.executemany(
            "UPDATE checkins SET remind_at = NULL, reminded = 1 WHERE id = ?",
            [(row["id"],) for row in rows],
        )
    result = []
    for row in rows:
        checkin = _checkin(row)
        plan = await get_plan(db, checkin.plan_id)
        if plan is not None:
            result.append(Claimed(plan, checkin))
    return result


# --- Answers -------------------------------------------------------------------------------


async def get_checkin(db: Store, checkin_id: int) -> Checkin | None:
    row = await db.fetch_one("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
    return None if row is None else _checkin(row)


async def current_checkin_of(db: Store, plan_id: int) -> Checkin | None:
    """The plan's newest sent check-in, answered or not: the only one that takes answers."""
    row = await db.fetch_one(
        "SELECT * FROM checkins WHERE plan_id = ? AND sent_at IS NOT NULL "
        "ORDER BY local_date DESC LIMIT 1",
        (plan_id,),
    )
    return None if row is None else _checkin(row)


async def open_checkin_of(db: Store, plan_id: int) -> Checkin | None:
    """The plan's newest sent check-in if it is still waiting for answers.

    An older unanswered one is superseded by the newer one: answers never go to it.
    """
    checkin = await current_checkin_of(db, plan_id)
    return None if checkin is None or checkin.answered_at is not None else checkin


async def has_checkin_on(db: Store, plan_id: int, local_date: date) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM checkins WHERE plan_id = ? AND local_date = ?",
        (plan_id, local_date.isoformat()),
    )
    return row is not None


async def checkins_of(db: Store, plan_id: int) -> list[Checkin]:
    rows = await db.fetch_all(
        "SELECT * FROM checkins WHERE plan_id = ? ORDER BY local_date", (plan_id,)
    )
    return [_checkin(row) for row in rows]


async def previous_pain(db: Store, plan_id: int, before: date) -> int | None:
    row = await db.fetch_one(
        "SELECT pain FROM checkins WHERE plan_id = ? AND local_date < ? AND pain IS NOT NULL "
        "ORDER BY local_date DESC LIMIT 1",
        (plan_id, before.isoformat()),
    )
    return None if row is None else int(row["pain"])


async def record_pain(db: Store, checkin_id: int, pain: int) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE checkins SET pain = ?, remind_at = NULL WHERE id = ? AND answered_at IS NULL",
            (pain, checkin_id),
        )


async def record_yesterday(db: Store, checkin_id: int, outcome: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE checkins SET yesterday = ? WHERE id = ? AND answered_at IS NULL",
            (outcome, checkin_id),
        )


async def snooze(db: Store, checkin_id: int, until: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE checkins SET remind_at = ? WHERE id = ? AND answered_at IS NULL",
            (to_db(until), checkin_id),
        )


async def complete_checkin(
    db: Store,
    checkin: Checkin,
    *,
    warning_sign: bool,
    decision: str,
    stage_before: Stage,
    stage_after: Stage,
    now: datetime,
    hold_for: str | None = None,
) -> bool:
    """Record the last answer and the day's decision; move the plan's stage. Once only.

    With ``hold_for``, the plan goes on hold in the same transaction (see ``hold_plan``).
    """
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE checkins SET warning_sign = ?, decision = ?, stage_before = ?, "
            "stage_after = ?, answered_at = ?, remind_at = NULL "
            "WHERE id = ? AND answered_at IS NULL",
            (int(warning_sign), decision, stage_before, stage_after, to_db(now), checkin.id),
        )
        if cursor.rowcount != 1:
            return False
        await conn.execute(
            "UPDATE plans SET stage = ?, unanswered_days = 0 WHERE id = ?",
            (stage_after, checkin.plan_id),
        )
        if hold_for is not None:
            await conn.execute(
                "UPDATE plans SET held_since = ?, held_for = ? WHERE id = ? AND held_since IS NULL",
                (to_db(now), hold_for, checkin.plan_id),
            )
    return True
