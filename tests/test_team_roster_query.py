"""The roster coaches see, read set-based (``storage.roster``), on SQLite and on PostgreSQL:
every member's facts as the coach rules need them, the days of the picture, the plans' clocks,
this team's last alert about each member, a constant number of statements whatever the team's
size, and migration 12 (the alert's reason)."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rules.coaching import AthleteFacts, Attention
from storage import migrations, teams, users
from storage.roster import DayRecord, LastAlert, PlanClock, team_roster
from storage.store import Store
from storage.stores import open_store
from storage.teams import ChatKind, Consent
from storage.timestamps import to_db
from tests import pg

NOW = datetime(2027, 4, 10, 12, 0, tzinfo=UTC)
TODAY = date(2027, 4, 10)
FIRST = TODAY - timedelta(days=6)  # the window the days are read for: [FIRST, TODAY]

ANA, BO, CY, DI, EVE, FAY, GUS, HAL = 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008


def day(n: int) -> date:
    """``n`` days before today."""
    return TODAY - timedelta(days=n)


def at(n: int, hour: int = 8) -> datetime:
    """``hour`` o'clock UTC, ``n`` days before today."""
    return datetime.combine(day(n), datetime.min.time(), tzinfo=UTC).replace(hour=hour)


# --- Seeding ---------------------------------------------------------------------------------


async def make_team(db: Store, name: str, coach: int, token: str) -> int:
    team = await teams.create_team(
        db,
        name=name,
        chat_id=None,
        chat_kind=ChatKind.CHANNEL,
        token=token,
        coach_id=coach,
        coach_name="Carla",
        now=NOW - timedelta(days=30),
    )
    return team.id


async def member(db: Store, team_id: int, user_id: int, name: str, consent: Consent) -> None:
    await users.ensure_user(db, user_id, NOW - timedelta(days=60))
    await teams.join(db, team_id, user_id, name, consent, NOW - timedelta(days=30))


async def plan(
    db: Store,
    user_id: int,
    status: str,
    *,
    stage: int = 0,
    unanswered: int = 0,
    cramp_at: datetime = NOW - timedelta(days=8),
    zone: str | None = "Europe/Berlin",
) -> int:
    result = await db.execute_write(
        "INSERT INTO plans (user_id, chat_id, cramp_at, zone, stage, status, unanswered_days, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, user_id, to_db(cramp_at), zone, stage, status, unanswered, to_db(cramp_at)),
    )
    assert result.lastrowid is not None
    return result.lastrowid


async def checkin(
    db: Store,
    plan_id: int,
    days_ago: int,
    *,
    sent: bool = True,
    answered_at: datetime | None = None,
    pain: int | None = None,
    warning: bool | None = None,
) -> None:
    claimed = at(days_ago, 7)
    await db.execute_write(
        "INSERT INTO checkins (plan_id, local_date, day, claimed_at, sent_at, answered_at, pain, "
        "warning_sign) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            plan_id,
            day(days_ago).isoformat(),
            10 - days_ago,
            to_db(claimed),
            to_db(claimed) if sent else None,
            None if answered_at is None else to_db(answered_at),
            pain,
            None if warning is None else int(warning),
        ),
    )


async def episode(
    db: Store,
    user_id: int,
    started_at: datetime,
    *,
    red_flag: str | None = None,
    outcome: str | None = "eased",
    helper: bool = False,
) -> None:
    await db.execute_write(
        "INSERT INTO episodes (user_id, started_at, red_flag, outcome, helper) "
        "VALUES (?, ?, ?, ?, ?)",
        (user_id, to_db(started_at), red_flag, outcome, int(helper)),
    )


async def programme(db: Store, user_id: int, status: str, level: int) -> None:
    await db.execute_write(
        "INSERT INTO programmes (user_id, chat_id, status, level, started_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, user_id, status, level, to_db(NOW), to_db(NOW)),
    )


async def alert(
    db: Store, team_id: int, user_id: int, key: str, when: datetime, reason: Attention
) -> None:
    assert await teams.record_alert(db, team_id, user_id, key, when, reason=reason.value)


