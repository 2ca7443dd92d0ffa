"""Heat warnings before training: each athlete's settings, each team's, and the warnings sent.

An athlete's row (``heat_settings``) holds whether the warning is on, the usual training time
("HH:MM" local), the zone that time is read in, and the place the forecast is for: a location
they shared (``place = 'location'``) or their zone's city (``'zone_city'``). ``setup_step`` is
the question being asked while /heat is set up. A team's row (``team_heat``) is the coach's
opt-in, the team's training time, zone and place.

A warning sent is one row per athlete (or team) and local date, with a unique key: inserting
it in the unit of work that queues the message is the once-a-day guarantee, across restarts
and workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from storage.store import Row, Store
from storage.timestamps import to_db


class PlaceKind(StrEnum):
    """Where the forecast is for: stored by value, keep stable."""

    LOCATION = "location"  # a location the athlete shared for it
    ZONE_CITY = "zone_city"  # the principal city of their time zone


class SetupStep(StrEnum):
    TIME = "time"
    PLACE = "place"


@dataclass(frozen=True)
class HeatSettings:
    user_id: int
    enabled: bool
    training_time: str | None
    zone: str | None
    place: PlaceKind | None
    latitude: float | None
    longitude: float | None
    setup_step: SetupStep | None


@dataclass(frozen=True)
class TeamHeat:
    team_id: int
    coach_id: int
    enabled: bool
    training_time: str | None
    zone: str | None
    latitude: float | None
    longitude: float | None


def _settings(r: Row) -> HeatSettings:
    return HeatSettings(
        user_id=r["user_id"],
        enabled=bool(r["enabled"]),
        training_time=r["training_time"],
        zone=r["zone"],
        place=None if r["place"] is None else PlaceKind(r["place"]),
        latitude=None if r["latitude"] is None else float(r["latitude"]),
        longitude=None if r["longitude"] is None else float(r["longitude"]),
        setup_step=None if r["setup_step"] is None else SetupStep(r["setup_step"]),
    )


def _team_heat(r: Row) -> TeamHeat:
    return TeamHeat(
        team_id=r["team_id"],
        coach_id=r["coach_id"],
        enabled=bool(r["enabled"]),
        training_time=r["training_time"],
        zone=r["zone"],
        latitude=None if r["latitude"] is None else float(r["latitude"]),
        longitude=None if r["longitude"] is None else float(r["longitude"]),
    )


# --- Athletes --------------------------------------------------------------------------------


async def settings_of(db: Store, user_id: int) -> HeatSettings | None:
    row = await db.fetch_one("SELECT * FROM heat_settings WHERE user_id = ?", (user_id,))
    return None if row is None else _settings(row)


async def set_step(db: Store, user_id: int, step: SetupStep | None, now: datetime) -> None:
    """Ask a set-up question (the row is made if there is none; the warning's state stays)."""
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO heat_settings (user_id, setup_step, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET setup_step = excluded.setup_step, "
            "updated_at = excluded.updated_at",
            (user_id, None if step is None else step.value, to_db(now)),
        )


async def set_training_time(db: Store, user_id: int, hhmm: str, now: datetime) -> None:
    """The training time chosen; the place is asked next."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE heat_settings SET training_time = ?, setup_step = ?, updated_at = ? "
            "WHERE user_id = ?",
            (hhmm, SetupStep.PLACE.value, to_db(now), user_id),
        )


async def set_place(
    db: Store,
    user_id: int,
    *,
    kind: PlaceKind,
    zone: str,
    latitude: float,
    longitude: float,
    now: datetime,
) -> None:
    """The place chosen: the warning is on, the set-up done."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE heat_settings SET place = ?, zone = ?, latitude = ?, longitude = ?, "
            "enabled = 1, setup_step = NULL, updated_at = ? WHERE user_id = ?",
            (kind.value, zone, latitude, longitude, to_db(now), user_id),
        )


