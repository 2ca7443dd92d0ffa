"""A team's roster as coaches see it (/roster, the digest, the dashboard), read set-based.

Two statements per team, whatever its size: one for every member's facts (the live plan, the
last three answered pains, the last warning sign, episodes, the prevention programme, the plan's
clock and this team's last alert about them), one for the check-ins of a range of days. The
queries are written once in SQLite's spelling (``storage.postgres.translate``); window functions
and common table expressions read the same on both stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rules.coaching import AthleteFacts
from rules.recovery import PAIN_STEP_BACK_AT
from storage.store import Row, Store
from storage.teams import Consent
from storage.timestamps import from_db, from_db_or_none


@dataclass(frozen=True)
class DayRecord:
    """A sent check-in on one local date."""

    answered: bool
    # Needed attention that day: answered with a warning sign or pain at the plan's step back.
    flagged: bool
    pain: int | None  # the pain answered; None if unanswered or not given


@dataclass(frozen=True)
class PlanClock:
    """When the live plan's cramp was, and the zone its days are counted in."""

    cramp_at: datetime
    zone: str | None


@dataclass(frozen=True)
class LastAlert:
    at: datetime
    reason: str | None  # a rules.coaching.Attention value; None for alerts before migration 12


@dataclass(frozen=True)
class TeamRoster:
    facts: tuple[AthleteFacts, ...]  # one per member, by name
    days: dict[int, dict[date, DayRecord]]  # user id -> local date -> its sent check-in
    plans: dict[int, PlanClock]  # user id -> the live plan's clock (members with a live plan)
    last_alerts: dict[int, LastAlert]  # user id -> this team's newest alert about them


_LIVE = "('setup', 'active', 'paused', 'unreachable')"

# Each member once: a LEFT JOIN to at most one row of each part (a live plan is unique per user,
# a programme is keyed by user, the numbered rows are picked by their number).
_MEMBERS_SQL = f"""
WITH m AS (
    SELECT user_id, display_name, consent FROM team_members WHERE team_id = :team
),
live AS (
    SELECT p.id, p.user_id, p.stage, p.status, p.unanswered_days, p.cramp_at, p.zone
    FROM plans p JOIN m ON m.user_id = p.user_id
    WHERE p.status IN {_LIVE}
),
answered AS (
    SELECT c.plan_id, c.pain, c.answered_at,
           ROW_NUMBER() OVER (PARTITION BY c.plan_id ORDER BY c.local_date DESC) AS n
    FROM checkins c JOIN live ON live.id = c.plan_id
    WHERE c.answered_at IS NOT NULL
),
warned AS (
    SELECT c.plan_id, MAX(c.answered_at) AS at
    FROM checkins c JOIN live ON live.id = c.plan_id
    WHERE c.warning_sign = 1
    GROUP BY c.plan_id
),
cramps AS (
    SELECT e.user_id, MAX(e.started_at) AS started,
           MAX(CASE WHEN e.red_flag IS NOT NULL THEN e.started_at END) AS flagged
    FROM episodes e JOIN m ON m.user_id = e.user_id
    WHERE e.helper = 0 AND (e.outcome IS NULL OR e.outcome != 'cancelled')
    GROUP BY e.user_id
),
alerted AS (
    SELECT a.user_id, a.sent_at, a.reason,
           ROW_NUMBER() OVER (
               PARTITION BY a.user_id ORDER BY a.sent_at DESC, a.event_key DESC
           ) AS n
    FROM team_alerts a JOIN m ON m.user_id = a.user_id
    WHERE a.team_id = :team
)
SELECT m.user_id, m.display_name, m.consent,
       live.stage, live.status AS plan_status, live.unanswered_days,
       live.cramp_at, live.zone,
       a1.answered_at AS last_checkin_at, a1.pain AS pain_1, a2.pain AS pain_2,
       a3.pain AS pain_3,
       warned.at AS warned_at,
       cramps.started AS episode_at, cramps.flagged AS flagged_at,
       pr.status AS programme_status, pr.level AS programme_level,
       alerted.sent_at AS alert_at, alerted.reason AS alert_reason
FROM m
LEFT JOIN live ON live.user_id = m.user_id
LEFT JOIN answered a1 ON a1.plan_id = live.id AND a1.n = 1
LEFT JOIN answered a2 ON a2.plan_id = live.id AND a2.n = 2
LEFT JOIN answered a3 ON a3.plan_id = live.id AND a3.n = 3
LEFT JOIN warned ON warned.plan_id = live.id
LEFT JOIN cramps ON cramps.user_id = m.user_id
LEFT JOIN programmes pr ON pr.user_id = m.user_id AND pr.status IN ('active', 'paused')
LEFT JOIN alerted ON alerted.user_id = m.user_id AND alerted.n = 1
ORDER BY lower(m.display_name), m.user_id
"""