async def seeded_team(db: Store) -> tuple[int, int]:
    """Harriers (the team read) and Gulls (another team, sharing Ana, with Hal alone)."""
    harriers = await make_team(db, "Harriers", 501, "tok-harriers")
    gulls = await make_team(db, "Gulls", 601, "tok-gulls")
    for user_id, name, consent in [
        (ANA, "Ana", Consent.DETAILS),
        (BO, "bo", Consent.STATUS),
        (CY, "Cy", Consent.DETAILS),
        (DI, "Di", Consent.STATUS),
        (EVE, "Eve", Consent.DETAILS),
        (FAY, "Fay", Consent.STATUS),
        (GUS, "Gus", Consent.DETAILS),
    ]:
        await member(db, harriers, user_id, name, consent)
    await member(db, gulls, ANA, "Ana G", Consent.STATUS)
    await member(db, gulls, HAL, "Hal", Consent.DETAILS)

    # Ana: an active plan with pain rising 3 -> 5 -> 7, yesterday missed, today not yet sent;
    # an ended plan before it, whose pain 9 is no longer hers to be judged by.
    ended = await plan(db, ANA, "ended", stage=3, cramp_at=NOW - timedelta(days=40))
    await checkin(db, ended, 20, answered_at=at(20, 9), pain=9)
    await checkin(db, ended, 6, answered_at=at(6, 9), pain=1)
    ana = await plan(db, ANA, "active", stage=2, cramp_at=NOW - timedelta(days=6))
    await checkin(db, ana, 7, answered_at=at(7, 9), pain=2)  # before the window
    await checkin(db, ana, 5, answered_at=at(5, 9), pain=1, warning=False)
    await checkin(db, ana, 4, answered_at=at(4, 9), pain=3, warning=False)
    await checkin(db, ana, 3, answered_at=at(3, 9), pain=5, warning=False)
    await checkin(db, ana, 2, answered_at=at(2, 9), pain=7, warning=False)
    await checkin(db, ana, 1)  # sent, unanswered
    await checkin(db, ana, 0, sent=False)  # claimed, not sent yet

    # Bo: a paused plan; a warning sign three days ago (later than his red-flag episode), and
    # yesterday answered without a pain score.
    bo = await plan(db, BO, "paused", stage=1, unanswered=3, zone=None)
    await checkin(db, bo, 3, answered_at=at(3, 10), pain=4, warning=True)
    await checkin(db, bo, 1, answered_at=at(1, 10), warning=False)
    await episode(db, BO, at(5), red_flag="swelling", outcome="escalated")

    # Cy: an unreachable plan, no answer ever; a red-flag episode two days ago; a later cramp
    # cancelled and one where he was only the helper: neither counts.
    await plan(db, CY, "unreachable", stage=0, unanswered=5, zone="America/New_York")
    await episode(db, CY, at(2), red_flag="chest", outcome="escalated")
    await episode(db, CY, at(0, 9), outcome="cancelled")
    await episode(db, CY, at(0, 10), helper=True)

    # Di: a plan still being set up.
    await plan(db, DI, "setup", cramp_at=NOW - timedelta(hours=3), zone=None)

    # Eve: her plan is over (its check-in still shows in the picture); a programme at level 3
    # follows it; an old cramp without a red flag.
    eve = await plan(db, EVE, "ended", stage=4, cramp_at=NOW - timedelta(days=30))
    await checkin(db, eve, 4, answered_at=at(4, 11), pain=8)
    await programme(db, EVE, "active", 3)
    await episode(db, EVE, at(10))

    # Fay: her programme paused. Gus: nothing at all (a stopped programme counts as none).
    await programme(db, FAY, "paused", 2)
    await programme(db, GUS, "stopped", 4)

    # Hal, in the other team only: a plan, a check-in, an episode, an alert.
    hal = await plan(db, HAL, "active", stage=1)
    await checkin(db, hal, 1, answered_at=at(1, 9), pain=9, warning=True)
    await episode(db, HAL, at(1), red_flag="chest")
    await alert(db, gulls, HAL, "hal:1", at(1), Attention.HIGH_PAIN)

    # Alerts: Ana's newest in Harriers is the rising pain; the Gulls' later one is not theirs.
    await alert(db, harriers, ANA, "high:ana:2", at(2, 9), Attention.HIGH_PAIN)
    await alert(db, harriers, ANA, "rising:ana:2", at(2, 10), Attention.RISING_PAIN)
    await alert(db, harriers, ANA, "missed:ana:1", at(5, 10), Attention.MISSED_CHECKINS)
    await alert(db, gulls, ANA, "high:ana:2", at(0, 11), Attention.HIGH_PAIN)
    # Bo's alert was recorded before migration 12: no reason.
    await db.execute_write(
        "INSERT INTO team_alerts (team_id, user_id, event_key, sent_at) VALUES (?, ?, ?, ?)",
        (harriers, BO, "warning:bo:3", to_db(at(3, 10))),
    )
    return harriers, gulls


