"""The plan's clock: which local date a due check-in belongs to, across time zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules import plan_clock
from rules import recovery as rules
from rules.recovery import Stage
from storage.plans import Plan, PlanStatus

ZONES = ("Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "UTC")
TIMES = ("00:30", "02:30", "08:00", "23:30")


def _plan(zone: str, checkin_time: str) -> Plan:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    return Plan(
        id=1,
        user_id=1,
        chat_id=1,
        episode_id=None,
        cramp_at=start,
        checkin_time=checkin_time,
        zone=zone,
        stage=Stage.REST,
        status=PlanStatus.ACTIVE,
        editing=None,
        next_checkin_at=None,
        unanswered_days=0,
        recurrences=0,
        created_at=start,
        muscle="calf",
    )


def _latest_instant_at_or_before(plan: Plan, now: datetime) -> datetime:
    """Brute force: walk the check-in instants from well before ``now``."""
    instant = plan_clock.next_checkin(plan.checkin_time, plan.zone, now - timedelta(days=3))
    while (following := plan_clock.next_checkin(plan.checkin_time, plan.zone, instant)) <= now:
        instant = following
    return instant


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("checkin_time", TIMES)
def test_due_slot_is_the_local_date_of_the_latest_instant_due(zone: str, checkin_time: str) -> None:
    plan = _plan(zone, checkin_time)
    now = datetime(2027, 1, 3, tzinfo=UTC)
    while now < datetime(2028, 1, 3, tzinfo=UTC):  # a year, every 7 h: all DST changes
        slot = plan_clock.due_slot(plan.cramp_at, plan.checkin_time, plan.zone, now)
        latest = _latest_instant_at_or_before(plan, now)
        assert slot.local_date == rules.local_date_of(latest, ZoneInfo(zone)), now
        assert slot.next_checkin_at > now >= latest
        now += timedelta(hours=7)


def test_checkin_time_defaults_to_eight() -> None:
    plan = _plan("UTC", "08:00")
    assert plan_clock.checkin_time_of(plan.checkin_time) == time(8, 0)