# Every plan of each member, ended ones too: the picture shows the days of a plan now over.
# A date two plans share (one ended, the next begun) shows the newer plan's check-in.
_DAYS_SQL = """
SELECT p.user_id, c.local_date, c.answered_at, c.pain, c.warning_sign
FROM team_members m
JOIN plans p ON p.user_id = m.user_id
JOIN checkins c ON c.plan_id = p.id
WHERE m.team_id = :team AND c.local_date BETWEEN :first AND :last AND c.sent_at IS NOT NULL
ORDER BY p.user_id, c.local_date, p.id
"""


async def team_roster(db: Store, team_id: int, first: date, last: date) -> TeamRoster:
    """The team's members as coaches see them, and their check-ins from ``first`` to ``last``
    (local dates, both included). Two statements, whatever the team's size."""
    rows = await db.fetch_all(_MEMBERS_SQL, {"team": team_id})
    facts = tuple(_facts(row) for row in rows)
    plans = {
        row["user_id"]: PlanClock(from_db(row["cramp_at"]), row["zone"])
        for row in rows
        if row["cramp_at"] is not None
    }
    last_alerts = {
        row["user_id"]: LastAlert(from_db(row["alert_at"]), row["alert_reason"])
        for row in rows
        if row["alert_at"] is not None
    }
    day_rows = await db.fetch_all(
        _DAYS_SQL, {"team": team_id, "first": first.isoformat(), "last": last.isoformat()}
    )
    days: dict[int, dict[date, DayRecord]] = {}
    for row in day_rows:
        days.setdefault(row["user_id"], {})[date.fromisoformat(row["local_date"])] = _day(row)
    return TeamRoster(facts, days, plans, last_alerts)


def _facts(row: Row) -> AthleteFacts:
    newest_first = (row["pain_1"], row["pain_2"], row["pain_3"])
    pains = tuple(pain for pain in reversed(newest_first) if pain is not None)
    warned_at = from_db_or_none(row["warned_at"])
    flagged_at = from_db_or_none(row["flagged_at"])
    red_flags = [at for at in (flagged_at, warned_at) if at is not None]
    has_plan = row["plan_status"] is not None
    programme = row["programme_status"]
    return AthleteFacts(
        user_id=row["user_id"],
        name=row["display_name"],
        details=Consent(row["consent"]) is Consent.DETAILS,
        stage=row["stage"] if has_plan else None,
        plan_running=row["plan_status"] == "active",
        last_checkin_at=from_db_or_none(row["last_checkin_at"]),
        pains=pains,
        unanswered_days=row["unanswered_days"] if has_plan else 0,
        last_red_flag_at=max(red_flags) if red_flags else None,
        last_episode_at=from_db_or_none(row["episode_at"]),
        programme_level=(
            None if programme is None else (row["programme_level"] if programme == "active" else 0)
        ),
    )


def _day(row: Row) -> DayRecord:
    answered = row["answered_at"] is not None
    pain = row["pain"] if answered else None
    flagged = answered and (bool(row["warning_sign"]) or (pain or 0) >= PAIN_STEP_BACK_AT)
    return DayRecord(answered=answered, flagged=flagged, pain=pain)