# --- Facts -----------------------------------------------------------------------------------


async def test_the_facts_of_every_member_and_of_no_one_else(store: Store) -> None:
    harriers, _ = await seeded_team(store)

    found = await team_roster(store, harriers, FIRST, TODAY)

    assert list(found.facts) == [
        AthleteFacts(
            user_id=ANA,
            name="Ana",
            details=True,
            stage=2,
            plan_running=True,
            last_checkin_at=at(2, 9),
            pains=(3, 5, 7),  # the last three answered, oldest first; not the ended plan's 9
            unanswered_days=0,
            last_red_flag_at=None,
            last_episode_at=None,
            programme_level=None,
        ),
        AthleteFacts(
            user_id=BO,
            name="bo",
            details=False,
            stage=1,
            plan_running=False,
            last_checkin_at=at(1, 10),
            pains=(4,),  # yesterday's answer gave no pain score
            unanswered_days=3,
            last_red_flag_at=at(3, 10),  # the warning sign, later than the episode's red flag
            last_episode_at=at(5),
            programme_level=None,
        ),
        AthleteFacts(
            user_id=CY,
            name="Cy",
            details=True,
            stage=0,
            plan_running=False,
            last_checkin_at=None,
            pains=(),
            unanswered_days=5,
            last_red_flag_at=at(2),
            last_episode_at=at(2),  # not the cancelled cramp nor the one he helped with
            programme_level=None,
        ),
        AthleteFacts(
            user_id=DI,
            name="Di",
            details=False,
            stage=0,
            plan_running=False,
            last_checkin_at=None,
            pains=(),
            unanswered_days=0,
            last_red_flag_at=None,
            last_episode_at=None,
            programme_level=None,
        ),
        AthleteFacts(
            user_id=EVE,
            name="Eve",
            details=True,
            stage=None,
            plan_running=False,
            last_checkin_at=None,  # her plan is over: no check-in counts
            pains=(),
            unanswered_days=0,
            last_red_flag_at=None,
            last_episode_at=at(10),
            programme_level=3,
        ),
        AthleteFacts(
            user_id=FAY,
            name="Fay",
            details=False,
            stage=None,
            plan_running=False,
            last_checkin_at=None,
            pains=(),
            unanswered_days=0,
            last_red_flag_at=None,
            last_episode_at=None,
            programme_level=0,
        ),
        AthleteFacts(
            user_id=GUS,
            name="Gus",
            details=True,
            stage=None,
            plan_running=False,
            last_checkin_at=None,
            pains=(),
            unanswered_days=0,
            last_red_flag_at=None,
            last_episode_at=None,
            programme_level=None,
        ),
    ]
    assert found.plans == {
        ANA: PlanClock(NOW - timedelta(days=6), "Europe/Berlin"),
        BO: PlanClock(NOW - timedelta(days=8), None),
        CY: PlanClock(NOW - timedelta(days=8), "America/New_York"),
        DI: PlanClock(NOW - timedelta(hours=3), None),
    }


