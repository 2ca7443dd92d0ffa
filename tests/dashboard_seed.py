"""Two coaches' teams for the dashboard's browser tests, written through the storage functions
before the bot starts: athletes at the status and at the details level, needing attention,
recovering, in the prevention programme or fine, with check-ins answered and missed over the
last 14 days, relative to the real clock (the bot process reads it too)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rules.plan_clock import DueSlot
from rules.recovery import Stage
from storage import plans, prevention, teams, users
from storage.db import Database
from storage.plans import Plan
from storage.store import Store
from storage.teams import ChatKind, Consent

CARLA = 501  # coaches Harriers and Juniors
OSKAR = 601  # coaches Rovers
NOBODY = 777  # coaches no team

ANA = 1001
BRUNO = 1002
CARMEN = 1003
DARIO = 1004
IVO = 1005
MAXI = 1006
EVA = 1007
FATIMA = 1011
GORAN = 1012


@dataclass(frozen=True)
class Day:
    """A check-in sent ``ago`` days before today: answered with ``pain``, or missed (None)."""

    ago: int
    pain: int | None
    warning: bool = False
    # When today's answer came (minutes before the seed), to order athletes by last check-in.
    answered_minutes_ago: int = 60


@dataclass(frozen=True)
class Athlete:
    user_id: int
    name: str
    plan: tuple[Day, ...] = ()  # a live plan's check-ins (the cramp the day before the first)
    ended_plan: tuple[Day, ...] = ()  # an earlier plan, over now
    programme_level: int | None = None  # a prevention programme running at that level
    stage: Stage = Stage.MASSAGE  # where the live plan stands after its check-ins

    @property
    def days(self) -> tuple[Day, ...]:
        return self.ended_plan + self.plan


@dataclass(frozen=True)
class SeedTeam:
    name: str
    chat_id: int
    coach: int
    coach_name: str
    members: tuple[tuple[int, Consent], ...]
    alerts: tuple[tuple[int, str, timedelta], ...] = ()  # athlete, reason, how long ago


def _series(first_ago: int, pains: list[int | None]) -> tuple[Day, ...]:
    return tuple(Day(first_ago - n, pain) for n, pain in enumerate(pains))


ATHLETES = {
    a.user_id: a
    for a in [
        # Pain 8 today after 4 and 5: high and rising (details: the coach sees why and the 8).
        Athlete(ANA, "Ana", plan=(*_series(5, [3, 4, None, 4, 5]), Day(0, 8))),
        # A warning sign and pain 8 yesterday, today missed: a red flag (status only).
        Athlete(
            BRUNO,
            "Bruno",
            plan=(Day(3, 5), Day(2, None), Day(1, 8, warning=True), Day(0, None)),
        ),
        # Pain easing over twelve days, two missed: recovering.
        Athlete(
            CARMEN,
            "Carmen",
            plan=(
                *_series(11, [5, 4, 4, 3, None, 3, 2, 2, 2, 1, None]),
                Day(0, 1, answered_minutes_ago=10),
            ),
            stage=Stage.WALK_FLAT,
        ),
        # A plan that ended nine days ago, then the prevention programme (status only).
        Athlete(DARIO, "Dario", ended_plan=_series(13, [3, 2, 2, 1, 0]), programme_level=2),
        # A name that is markup: the page must show it as text.
        Athlete(IVO, "Ivo <b>Ortiz</b>"),
        # A long name on a phone.
        Athlete(MAXI, "Maximiliana-Theodora Wolkenstein-Rückert von Hohenberg-Eschenbach"),
        Athlete(EVA, "Eva", plan=_series(2, [2, 1, 1])),
        Athlete(FATIMA, "Fatima", plan=_series(1, [6, 9])),
        Athlete(GORAN, "Goran"),
    ]
}

HOUR = timedelta(hours=1)
HARRIERS = SeedTeam(
    "Harriers",
    -100_200_300_400,
    CARLA,
    "Carla",
    (
        (ANA, Consent.DETAILS),
        (BRUNO, Consent.STATUS),
        (CARMEN, Consent.DETAILS),
        (DARIO, Consent.STATUS),
        (IVO, Consent.STATUS),
        (MAXI, Consent.DETAILS),
    ),
    alerts=((ANA, "high_pain", HOUR), (BRUNO, "red_flag", timedelta(days=1))),
)
# Ana shares only her status with this team: her pains stay out of its rows.
JUNIORS = SeedTeam(
    "Juniors",
    -100_200_300_401,
    CARLA,
    "Carla",
    ((ANA, Consent.STATUS), (EVA, Consent.DETAILS)),
    alerts=((ANA, "high_pain", HOUR),),
)
ROVERS = SeedTeam(
    "Rovers",
    -100_200_300_500,
    OSKAR,
    "Oskar",
    ((FATIMA, Consent.DETAILS), (GORAN, Consent.STATUS)),
)
TEAMS = (HARRIERS, JUNIORS, ROVERS)


@dataclass(frozen=True)
class Seeded:
    now: datetime
    today: date  # the dashboard's days are UTC dates (plan_clock.local_date(now, None))
    team_ids: dict[str, int]


def seed(path: Path, now: datetime | None = None) -> Seeded:
    return asyncio.run(_seed(path, now or datetime.now(UTC)))


async def _seed(path: Path, now: datetime) -> Seeded:
    db = Database(path)
    await db.open()
    try:
        today = now.astimezone(UTC).date()
        for athlete in ATHLETES.values():
            await _athlete(db, athlete, now, today)
        team_ids = {}
        for team in TEAMS:
            made = await teams.create_team(
                db,
                name=team.name,
                chat_id=team.chat_id,
                chat_kind=ChatKind.GROUP,
                token=f"invite-{team.name.lower()}",
                coach_id=team.coach,
                coach_name=team.coach_name,
                now=now - timedelta(days=30),
            )
            team_ids[team.name] = made.id
            if team.coach == OSKAR:  # Oskar's Telegram is in German: so is his dashboard
                await users.choose_language(db, OSKAR, "de", now - timedelta(days=30))
            for user_id, consent in team.members:
                name = ATHLETES[user_id].name
                await teams.join(db, made.id, user_id, name, consent, now - timedelta(days=20))
            for user_id, reason, ago in team.alerts:
                key = f"{reason}:seed:{user_id}"
                await teams.record_alert(db, made.id, user_id, key, now - ago, reason=reason)
    finally:
        await db.close()
    return Seeded(now=now, today=today, team_ids=team_ids)


async def _athlete(db: Store, athlete: Athlete, now: datetime, today: date) -> None:
    await users.ensure_user(db, athlete.user_id, now - timedelta(days=30))
    if athlete.ended_plan:
        plan = await _plan_with(db, athlete, athlete.ended_plan, now, today)
        last = athlete.ended_plan[-1].ago
        await plans.end_plan(db, plan.id, now - timedelta(days=last) + HOUR)
    if athlete.plan:
        await _plan_with(db, athlete, athlete.plan, now, today)
    if athlete.programme_level is not None:
        await _programme(db, athlete.user_id, athlete.programme_level, now)


async def _plan_with(
    db: Store, athlete: Athlete, days: tuple[Day, ...], now: datetime, today: date
) -> Plan:
    """A plan whose check-ins were claimed, sent and answered (or not) day by day, as the
    scheduler and the athlete would have; the next one due tomorrow (not while tests run)."""
    cramp_ago = days[0].ago + 1
    cramp_at = now - timedelta(days=cramp_ago)
    plan = await plans.create_plan(
        db, user_id=athlete.user_id, chat_id=athlete.user_id, episode_id=None,
        cramp_at=cramp_at, now=cramp_at,
    )  # fmt: skip
    await plans.set_checkin_time(db, plan.id, "08:00")
    await plans.set_zone(db, plan.id, "UTC")
    sent_at = [now - timedelta(days=day.ago, hours=3) for day in days]
    await plans.schedule(db, plan.id, sent_at[0])
    for index, day in enumerate(days):
        following = sent_at[index + 1] if index + 1 < len(days) else now + timedelta(days=1)
        local = today - timedelta(days=day.ago)

        def slot(due: Plan, local: date = local, following: datetime = following) -> DueSlot:
            assert due.id == plan.id, "another plan was due while seeding"
            return DueSlot(local, (local - cramp_at.date()).days, following)

        [claimed] = await plans.claim_due(db, sent_at[index], 10, slot)
        assert claimed.checkin is not None
        await plans.mark_sent(db, claimed.checkin.id, sent_at[index], None)
        if day.pain is None:
            continue
        answered = (
            now - timedelta(minutes=day.answered_minutes_ago)
            if day.ago == 0
            else now - timedelta(days=day.ago, hours=1)
        )
        await plans.record_pain(db, claimed.checkin.id, day.pain)
        checkin = await plans.get_checkin(db, claimed.checkin.id)
        assert checkin is not None
        done = await plans.complete_checkin(
            db,
            checkin,
            warning_sign=day.warning,
            decision="seeded",
            stage_before=athlete.stage,
            stage_after=athlete.stage,
            now=answered,
        )
        assert done
    return plan


async def _programme(db: Store, user_id: int, level: int, now: datetime) -> None:
    """A prevention programme running at ``level``, nothing of it due while the tests run."""
    later = now + timedelta(days=3)
    await prevention.start_setup(db, user_id, user_id, "UTC", now - timedelta(days=8))
    await prevention.set_weekdays(db, user_id, "0,3", now - timedelta(days=8))
    await prevention.activate(
        db,
        user_id,
        session_time="08:00",
        zone="UTC",
        next_session_at=later,
        next_week_at=later,
        now=now - timedelta(days=8),
    )
    await prevention.set_level(db, user_id, level, now - timedelta(days=8))


def week_figures(team: SeedTeam) -> tuple[int, int]:
    """(answered, sent) over the last seven days, today included, from the seed itself."""
    sent = answered = 0
    for user_id, _ in team.members:
        for day in ATHLETES[user_id].days:
            if day.ago < 7:
                sent += 1
                answered += day.pain is not None
    return answered, sent
