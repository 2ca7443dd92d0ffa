"""Cramp episodes: written step by step as the SOS flow goes, not only at its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.store import Row, Store
from storage.timestamps import from_db, from_db_or_none, to_db


class Outcome(StrEnum):
    EASED = "eased"
    ESCALATED = "escalated"  # a red flag: sent to emergency help
    NOT_EASED = "not_eased"  # still cramping after about ten minutes: sent to medical help
    REST_ADVICE = "rest_advice"  # a night / at-rest cramp: gentle relief only
    CANCELLED = "cancelled"


# The circumstances asked after a cramp eases; the names are the table's columns.
CIRCUMSTANCE_FIELDS = frozenset({"activity", "time_into", "hot_conditions", "heavy_clothing"})


@dataclass(frozen=True)
class Episode:
    id: int
    user_id: int
    started_at: datetime
    ended_at: datetime | None
    context: str | None
    muscle: str | None
    red_flag: str | None
    relief_tried: tuple[str, ...]
    helped: str | None
    outcome: Outcome | None
    activity: str | None
    time_into: str | None
    hot_conditions: bool | None
    heavy_clothing: bool | None
    is_recurrence: bool
    # Which screens of warning signs were shown and answered: None (neither), "first" (the
    # first screen only) or "all" (every sign in rules.red_flags was shown).
    signs_cleared: str | None = None
    # Someone helping the person who is cramping (a teammate, a coach): no plan, no alerts.
    helper: bool = False

    @property
    def is_open(self) -> bool:
        return self.outcome is None


def _episode(row: Row) -> Episode:
    hot, heavy, outcome = row["hot_conditions"], row["heavy_clothing"], row["outcome"]
    return Episode(
        id=row["id"],
        user_id=row["user_id"],
        started_at=from_db(row["started_at"]),
        ended_at=from_db_or_none(row["ended_at"]),
        context=row["context"],
        muscle=row["muscle"],
        red_flag=row["red_flag"],
        relief_tried=tuple(step for step in row["relief_tried"].split(",") if step),
        helped=row["helped"],
        outcome=None if outcome is None else Outcome(outcome),
        activity=row["activity"],
        time_into=row["time_into"],
        hot_conditions=None if hot is None else bool(hot),
        heavy_clothing=None if heavy is None else bool(heavy),
        is_recurrence=bool(row["is_recurrence"]),
        signs_cleared=row["signs_cleared"],
        helper=bool(row["helper"]),
    )


async def start_episode(
    db: Store, user_id: int, started_at: datetime, *, is_recurrence: bool = False
) -> int:
    """Open a new episode. Any episode the user left open is closed as cancelled first."""
    _, inserted = await db.transaction(
        [
            (
                "UPDATE episodes SET outcome = 'cancelled', ended_at = ? "
                "WHERE user_id = ? AND outcome IS NULL",
                (to_db(started_at), user_id),
            ),
            (
                "INSERT INTO episodes (user_id, started_at, is_recurrence) VALUES (?, ?, ?)",
                (user_id, to_db(started_at), int(is_recurrence)),
            ),
        ]
    )
    assert inserted.lastrowid is not None
    return inserted.lastrowid


async def get_episode(db: Store, episode_id: int) -> Episode | None:
    row = await db.fetch_one("SELECT * FROM episodes WHERE id = ?", (episode_id,))
    return None if row is None else _episode(row)


async def open_episode_of(db: Store, user_id: int) -> Episode | None:
    row = await db.fetch_one(
        "SELECT * FROM episodes WHERE user_id = ? AND outcome IS NULL "
        "ORDER BY started_at DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else _episode(row)


async def latest_episode_of(db: Store, user_id: int) -> Episode | None:
    """The user's most recent episode, open or not."""
    row = await db.fetch_one(
        "SELECT * FROM episodes WHERE user_id = ? ORDER BY started_at DESC, id DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else _episode(row)


async def latest_episode_id_of(db: Store, user_id: int) -> int | None:
    """The id of the user's most recent episode (as :func:`latest_episode_of` finds it),
    without reading the rest of it: a step's guard needs no more."""
    row = await db.fetch_one(
        "SELECT id FROM episodes WHERE user_id = ? ORDER BY started_at DESC, id DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else int(row["id"])


async def latest_own_episode_of(db: Store, user_id: int) -> Episode | None:
    """The user's most recent cramp of their own (not one they helped someone through)."""
    row = await db.fetch_one(
        "SELECT * FROM episodes WHERE user_id = ? AND helper = 0 "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else _episode(row)


async def episodes_of(db: Store, user_id: int) -> list[Episode]:
    rows = await db.fetch_all(
        "SELECT * FROM episodes WHERE user_id = ? ORDER BY started_at", (user_id,)
    )
    return [_episode(row) for row in rows]


async def open_episodes_started_since(db: Store, since: datetime) -> list[Episode]:
    """Episodes still in progress that began after ``since`` (to re-arm their timers)."""
    rows = await db.fetch_all(
        "SELECT * FROM episodes WHERE outcome IS NULL AND started_at >= ? ORDER BY started_at",
        (to_db(since),),
    )
    return [_episode(row) for row in rows]


async def set_context(db: Store, episode_id: int, context: str) -> None:
    await db.execute_write("UPDATE episodes SET context = ? WHERE id = ?", (context, episode_id))


async def set_muscle(db: Store, episode_id: int, muscle: str) -> None:
    await db.execute_write("UPDATE episodes SET muscle = ? WHERE id = ?", (muscle, episode_id))


async def note_red_flag(db: Store, episode_id: int, red_flag: str) -> None:
    """A sign that needs a doctor soon, not now: recorded while the episode goes on."""
    async with db.write() as conn:
        await conn.execute("UPDATE episodes SET red_flag = ? WHERE id = ?", (red_flag, episode_id))


async def set_helper(db: Store, episode_id: int) -> None:
    """The person using the bot is helping someone else through this cramp."""
    await db.execute_write("UPDATE episodes SET helper = 1 WHERE id = ?", (episode_id,))


async def clear_signs(db: Store, episode_id: int, cleared: str) -> None:
    """Record which screens of warning signs were shown: ``first``, or ``all`` (never back)."""
    await db.execute_write(
        "UPDATE episodes SET signs_cleared = ? WHERE id = ? "
        "AND (signs_cleared IS NULL OR signs_cleared != 'all')",
        (cleared, episode_id),
    )


async def mark_recurrence(db: Store, episode_id: int) -> None:
    """This cramp restarted a recovery plan that was running."""
    await db.execute_write("UPDATE episodes SET is_recurrence = 1 WHERE id = ?", (episode_id,))


async def escalate_after_easing(db: Store, episode_id: int, red_flag: str) -> None:
    """A warning sign answered after the cramp eased (the late check): sent to help."""
    await db.execute_write(
        "UPDATE episodes SET outcome = 'escalated', red_flag = ? "
        "WHERE id = ? AND outcome = 'eased'",
        (red_flag, episode_id),
    )


async def starts_since(db: Store, user_id: int, since: datetime) -> list[datetime]:
    """When the user's cramps started since ``since``, leaving out cancelled episodes."""
    rows = await db.fetch_all(
        "SELECT started_at FROM episodes WHERE user_id = ? AND started_at >= ? AND helper = 0 "
        "AND (outcome IS NULL OR outcome != 'cancelled') ORDER BY started_at",
        (user_id, to_db(since)),
    )
    return [from_db(row["started_at"]) for row in rows]


async def add_relief_tried(db: Store, episode_id: int, step: str) -> None:
    """Append a relief step to the episode's list of what was tried, in order."""
    await db.execute_write(
        "UPDATE episodes SET relief_tried = "
        "CASE WHEN relief_tried = '' THEN ? ELSE relief_tried || ',' || ? END WHERE id = ?",
        (step, step, episode_id),
    )


async def end_episode(
    db: Store,
    episode_id: int,
    outcome: Outcome,
    ended_at: datetime,
    *,
    helped: str | None = None,
    red_flag: str | None = None,
) -> bool:
    """Close an open episode. Returns False if it was already closed (a repeated press)."""
    result = await db.execute_write(
        "UPDATE episodes SET outcome = ?, ended_at = ?, "
        "helped = COALESCE(?, helped), red_flag = COALESCE(?, red_flag) "
        "WHERE id = ? AND outcome IS NULL",
        (outcome.value, to_db(ended_at), helped, red_flag, episode_id),
    )
    return result.rowcount == 1


async def set_circumstance(
    db: Store, episode_id: int, field: str, value: str | bool | None
) -> None:
    if field not in CIRCUMSTANCE_FIELDS:
        raise ValueError(f"unknown circumstance field {field!r}")
    stored = int(value) if isinstance(value, bool) else value
    # The column name comes from the fixed set above, never from user input.
    await db.execute_write(f"UPDATE episodes SET {field} = ? WHERE id = ?", (stored, episode_id))