async def test_an_empty_team_has_an_empty_roster(store: Store) -> None:
    empty = await make_team(store, "Empty", 501, "tok-empty")
    found = await team_roster(store, empty, FIRST, TODAY)
    assert (found.facts, found.days, found.plans, found.last_alerts) == ((), {}, {}, {})


# --- Days ------------------------------------------------------------------------------------


async def test_the_days_are_the_sent_checkins_within_the_window(store: Store) -> None:
    harriers, _ = await seeded_team(store)

    found = await team_roster(store, harriers, FIRST, TODAY)

    assert found.days == {
        ANA: {
            day(6): DayRecord(answered=True, flagged=False, pain=1),  # the ended plan's
            day(5): DayRecord(answered=True, flagged=False, pain=1),
            day(4): DayRecord(answered=True, flagged=False, pain=3),
            day(3): DayRecord(answered=True, flagged=False, pain=5),
            day(2): DayRecord(answered=True, flagged=True, pain=7),  # pain at the step back
            day(1): DayRecord(answered=False, flagged=False, pain=None),  # missed
            # today: claimed but not sent, so not due yet; day 7: before the window
        },
        BO: {
            day(3): DayRecord(answered=True, flagged=True, pain=4),  # a warning sign
            day(1): DayRecord(answered=True, flagged=False, pain=None),  # no pain given
        },
        EVE: {day(4): DayRecord(answered=True, flagged=True, pain=8)},
    }

    narrow = await team_roster(store, harriers, day(4), day(3))
    assert narrow.days == {
        ANA: {
            day(4): DayRecord(answered=True, flagged=False, pain=3),
            day(3): DayRecord(answered=True, flagged=False, pain=5),
        },
        BO: {day(3): DayRecord(answered=True, flagged=True, pain=4)},
        EVE: {day(4): DayRecord(answered=True, flagged=True, pain=8)},
    }


# --- Alerts ----------------------------------------------------------------------------------


async def test_the_last_alert_is_this_teams_newest_with_its_reason(store: Store) -> None:
    harriers, gulls = await seeded_team(store)

    found = await team_roster(store, harriers, FIRST, TODAY)
    assert found.last_alerts == {
        ANA: LastAlert(at(2, 10), Attention.RISING_PAIN.value),
        BO: LastAlert(at(3, 10), None),  # recorded before alerts kept their reason
    }

    other = await team_roster(store, gulls, FIRST, TODAY)
    assert other.last_alerts == {
        ANA: LastAlert(at(0, 11), Attention.HIGH_PAIN.value),
        HAL: LastAlert(at(1), Attention.HIGH_PAIN.value),
    }
    assert [f.user_id for f in other.facts] == [ANA, HAL]
    assert other.days == {
        ANA: found.days[ANA],  # the same athlete's days, whichever team looks
        HAL: {day(1): DayRecord(answered=True, flagged=True, pain=9)},
    }


async def test_an_alert_claimed_twice_keeps_its_first_reason(store: Store) -> None:
    team = await make_team(store, "Harriers", 501, "tok")
    await member(store, team, ANA, "Ana", Consent.DETAILS)
    assert await teams.record_alert(
        store, team, ANA, "red_flag:episode:1", at(1), reason=Attention.RED_FLAG.value
    )
    assert not await teams.record_alert(
        store, team, ANA, "red_flag:episode:1", at(0), reason=Attention.NEW_EPISODE.value
    )
    found = await team_roster(store, team, FIRST, TODAY)
    assert found.last_alerts == {ANA: LastAlert(at(1), "red_flag")}


# --- Cost ------------------------------------------------------------------------------------