async def turn_off(db: Store, user_id: int, now: datetime) -> bool:
    """Off (the time and place are kept for turning it on again). False if it was not on."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE heat_settings SET enabled = 0, setup_step = NULL, updated_at = ? "
            "WHERE user_id = ? AND enabled = 1",
            (to_db(now), user_id),
        )
        return cursor.rowcount == 1


async def turn_on(db: Store, user_id: int, now: datetime) -> bool:
    """On again with the time and place kept. False if there are none yet."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE heat_settings SET enabled = 1, setup_step = NULL, updated_at = ? "
            "WHERE user_id = ? AND training_time IS NOT NULL AND latitude IS NOT NULL",
            (to_db(now), user_id),
        )
        return cursor.rowcount == 1


async def enabled_settings(db: Store) -> list[HeatSettings]:
    """Every athlete whose warning is on (the scheduler finds whose window is open)."""
    rows = await db.fetch_all(
        "SELECT * FROM heat_settings WHERE enabled = 1 AND training_time IS NOT NULL "
        "AND zone IS NOT NULL AND latitude IS NOT NULL ORDER BY user_id"
    )
    return [_settings(row) for row in rows]


async def warned(db: Store, user_id: int, local_date: date) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM heat_warnings WHERE user_id = ? AND local_date = ?",
        (user_id, local_date.isoformat()),
    )
    return row is not None


async def record_warning(
    db: Store, user_id: int, local_date: date, heat_index: float, now: datetime
) -> bool:
    """Claim the day's warning: False if one was already sent that local date."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO heat_warnings (user_id, local_date, heat_index, sent_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (user_id, local_date.isoformat(), round(heat_index, 1), to_db(now)),
        )
        return cursor.rowcount == 1


async def warnings_of(db: Store, user_id: int) -> list[Row]:
    return await db.fetch_all(
        "SELECT local_date, heat_index, sent_at FROM heat_warnings WHERE user_id = ? "
        "ORDER BY local_date",
        (user_id,),
    )


# --- Teams -----------------------------------------------------------------------------------


async def team_heat_of(db: Store, team_id: int) -> TeamHeat | None:
    row = await db.fetch_one("SELECT * FROM team_heat WHERE team_id = ?", (team_id,))
    return None if row is None else _team_heat(row)


async def set_team_heat(
    db: Store,
    team_id: int,
    coach_id: int,
    *,
    training_time: str,
    zone: str,
    latitude: float,
    longitude: float,
    now: datetime,
) -> None:
    """The coach opts the team in: its training time and its city."""
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO team_heat (team_id, coach_id, enabled, training_time, zone, latitude, "
            "longitude, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT (team_id) DO "
            "UPDATE SET coach_id = excluded.coach_id, enabled = 1, "
            "training_time = excluded.training_time, zone = excluded.zone, "
            "latitude = excluded.latitude, longitude = excluded.longitude, "
            "updated_at = excluded.updated_at",
            (team_id, coach_id, training_time, zone, latitude, longitude, to_db(now)),
        )


async def team_heat_off(db: Store, team_id: int, now: datetime) -> bool:
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE team_heat SET enabled = 0, updated_at = ? WHERE team_id = ? AND enabled = 1",
            (to_db(now), team_id),
        )
        return cursor.rowcount == 1


@dataclass(frozen=True)
class TeamToWarn:
    heat: TeamHeat
    chat_id: int
    name: str


async def enabled_teams(db: Store) -> list[TeamToWarn]:
    """Active teams with a group to post in whose coach opted in."""
    rows = await db.fetch_all(
        "SELECT h.*, t.chat_id AS t_chat_id, t.name AS t_name FROM team_heat h "
        "JOIN teams t ON t.id = h.team_id WHERE h.enabled = 1 AND t.status = 'active' "
        "AND t.chat_id IS NOT NULL AND t.chat_kind = 'group' ORDER BY h.team_id"
    )
    return [TeamToWarn(_team_heat(row), row["t_chat_id"], row["t_name"]) for row in rows]


async def team_warned(db: Store, team_id: int, local_date: date) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM team_heat_warnings WHERE team_id = ? AND local_date = ?",
        (team_id, local_date.isoformat()),
    )
    return row is not None


async def record_team_warning(
    db: Store, team_id: int, local_date: date, heat_index: float, now: datetime
) -> bool:
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO team_heat_warnings (team_id, local_date, heat_index, sent_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (team_id, local_date.isoformat(), round(heat_index, 1), to_db(now)),
        )
        return cursor.rowcount == 1
