"""Which prevention advice leads, when the programme may be offered, and its schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.patterns import Circumstances
from rules.prevention import (
    OFFER_FROM_DAY,
    Lead,
    advice_order,
    may_offer,
    next_session,
    next_weekly_checkin,
    parse_weekdays,
    week_start,
    weekdays_text,
)

BERLIN = ZoneInfo("Europe/Berlin")


def ep(
    time_into: str | None = None, hot: bool | None = None, clothing: bool | None = None
) -> Circumstances:
    return Circumstances(activity="running", time_into=time_into, hot=hot, heavy_clothing=clothing)


@pytest.mark.parametrize(
    ("history", "lead"),
    [
        ([], Lead.STRENGTH),
        ([ep()], Lead.STRENGTH),
        ([ep(hot=True), ep(hot=True)], Lead.HEAT),
        ([ep(clothing=True), ep(clothing=True), ep(hot=False)], Lead.CLOTHING),
        ([ep(time_into="gt120"), ep(time_into="60-120")], Lead.STRENGTH),
        ([ep(hot=False), ep(hot=False)], Lead.STRENGTH),  # only an activity pattern
    ],
)
def test_the_athletes_own_factor_leads(history: list[Circumstances], lead: Lead) -> None:
    order = advice_order(history)
    assert order[0] is lead
    assert sorted(order) == sorted(Lead)  # all three, each once


def test_heat_first_then_the_rest_in_the_usual_order() -> None:
    assert advice_order([ep(hot=True), ep(hot=True)]) == (Lead.HEAT, Lead.STRENGTH, Lead.CLOTHING)


def test_offer_only_from_day_14() -> None:
    assert OFFER_FROM_DAY == 14
    cramp = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)
    day13 = datetime(2027, 4, 2, 21, 0, tzinfo=UTC)  # 23:00 in Berlin on 2 April: day 13
    day14 = datetime(2027, 4, 2, 22, 30, tzinfo=UTC)  # 00:30 on 3 April: day 14
    assert not may_offer(cramp, cramp, BERLIN)
    assert not may_offer(cramp, day13, BERLIN)
    assert may_offer(cramp, day14, BERLIN)
    assert may_offer(cramp, cramp + timedelta(days=40), BERLIN)


def test_weekdays_round_trip() -> None:
    assert parse_weekdays("0,2,4") == {0, 2, 4}
    assert parse_weekdays("") == frozenset()
    assert parse_weekdays(None) == frozenset()
    assert parse_weekdays("9,x,1") == {1}
    assert weekdays_text({4, 0, 2}) == "0,2,4"


def test_next_session_on_a_chosen_weekday_at_local_time() -> None:
    # Saturday 20 March 2027, 18:00 Berlin. Monday and Thursday at 07:00.
    after = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)
    first = next_session({0, 3}, time(7, 0), BERLIN, after)
    assert first is not None
    assert first.astimezone(BERLIN) == datetime(2027, 3, 22, 7, 0, tzinfo=BERLIN)
    second = next_session({0, 3}, time(7, 0), BERLIN, first)
    assert second is not None
    assert second.astimezone(BERLIN) == datetime(2027, 3, 25, 7, 0, tzinfo=BERLIN)
    assert next_session(set(), time(7, 0), BERLIN, after) is None


def test_next_session_keeps_local_time_across_summer_time() -> None:
    after = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)  # Saturday; clocks change on Sunday
    sunday = next_session({6}, time(7, 0), BERLIN, after)
    assert sunday is not None
    assert sunday.astimezone(BERLIN).hour == 7
    assert sunday.hour == 5  # UTC+2 after the change


def test_weekly_checkin_is_on_sunday() -> None:
    after = datetime(2027, 3, 22, 12, 0, tzinfo=UTC)  # Monday
    at = next_weekly_checkin(time(18, 0), BERLIN, after)
    assert at.astimezone(BERLIN) == datetime(2027, 3, 28, 18, 0, tzinfo=BERLIN)
    assert week_start(date(2027, 3, 28)) == date(2027, 3, 22)
    assert week_start(date(2027, 3, 22)) == date(2027, 3, 22)