async def seed_members(db: Store, team_id: int, first_id: int, count: int) -> None:
    """``count`` members, each with a live plan and check-ins, an episode, a programme and an
    alert: everything the roster reads, so no part is skipped for lack of rows."""
    for user_id in range(first_id, first_id + count):
        await member(db, team_id, user_id, f"Athlete {user_id}", Consent.DETAILS)
        plan_id = await plan(db, user_id, "active", stage=1)
        for days_ago in (4, 3, 2, 1):
            await checkin(db, plan_id, days_ago, answered_at=at(days_ago, 9), pain=days_ago)
        await episode(db, user_id, at(3), red_flag="chest")
        await programme(db, user_id, "paused", 2)
        await alert(db, team_id, user_id, f"k:{user_id}", at(1), Attention.HIGH_PAIN)


async def statements_for(db: Store, team_id: int) -> tuple[int, int]:
    """How many statements reading the team's roster ran, and how many members it found."""
    seen: list[str] = []
    db.trace(seen.append)
    try:
        found = await team_roster(db, team_id, FIRST, TODAY)
    finally:
        db.trace(None)
    return len(seen), len(found.facts)


async def test_the_statements_are_as_many_for_forty_members_as_for_two(store: Store) -> None:
    small = await make_team(store, "Small", 501, "tok-small")
    large = await make_team(store, "Large", 502, "tok-large")
    await seed_members(store, small, 3000, 2)
    await seed_members(store, large, 4000, 40)

    assert await statements_for(store, small) == (2, 2)
    assert await statements_for(store, large) == (2, 40)


# --- Migration 12 ----------------------------------------------------------------------------


_VERSION_11_ROWS: list[tuple[str, tuple[object, ...]]] = [
    ("INSERT INTO users (user_id, first_seen_at) VALUES (?, ?)", (ANA, to_db(at(30)))),
    ("INSERT INTO users (user_id, first_seen_at) VALUES (?, ?)", (BO, to_db(at(30)))),
    (
        "INSERT INTO teams (id, name, chat_kind, invite_token, created_at) VALUES (?, ?, ?, ?, ?)",
        (7, "Harriers", "channel", "tok", to_db(at(30))),
    ),
    (
        "INSERT INTO team_members (team_id, user_id, display_name, consent, joined_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (7, ANA, "Ana", "details", to_db(at(20))),
    ),
    (
        "INSERT INTO team_members (team_id, user_id, display_name, consent, joined_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (7, BO, "Bo", "details", to_db(at(20))),
    ),
    (
        "INSERT INTO team_alerts (team_id, user_id, event_key, sent_at) VALUES (?, ?, ?, ?)",
        (7, ANA, "red_flag:episode:1", to_db(at(3))),
    ),
]


async def version_11_with_an_alert(path: Path, url: str | None) -> None:
    """A database left at version 11 by an earlier CrampCoach, with an alert sent."""
    if url is None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            assert migrations.apply_migrations(conn, up_to=11) == 11
            for sql, params in _VERSION_11_ROWS:
                conn.execute(sql, params)
        finally:
            conn.close()
        return
    from storage import postgres

    pconn = await postgres.connect(url)
    try:
        assert await postgres.apply_migrations(pconn, up_to=11) == 11
        for sql, params in _VERSION_11_ROWS:
            await pconn.execute(postgres.translate(sql).sql, params)  # autocommit
    finally:
        await pconn.close()


async def test_migration_12_gives_alerts_a_reason_and_keeps_older_ones_without(
    tmp_path: Path, store_url: str | None
) -> None:
    """After migration 12 an alert sent before has no reason; one recorded since keeps its."""
    path = tmp_path / "old.sqlite3"
    async with contextlib.AsyncExitStack() as stack:
        url = None
        if store_url is not None:  # the test's schema is migrated already: take an empty one
            url = await stack.enter_async_context(pg.fresh_schema(empty=True))
        await version_11_with_an_alert(path, url)

        db = open_store(url, path)
        await db.open()
        try:
            assert await db.schema_version() == migrations.LATEST_VERSION >= 12
            await alert(db, 7, BO, "missed:7:2027-04-09", at(1), Attention.MISSED_CHECKINS)
            found = await team_roster(db, 7, FIRST, TODAY)
            assert found.last_alerts == {
                ANA: LastAlert(at(3), None),
                BO: LastAlert(at(1), "missed"),
            }
        finally:
            await db.close()
