"""The recovery plan's rules and texts, called directly with plain values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.texts import recovery as texts
from rules import recovery as rules
from rules.recovery import (
    Advice,
    CheckinReport,
    DayPlan,
    Decision,
    Outcome,
    Reason,
    Stage,
    StepOutcome,
    clamp_stage_to_day,
    decide,
    highest_stage_allowed,
    hours_since,
    is_pain_valid,
    local_date_of,
    next_checkin_at,
    pain_out_of_proportion,
    parse_local_time,
    parse_pain,
    plan_day,
    plan_for_day,
    stage_allowed,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Europe/Berlin: 2027-03-28 02:00 -> 03:00 (spring), 2027-10-31 03:00 -> 02:00 (fall).
# America/New_York: 2027-03-14 02:00 -> 03:00, 2027-11-07 02:00 -> 01:00.


def at(zone: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """The aware UTC instant when the wall clock in ``zone`` shows this time."""
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold).astimezone(UTC)


CRAMP = at(BERLIN, 2027, 6, 1, 10, 0)  # a summer cramp, far from DST changes


def on_day(day: int, extra_hours: float = 1.0) -> datetime:
    """An instant on plan day ``day`` of CRAMP (no DST in June)."""
    return CRAMP + timedelta(days=day, hours=extra_hours)


def report(
    pain: int = 1,
    yesterday: StepOutcome = StepOutcome.COMFORTABLE,
    warning_sign: bool = False,
) -> CheckinReport:
    return CheckinReport(pain=pain, yesterday=yesterday, warning_sign=warning_sign)


def decide_on(
    stage: Stage,
    day: int,
    pain: int = 1,
    yesterday: StepOutcome = StepOutcome.COMFORTABLE,
    previous_pain: int | None = None,
    warning_sign: bool = False,
) -> Outcome:
    return decide(
        stage, report(pain, yesterday, warning_sign), previous_pain, CRAMP, on_day(day), BERLIN
    )


# --- plan_day and hours_since ---------------------------------------------------------


def test_plan_day_counts_local_calendar_days_with_the_cramp_day_as_day_0() -> None:
    assert plan_day(CRAMP, CRAMP, BERLIN) == 0
    assert plan_day(CRAMP, at(BERLIN, 2027, 6, 1, 23, 59), BERLIN) == 0
    # Local midnight starts day 1, only 14 hours after a 10:00 cramp.
    assert plan_day(CRAMP, at(BERLIN, 2027, 6, 2, 0, 0), BERLIN) == 1
    assert plan_day(CRAMP, CRAMP + timedelta(hours=24), BERLIN) == 1
    assert plan_day(CRAMP, at(BERLIN, 2027, 6, 2, 23, 59), BERLIN) == 1
    assert plan_day(CRAMP, at(BERLIN, 2027, 6, 15, 0, 0), BERLIN) == 14
    assert plan_day(CRAMP, CRAMP + timedelta(days=14), BERLIN) == 14


def test_a_cramp_at_23_30_makes_00_10_local_day_1() -> None:
    cramp = at(BERLIN, 2027, 6, 1, 23, 30)
    just_after_midnight = at(BERLIN, 2027, 6, 2, 0, 10)
    assert hours_since(cramp, just_after_midnight) == pytest.approx(40 / 60)
    assert plan_day(cramp, just_after_midnight, BERLIN) == 1


def test_spring_forward_day_of_23_hours_counts_as_one_day_in_berlin() -> None:
    cramp = at(BERLIN, 2027, 3, 27, 10, 0)
    next_morning = at(BERLIN, 2027, 3, 28, 10, 0)
    assert hours_since(cramp, next_morning) == 23.0
    assert plan_day(cramp, at(BERLIN, 2027, 3, 27, 23, 59), BERLIN) == 0
    assert plan_day(cramp, at(BERLIN, 2027, 3, 28, 0, 0), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 3, 28, 3, 0), BERLIN) == 1  # just after the gap
    assert plan_day(cramp, next_morning, BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 3, 28, 23, 59), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 3, 29, 0, 0), BERLIN) == 2


def test_fall_back_day_of_25_hours_counts_as_one_day_in_berlin() -> None:
    cramp = at(BERLIN, 2027, 10, 30, 10, 0)
    assert hours_since(cramp, at(BERLIN, 2027, 10, 31, 10, 0)) == 25.0
    assert plan_day(cramp, at(BERLIN, 2027, 10, 31, 0, 0), BERLIN) == 1
    # Both 02:30s of the repeated hour are on the same local date.
    assert plan_day(cramp, at(BERLIN, 2027, 10, 31, 2, 30, fold=0), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 10, 31, 2, 30, fold=1), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 10, 31, 23, 59), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 11, 1, 0, 0), BERLIN) == 2


def test_dst_changes_in_new_york_do_not_shift_the_day() -> None:
    spring = at(NEW_YORK, 2027, 3, 13, 22, 0)
    assert plan_day(spring, at(NEW_YORK, 2027, 3, 13, 23, 59), NEW_YORK) == 0
    assert plan_day(spring, at(NEW_YORK, 2027, 3, 14, 0, 0), NEW_YORK) == 1
    assert plan_day(spring, at(NEW_YORK, 2027, 3, 14, 22, 0), NEW_YORK) == 1
    assert plan_day(spring, at(NEW_YORK, 2027, 3, 15, 23, 59), NEW_YORK) == 2
    assert plan_day(spring, at(NEW_YORK, 2027, 3, 16, 0, 0), NEW_YORK) == 3
    fall = at(NEW_YORK, 2027, 11, 6, 22, 0)
    assert plan_day(fall, at(NEW_YORK, 2027, 11, 7, 0, 0), NEW_YORK) == 1
    assert plan_day(fall, at(NEW_YORK, 2027, 11, 7, 1, 30, fold=0), NEW_YORK) == 1
    assert plan_day(fall, at(NEW_YORK, 2027, 11, 7, 1, 30, fold=1), NEW_YORK) == 1
    assert plan_day(fall, at(NEW_YORK, 2027, 11, 7, 23, 59), NEW_YORK) == 1
    assert plan_day(fall, at(NEW_YORK, 2027, 11, 8, 0, 0), NEW_YORK) == 2


def test_two_weeks_spanning_a_dst_change_end_at_local_midnight() -> None:
    cramp = at(BERLIN, 2027, 3, 25, 20, 0)  # the spring change is on 28 March
    assert plan_day(cramp, at(BERLIN, 2027, 4, 7, 23, 59), BERLIN) == 13
    assert plan_day(cramp, at(BERLIN, 2027, 4, 8, 0, 0), BERLIN) == 14
    assert plan_day(cramp, at(BERLIN, 2027, 4, 8, 20, 0), BERLIN) == 14


def test_late_evening_cramp_makes_the_next_morning_day_1() -> None:
    cramp = at(BERLIN, 2027, 6, 1, 23, 30)
    assert plan_day(cramp, at(BERLIN, 2027, 6, 2, 8, 0), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 6, 2, 23, 30), BERLIN) == 1
    assert plan_day(cramp, at(BERLIN, 2027, 6, 3, 23, 59), BERLIN) == 2
    assert plan_day(cramp, at(BERLIN, 2027, 6, 4, 0, 0), BERLIN) == 3


def test_plan_day_uses_the_athletes_zone_not_utc_dates() -> None:
    # Late-evening cramp: already 2 June in UTC, so UTC dates would say the next
    # morning is still day 0; in New York it is day 1.
    cramp = at(NEW_YORK, 2027, 6, 1, 23, 30)
    morning = at(NEW_YORK, 2027, 6, 2, 8, 0)
    assert cramp.date() == morning.date() == date(2027, 6, 2)
    assert plan_day(cramp, morning, NEW_YORK) == 1
    # The same two instants are both on 2 June in Berlin: day 0 there.
    assert plan_day(cramp, morning, BERLIN) == 0
    # Early-evening cramp: the same evening is already the next date in UTC, but still
    # day 0 in New York.
    cramp = at(NEW_YORK, 2027, 6, 1, 18, 0)
    evening = at(NEW_YORK, 2027, 6, 1, 21, 0)
    assert (cramp.date(), evening.date()) == (date(2027, 6, 1), date(2027, 6, 2))
    assert plan_day(cramp, evening, NEW_YORK) == 0


@pytest.mark.parametrize(
    ("zone", "cramp_date", "wall"),
    [
        (BERLIN, date(2027, 3, 26), time(8, 0)),  # spring forward, night of 27-28 March
        (BERLIN, date(2027, 3, 26), time(2, 30)),  # a check-in inside the spring gap
        (BERLIN, date(2027, 10, 29), time(8, 0)),  # fall back, night of 30-31 October
        (BERLIN, date(2027, 10, 29), time(2, 30)),  # a check-in in the repeated hour
        (NEW_YORK, date(2027, 3, 12), time(8, 0)),  # spring forward, night of 13-14 March
        (NEW_YORK, date(2027, 3, 12), time(2, 30)),
        (NEW_YORK, date(2027, 11, 5), time(8, 0)),  # fall back, night of 6-7 November
        (NEW_YORK, date(2027, 11, 5), time(1, 30)),
    ],
)
def test_daily_check_ins_across_a_dst_night_get_consecutive_day_numbers(
    zone: ZoneInfo, cramp_date: date, wall: time
) -> None:
    cramp = datetime.combine(cramp_date, time(18, 0), tzinfo=zone).astimezone(UTC)
    after = cramp
    days: list[int] = []
    for _ in range(5):
        after = next_checkin_at(wall, zone, after)
        days.append(plan_day(cramp, after, zone))
    assert days == [1, 2, 3, 4, 5]


def test_repeated_fall_back_hour_never_gives_a_negative_day() -> None:
    cramp = at(BERLIN, 2027, 10, 31, 2, 40, fold=0)  # first 02:40 (CEST)
    later = at(BERLIN, 2027, 10, 31, 2, 10, fold=1)  # second 02:10 (CET), 30 min later
    assert later > cramp
    assert plan_day(cramp, later, BERLIN) == 0


def test_plan_day_rejects_naive_or_reversed_times() -> None:
    with pytest.raises(ValueError):
        plan_day(CRAMP.replace(tzinfo=None), CRAMP, BERLIN)
    with pytest.raises(ValueError):
        plan_day(CRAMP, CRAMP - timedelta(minutes=1), BERLIN)
    with pytest.raises(ValueError):
        hours_since(CRAMP, CRAMP.replace(tzinfo=None))


# --- Stage gating ---------------------------------------------------------------------


def test_massage_waits_for_24_real_hours() -> None:
    assert not stage_allowed(Stage.MASSAGE, CRAMP, CRAMP + timedelta(hours=23, minutes=59), BERLIN)
    assert stage_allowed(Stage.MASSAGE, CRAMP, CRAMP + timedelta(hours=24), BERLIN)


def test_massage_waits_for_24_hours_even_on_a_23_hour_day() -> None:
    cramp = at(BERLIN, 2027, 3, 27, 10, 0)
    now = at(BERLIN, 2027, 3, 28, 10, 0)  # day 1 but only 23 h
    assert plan_day(cramp, now, BERLIN) == 1
    assert not stage_allowed(Stage.MASSAGE, cramp, now, BERLIN)
    outcome = decide(Stage.REST, report(), None, cramp, now, BERLIN)
    assert outcome.decision is Decision.HOLD
    assert outcome.waiting_for is Stage.MASSAGE


def test_evening_cramp_opens_exercise_on_third_morning_but_massage_needs_24_hours() -> None:
    cramp = at(BERLIN, 2027, 6, 4, 18, 0)  # Friday 18:00
    saturday_morning = at(BERLIN, 2027, 6, 5, 8, 0)
    assert plan_day(cramp, saturday_morning, BERLIN) == 1
    assert not stage_allowed(Stage.MASSAGE, cramp, saturday_morning, BERLIN)
    morning_plan = plan_for_day(1, hours_since(cramp, saturday_morning), Stage.MASSAGE)
    assert morning_plan.has(Advice.NO_MASSAGE_YET) and not morning_plan.has(Advice.MASSAGE_OK)
    waiting = decide(Stage.REST, report(), None, cramp, saturday_morning, BERLIN)
    assert (waiting.decision, waiting.waiting_for) == (Decision.HOLD, Stage.MASSAGE)

    saturday_evening = at(BERLIN, 2027, 6, 5, 18, 0)  # 24 real hours
    assert plan_day(cramp, saturday_evening, BERLIN) == 1
    assert stage_allowed(Stage.MASSAGE, cramp, saturday_evening, BERLIN)
    assert not stage_allowed(Stage.WALK_FLAT, cramp, saturday_evening, BERLIN)

    sunday_night = at(BERLIN, 2027, 6, 6, 23, 59)
    assert plan_day(cramp, sunday_night, BERLIN) == 2
    assert not stage_allowed(Stage.WALK_FLAT, cramp, sunday_night, BERLIN)

    monday_morning = at(BERLIN, 2027, 6, 7, 8, 0)  # 62 hours: not yet 3 x 24
    assert hours_since(cramp, monday_morning) < 3 * 24
    assert plan_day(cramp, monday_morning, BERLIN) == rules.RETURN_TO_EXERCISE_DAY
    assert highest_stage_allowed(cramp, monday_morning, BERLIN) is Stage.RUN
    monday = decide(Stage.MASSAGE, report(), None, cramp, monday_morning, BERLIN)
    assert (monday.decision, monday.new_stage) == (Decision.ADVANCE, Stage.WALK_FLAT)


@pytest.mark.parametrize(
    ("day", "highest"),
    [(1, Stage.MASSAGE), (2, Stage.MASSAGE), (3, Stage.RUN), (13, Stage.RUN), (14, Stage.DONE)],
)
def test_highest_stage_allowed_by_day(day: int, highest: Stage) -> None:
    assert highest_stage_allowed(CRAMP, on_day(day, 0), BERLIN) is highest
    for stage in Stage:
        assert stage_allowed(stage, CRAMP, on_day(day, 0), BERLIN) == (stage <= highest)


def test_clamp_stage_to_day_brings_a_too_early_stage_down() -> None:
    assert clamp_stage_to_day(Stage.RUN, CRAMP, CRAMP + timedelta(hours=10), BERLIN) is Stage.REST
    assert clamp_stage_to_day(Stage.RUN, CRAMP, on_day(1), BERLIN) is Stage.MASSAGE
    assert clamp_stage_to_day(Stage.RUN, CRAMP, on_day(5), BERLIN) is Stage.RUN
    assert clamp_stage_to_day(Stage.WALK_FLAT, CRAMP, on_day(5), BERLIN) is Stage.WALK_FLAT


# --- decide: each branch and the priority order ---------------------------------------


def test_warning_sign_is_a_red_flag_and_beats_everything() -> None:
    outcome = decide_on(
        Stage.WALK_FAST,
        5,
        pain=9,
        previous_pain=2,
        yesterday=StepOutcome.UNCOMFORTABLE,
        warning_sign=True,
    )
    assert outcome.decision is Decision.RED_FLAG
    assert outcome.new_stage is Stage.WALK_FAST
    assert outcome.reason is Reason.WARNING_SIGN
    assert not outcome.suggest_physio


def test_warning_sign_with_low_pain_is_still_a_red_flag() -> None:
    assert decide_on(Stage.RUN, 10, pain=0, warning_sign=True).decision is Decision.RED_FLAG


def test_high_pain_steps_back_one_stage_and_rests_today() -> None:
    outcome = decide_on(Stage.WALK_FAST, 5, pain=7)
    assert outcome.decision is Decision.STEP_BACK
    assert outcome.new_stage is Stage.WALK_FLAT
    assert outcome.rest_today
    assert outcome.reason is Reason.PAIN_HIGH
    assert outcome.suggest_physio


def test_pain_jump_of_two_steps_back_even_when_low() -> None:
    outcome = decide_on(Stage.RUN, 8, pain=4, previous_pain=2)
    assert outcome.decision is Decision.STEP_BACK
    assert outcome.new_stage is Stage.WALK_INCLINE
    assert outcome.reason is Reason.PAIN_JUMP


def test_step_back_beats_hold_reasons() -> None:
    for yesterday in StepOutcome:
        assert decide_on(Stage.WALK_FLAT, 4, pain=8, yesterday=yesterday).decision is (
            Decision.STEP_BACK
        )


def test_step_back_never_goes_below_rest() -> None:
    outcome = decide_on(Stage.REST, 0, pain=9)
    assert outcome.decision is Decision.STEP_BACK
    assert outcome.new_stage is Stage.REST
    assert outcome.rest_today


def test_step_back_never_lands_above_what_the_day_allows() -> None:
    # A stored stage that is too far for day 1 is first brought down to MASSAGE.
    outcome = decide_on(Stage.RUN, 1, pain=8)
    assert outcome.new_stage is Stage.REST


@pytest.mark.parametrize(
    ("day", "physio"), [(0, False), (1, False), (2, False), (3, True), (9, True)]
)
def test_physio_is_suggested_on_a_step_back_only_from_day_3(day: int, physio: bool) -> None:
    stage = Stage.MASSAGE if day < 3 else Stage.WALK_FLAT
    outcome = decide_on(stage, day, pain=8)
    assert outcome.decision is Decision.STEP_BACK
    assert outcome.suggest_physio is physio


def test_physio_is_never_suggested_outside_a_step_back() -> None:
    for pain in range(0, 7):
        for yesterday in StepOutcome:
            outcome = decide_on(Stage.RUN, 10, pain=pain, yesterday=yesterday)
            assert not outcome.suggest_physio


def test_uncomfortable_yesterday_holds() -> None:
    outcome = decide_on(Stage.WALK_FLAT, 4, pain=0, yesterday=StepOutcome.UNCOMFORTABLE)
    assert (outcome.decision, outcome.new_stage) == (Decision.HOLD, Stage.WALK_FLAT)
    assert outcome.reason is Reason.UNCOMFORTABLE
    assert not outcome.rest_today


def test_pain_up_by_one_holds_even_when_comfortable_and_low() -> None:
    outcome = decide_on(Stage.WALK_FLAT, 4, pain=2, previous_pain=1)
    assert (outcome.decision, outcome.reason) == (Decision.HOLD, Reason.PAIN_RISING)


def test_step_not_done_holds_to_repeat_it() -> None:
    outcome = decide_on(Stage.WALK_INCLINE, 6, pain=0, yesterday=StepOutcome.NOT_DONE)
    assert (outcome.decision, outcome.new_stage) == (Decision.HOLD, Stage.WALK_INCLINE)
    assert outcome.reason is Reason.NOT_DONE


def test_comfortable_and_low_pain_advances_one_stage() -> None:
    outcome = decide_on(Stage.WALK_FLAT, 4, pain=3, previous_pain=5)
    assert (outcome.decision, outcome.new_stage) == (Decision.ADVANCE, Stage.WALK_FAST)
    assert outcome.reason is Reason.READY


def test_comfortable_but_moderate_pain_holds() -> None:
    for pain in (4, 5, 6):
        outcome = decide_on(Stage.WALK_FLAT, 4, pain=pain, previous_pain=pain)
        assert (outcome.decision, outcome.reason) == (Decision.HOLD, Reason.PAIN_MODERATE)


def test_ready_but_too_early_holds_waiting_for_the_day() -> None:
    outcome = decide_on(Stage.MASSAGE, 2)
    assert (outcome.decision, outcome.new_stage) == (Decision.HOLD, Stage.MASSAGE)
    assert outcome.reason is Reason.WAITING_FOR_DAY
    assert outcome.waiting_for is Stage.WALK_FLAT
    day3 = decide_on(Stage.MASSAGE, 3)
    assert (day3.decision, day3.new_stage) == (Decision.ADVANCE, Stage.WALK_FLAT)


def test_running_finishes_only_from_day_14() -> None:
    day13 = decide_on(Stage.RUN, 13)
    assert (day13.decision, day13.new_stage) == (Decision.HOLD, Stage.RUN)
    assert day13.waiting_for is Stage.DONE
    day14 = decide_on(Stage.RUN, 14)
    assert (day14.decision, day14.new_stage) == (Decision.FINISHED, Stage.DONE)
    # Day 14 starts at local midnight, not at the cramp's time of day.
    day14_starts = at(BERLIN, 2027, 6, 15, 0, 0)
    just_before = day14_starts - timedelta(seconds=1)
    assert decide(Stage.RUN, report(), None, CRAMP, just_before, BERLIN).decision is Decision.HOLD
    at_midnight = decide(Stage.RUN, report(), None, CRAMP, day14_starts, BERLIN)
    assert (at_midnight.decision, at_midnight.day) == (Decision.FINISHED, 14)


def test_finishing_needs_the_run_stage() -> None:
    outcome = decide_on(Stage.WALK_INCLINE, 20)
    assert (outcome.decision, outcome.new_stage) == (Decision.ADVANCE, Stage.RUN)


def test_finishing_needs_a_comfortable_report() -> None:
    assert decide_on(Stage.RUN, 15, yesterday=StepOutcome.UNCOMFORTABLE).decision is Decision.HOLD
    assert decide_on(Stage.RUN, 15, yesterday=StepOutcome.NOT_DONE).decision is Decision.HOLD
    assert decide_on(Stage.RUN, 15, pain=4).decision is Decision.HOLD


def test_a_rest_stage_late_in_the_plan_still_moves_only_one_stage() -> None:
    outcome = decide_on(Stage.REST, 10)
    assert (outcome.decision, outcome.new_stage) == (Decision.ADVANCE, Stage.MASSAGE)


@pytest.mark.parametrize("day", range(0, 21))
@pytest.mark.parametrize("stage", list(Stage))
def test_never_moves_more_than_one_stage(stage: Stage, day: int) -> None:
    for pain in range(0, 11):
        for previous in (None, 0, pain):
            for yesterday in StepOutcome:
                outcome = decide_on(stage, day, pain, yesterday, previous)
                assert outcome.new_stage <= stage + 1
                assert outcome.new_stage <= highest_stage_allowed(CRAMP, on_day(day), BERLIN)
                assert outcome.day == day


def test_finished_plan_stays_finished_unless_it_flares_up() -> None:
    assert decide_on(Stage.DONE, 20).decision is Decision.FINISHED
    assert decide_on(Stage.DONE, 20, yesterday=StepOutcome.NOT_DONE).new_stage is Stage.DONE
    flare = decide_on(Stage.DONE, 20, pain=8)
    assert (flare.decision, flare.new_stage, flare.suggest_physio) == (
        Decision.STEP_BACK,
        Stage.RUN,
        True,
    )


def test_daily_comfortable_check_ins_walk_the_whole_plan() -> None:
    stage = Stage.REST
    seen: dict[int, Stage] = {}
    for day in range(1, 16):
        outcome = decide_on(stage, day, pain=1, previous_pain=1)
        stage = outcome.new_stage
        seen[day] = stage
    assert seen[1] is Stage.MASSAGE
    assert seen[2] is Stage.MASSAGE  # waiting for day 3
    assert [seen[d] for d in (3, 4, 5, 6)] == [
        Stage.WALK_FLAT,
        Stage.WALK_FAST,
        Stage.WALK_INCLINE,
        Stage.RUN,
    ]
    assert all(seen[d] is Stage.RUN for d in range(6, 14))
    assert seen[14] is Stage.DONE


# --- pain out of proportion: medical advice on top of the decision -------------------


@pytest.mark.parametrize(
    ("pain", "previous_pain", "day", "expected"),
    [
        # 8 or more: medical advice on any day, rising or not.
        (8, None, 0, True),
        (8, 9, 2, True),
        (8, 8, 10, True),
        (10, 2, 20, True),
        # 7: only when early and rising.
        (7, 5, 0, True),
        (7, 6, 3, True),
        (7, None, 1, False),
        (7, 7, 2, False),
        (7, 8, 2, False),
        (7, 5, 4, False),
        (7, 5, 12, False),
        # 6 rising: up to day 3 inclusive, not from day 4.
        (6, 5, 3, True),
        (6, 5, 4, False),
        (6, None, 0, False),
        (6, None, 3, False),
        (6, 6, 1, False),
        (6, 7, 1, False),
        # Below 6, even rising sharply in the first days.
        (5, 0, 1, False),
        (0, None, 0, False),
    ],
)
def test_pain_out_of_proportion(
    pain: int, previous_pain: int | None, day: int, expected: bool
) -> None:
    assert pain_out_of_proportion(pain, previous_pain, day) is expected


@pytest.mark.parametrize(
    ("stage", "day", "pain", "previous_pain", "warning", "decision", "reason", "seek"),
    [
        (Stage.WALK_FAST, 5, 8, None, False, Decision.STEP_BACK, Reason.PAIN_HIGH, True),
        (Stage.WALK_FAST, 5, 7, None, False, Decision.STEP_BACK, Reason.PAIN_HIGH, False),
        (Stage.MASSAGE, 2, 7, 5, False, Decision.STEP_BACK, Reason.PAIN_HIGH, True),
        (Stage.WALK_FLAT, 3, 6, 5, False, Decision.HOLD, Reason.PAIN_RISING, True),
        (Stage.WALK_FLAT, 4, 6, 5, False, Decision.HOLD, Reason.PAIN_RISING, False),
        (Stage.MASSAGE, 1, 6, None, False, Decision.HOLD, Reason.PAIN_MODERATE, False),
        (Stage.RUN, 10, 8, 1, True, Decision.RED_FLAG, Reason.WARNING_SIGN, True),
        (Stage.DONE, 20, 9, 9, False, Decision.STEP_BACK, Reason.PAIN_HIGH, True),
    ],
)
def test_decide_flags_medical_advice_without_changing_the_decision(
    stage: Stage,
    day: int,
    pain: int,
    previous_pain: int | None,
    warning: bool,
    decision: Decision,
    reason: Reason,
    seek: bool,
) -> None:
    outcome = decide_on(stage, day, pain, previous_pain=previous_pain, warning_sign=warning)
    assert (outcome.decision, outcome.reason, outcome.seek_medical_advice) == (
        decision,
        reason,
        seek,
    )


@pytest.mark.parametrize("day", [0, 1, 2, 3, 4, 14])
def test_decide_sets_seek_medical_advice_exactly_when_pain_is_out_of_proportion(day: int) -> None:
    for stage in Stage:
        for pain in range(0, 11):
            for previous in (None, *range(0, 11)):
                outcome = decide_on(stage, day, pain, previous_pain=previous)
                assert outcome.seek_medical_advice is pain_out_of_proportion(pain, previous, day)


def test_invalid_pain_is_rejected() -> None:
    with pytest.raises(ValueError):
        report(pain=11)
    with pytest.raises(ValueError):
        report(pain=-1)
    with pytest.raises(ValueError):
        decide_on(Stage.REST, 1, previous_pain=12)


# --- plan_for_day ---------------------------------------------------------------------


def test_day_0_plan_is_rest_ice_and_no_massage() -> None:
    plan = plan_for_day(0, 2.0, Stage.REST)
    assert plan.items == (
        Advice.REST,
        Advice.ICE,
        Advice.ANTI_INFLAMMATORY_NOTE,
        Advice.NO_MASSAGE_YET,
        Advice.NO_STRENGTH_UNTIL_DAY_14,
    )
    assert plan.exercise_stage is None


def test_from_24_hours_massage_is_allowed_and_icing_continues() -> None:
    plan = plan_for_day(1, 26.0, Stage.MASSAGE)
    assert plan.has(Advice.MASSAGE_OK) and plan.has(Advice.ICE)
    assert not plan.has(Advice.NO_MASSAGE_YET) and not plan.has(Advice.REST)
    assert not plan.has(Advice.EXERCISE_STAGE)


def test_exercise_stage_appears_from_day_3() -> None:
    plan = plan_for_day(3, 73.0, Stage.WALK_FLAT)
    assert plan.has(Advice.EXERCISE_STAGE) and plan.exercise_stage is Stage.WALK_FLAT
    assert plan.has(Advice.ICE)  # days 0-4
    assert not plan_for_day(rules.ICE_DAYS, 24.0 * rules.ICE_DAYS, Stage.RUN).has(Advice.ICE)


def test_stage_beyond_the_day_is_not_shown() -> None:
    plan = plan_for_day(1, 30.0, Stage.RUN)
    assert plan.stage is Stage.MASSAGE
    assert not plan.has(Advice.EXERCISE_STAGE)
    assert not plan_for_day(0, 23.99, Stage.MASSAGE).has(Advice.MASSAGE_OK)


def test_day_14_done_plan_is_prevention_only() -> None:
    assert plan_for_day(14, 14 * 24.0, Stage.DONE).items == (Advice.PREVENTION,)
    # Still running at day 14 (not yet comfortable): the strength ban stays on.
    still_running = plan_for_day(14, 14 * 24.0, Stage.RUN)
    assert still_running.has(Advice.NO_STRENGTH_UNTIL_DAY_14)
    assert not still_running.has(Advice.PREVENTION)


@pytest.mark.parametrize("day", range(0, 21))
def test_plan_for_day_never_breaks_the_time_gates(day: int) -> None:
    for hours in (day * 24.0, day * 24.0 + 12, day * 24.0 + 23.99):
        for stage in Stage:
            plan = plan_for_day(day, hours, stage)
            assert isinstance(plan, DayPlan)
            if hours < 24:
                assert not plan.has(Advice.MASSAGE_OK)
                assert plan.has(Advice.NO_MASSAGE_YET)
            if day < 3:
                assert not plan.has(Advice.EXERCISE_STAGE)
            if day < 14:
                assert plan.has(Advice.NO_STRENGTH_UNTIL_DAY_14)
                assert not plan.has(Advice.PREVENTION)
            assert (plan.exercise_stage is not None) == plan.has(Advice.EXERCISE_STAGE)
            assert plan.stage <= stage


def test_plan_for_day_rejects_negative_inputs() -> None:
    with pytest.raises(ValueError):
        plan_for_day(-1, 0.0, Stage.REST)


# --- next_checkin_at ------------------------------------------------------------------


def test_next_checkin_later_today_or_tomorrow() -> None:
    eight = time(8, 0)
    assert next_checkin_at(eight, BERLIN, at(BERLIN, 2027, 6, 1, 7, 0)) == at(BERLIN, 2027, 6, 1, 8)
    assert next_checkin_at(eight, BERLIN, at(BERLIN, 2027, 6, 1, 9, 0)) == at(BERLIN, 2027, 6, 2, 8)
    result = next_checkin_at(eight, BERLIN, at(BERLIN, 2027, 6, 1, 7, 0))
    assert result.tzinfo is UTC


def test_after_exactly_at_the_checkin_gives_the_next_day() -> None:
    due = at(BERLIN, 2027, 6, 1, 8, 0)
    assert next_checkin_at(time(8, 0), BERLIN, due) == at(BERLIN, 2027, 6, 2, 8, 0)


def test_spring_forward_gap_moves_the_checkin_forward() -> None:
    result = next_checkin_at(time(2, 30), BERLIN, datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert result == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert result.astimezone(BERLIN).time() == time(3, 30)
    following = next_checkin_at(time(2, 30), BERLIN, result)
    assert following == at(BERLIN, 2027, 3, 29, 2, 30)


def test_spring_forward_gap_in_new_york() -> None:
    result = next_checkin_at(time(2, 15), NEW_YORK, datetime(2027, 3, 13, 12, 0, tzinfo=UTC))
    assert result.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 3, 15)


def test_fall_back_takes_the_first_occurrence_once_per_date() -> None:
    first = next_checkin_at(time(2, 30), BERLIN, datetime(2027, 10, 30, 12, 0, tzinfo=UTC))
    assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = next_checkin_at(time(2, 30), BERLIN, first)
    assert second == datetime(2027, 11, 1, 1, 30, tzinfo=UTC)  # 02:30 CET next day
    assert local_date_of(first, BERLIN) != local_date_of(second, BERLIN)
    # Between the two 02:30s of 31 October: the repeat is not a second check-in.
    between = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)
    assert next_checkin_at(time(2, 30), BERLIN, between) == second


def test_fall_back_in_new_york_takes_edt() -> None:
    result = next_checkin_at(time(1, 30), NEW_YORK, datetime(2027, 11, 6, 12, 0, tzinfo=UTC))
    assert result == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT


@pytest.mark.parametrize(
    "zone_name", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]
)
@pytest.mark.parametrize("wall", [time(0, 0), time(0, 30), time(2, 30), time(8, 0), time(23, 30)])
def test_a_year_of_checkins_is_one_per_local_date(zone_name: str, wall: time) -> None:
    zone = ZoneInfo(zone_name)
    after = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    previous: datetime | None = None
    for _ in range(366):
        instant = next_checkin_at(wall, zone, after)
        assert instant > after
        if previous is not None:
            gap = local_date_of(instant, zone) - local_date_of(previous, zone)
            assert gap == timedelta(days=1)
        local = instant.astimezone(zone)
        wanted = datetime.combine(local.date(), wall, tzinfo=zone)  # fold=0: first occurrence
        exists = wanted.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == (
            wanted.replace(tzinfo=None)
        )
        if exists:
            assert instant == wanted.astimezone(UTC)
        else:  # in a DST gap: moved forward past it, same date
            assert local.time() > wall
        previous = after = instant


def test_next_checkin_rejects_naive_after_and_aware_time() -> None:
    with pytest.raises(ValueError):
        next_checkin_at(time(8, 0), BERLIN, datetime(2027, 6, 1, 8, 0))
    with pytest.raises(ValueError):
        next_checkin_at(time(8, 0, tzinfo=UTC), BERLIN, datetime(2027, 6, 1, tzinfo=UTC))


def test_local_date_of_uses_the_zone() -> None:
    late = datetime(2027, 6, 1, 23, 30, tzinfo=UTC)
    assert local_date_of(late, BERLIN) == date(2027, 6, 2)
    assert local_date_of(late, NEW_YORK) == date(2027, 6, 1)


# --- Input parsing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8", time(8, 0)),
        ("08:00", time(8, 0)),
        ("8:30", time(8, 30)),
        ("20.15", time(20, 15)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("7am", time(7, 0)),
        ("7 AM", time(7, 0)),
        ("7:30 pm", time(19, 30)),
        ("7.30pm", time(19, 30)),
        ("12am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("12:15 a.m.", time(0, 15)),
        ("  9:05  ", time(9, 5)),
    ],
)
def test_parse_local_time_accepts(text: str, expected: time) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "24",
        "24:00",
        "25:00",
        "8:60",
        "8:5",
        "13pm",
        "0am",
        "-1",
        "8:30:00",
        "7 xm",
        "8::30",
        "１２",
        "830",
        "8 30",
    ],
)
def test_parse_local_time_rejects(text: str) -> None:
    assert parse_local_time(text) is None


def test_pain_validation_and_parsing() -> None:
    assert is_pain_valid(0) and is_pain_valid(10)
    assert not is_pain_valid(-1) and not is_pain_valid(11) and not is_pain_valid(True)
    assert parse_pain(" 7 ") == 7
    assert parse_pain("3/10") == 3
    for bad in ("", "11", "-2", "seven", "4.5", "１"):
        assert parse_pain(bad) is None


# --- Texts ----------------------------------------------------------------------------


def every_rendered_text() -> list[str]:
    """All constants plus every day plan and check-in reply the rules can produce."""
    rendered = list(texts.all_texts())
    for day in range(0, 21):
        for stage in Stage:
            rendered.append(texts.day_plan_text(plan_for_day(day, day * 24.0 + 1, stage)))
            for pain in (0, 2, 5, 8):
                for yesterday in StepOutcome:
                    for warning in (False, True):
                        outcome = decide_on(stage, day, pain, yesterday, 1, warning)
                        rendered.append(texts.outcome_text(outcome))
    return rendered


ALL_TEXTS = every_rendered_text()


@pytest.mark.parametrize(
    "pattern",
    [r"strong(ly)? stretch", r"forceful", r"spray", r"electrolytes? (will |can )?prevent"],
)
def test_no_text_advises_what_the_article_warns_against(pattern: str) -> None:
    for text in ALL_TEXTS:
        assert re.search(pattern, text, re.IGNORECASE) is None, text


def test_prevention_says_electrolytes_or_salt_do_not_prevent_cramps() -> None:
    assert re.search(r"electrolytes or salt (don't|do not) prevent", texts.PREVENTION)
    # Electrolytes and salt appear nowhere else.
    for text in ALL_TEXTS:
        if text != texts.PREVENTION:
            assert re.search(r"electrolyte|salt", text, re.IGNORECASE) is None, text


def test_prevention_covers_the_article_points() -> None:
    lowered = texts.PREVENTION.lower()
    for needle in ("strength training", "hottest part of the day", "compression", "5 °c"):
        assert needle in lowered


def test_strength_work_is_only_encouraged_once_the_plan_is_done() -> None:
    for day in range(0, 14):
        for stage in Stage:
            text = texts.day_plan_text(plan_for_day(day, day * 24.0 + 1, stage))
            assert "strength training" not in text.lower()
            assert texts.DAY_PLAN_ITEMS[Advice.NO_STRENGTH_UNTIL_DAY_14] in text


def test_no_massage_text_before_24_hours() -> None:
    text = texts.day_plan_text(plan_for_day(0, 23.99, Stage.MASSAGE))
    assert texts.DAY_PLAN_ITEMS[Advice.MASSAGE_OK] not in text
    assert texts.DAY_PLAN_ITEMS[Advice.NO_MASSAGE_YET] in text
    assert texts.STAGE_INSTRUCTIONS[Stage.MASSAGE] not in text


def test_anti_inflammatory_note_mentions_risks_and_a_pharmacist() -> None:
    assert "risk" in texts.ANTI_INFLAMMATORY_NOTE
    assert "pharmacist" in texts.ANTI_INFLAMMATORY_NOTE


def test_every_key_has_a_text() -> None:
    assert set(texts.STAGE_NAMES) == set(Stage) == set(texts.STAGE_INSTRUCTIONS)
    assert set(texts.DAY_PLAN_ITEMS) == set(Advice)
    assert set(texts.DECISION_MESSAGES) == set(Decision)
    assert set(texts.STEP_OUTCOME_LABELS) == set(StepOutcome)
    assert set(texts.STEP_BACK_REASONS) == {Reason.PAIN_HIGH, Reason.PAIN_JUMP}
    hold = {Reason.UNCOMFORTABLE, Reason.PAIN_RISING, Reason.NOT_DONE, Reason.PAIN_MODERATE}
    assert set(texts.HOLD_REASONS) == hold | {
        Reason.WAITING_FOR_DAY,
        Reason.NO_STEP_YET,
        Reason.ON_HOLD,
    }
    assert set(texts.WAITING_FOR) == {Stage.MASSAGE, Stage.WALK_FLAT, Stage.DONE}
    assert texts.stage_name(Stage.RUN) == texts.STAGE_NAMES[Stage.RUN]


def test_stage_instructions_follow_the_return_to_exercise_order() -> None:
    instructions = texts.STAGE_INSTRUCTIONS
    assert "level ground" in instructions[Stage.WALK_FLAT]
    assert "steady" in instructions[Stage.WALK_FLAT]
    assert "pace" in instructions[Stage.WALK_FAST]
    assert "slopes" in instructions[Stage.WALK_INCLINE]
    assert "distance a little at a time" in instructions[Stage.RUN]


def test_physio_suggestion_appears_exactly_when_suggested() -> None:
    with_physio = texts.outcome_text(decide_on(Stage.WALK_FLAT, 4, pain=8))
    without = texts.outcome_text(decide_on(Stage.MASSAGE, 2, pain=8))
    assert texts.PHYSIO_SUGGESTION in with_physio
    assert texts.PHYSIO_SUGGESTION not in without
    assert "Rest the calf today" in texts.for_muscle(without, "calf")


def test_red_flag_and_finished_replies() -> None:
    red = texts.outcome_text(decide_on(Stage.RUN, 8, warning_sign=True))
    assert red == texts.RED_FLAG and "{number}" in red
    assert texts.outcome_text(decide_on(Stage.RUN, 14)) == texts.PREVENTION


_TAG = re.compile(r"</?([a-z]+)>")


def test_texts_are_valid_telegram_html_with_only_bold_and_italic() -> None:
    for text in ALL_TEXTS:
        assert set(_TAG.findall(text)) <= {"b", "i"}, text
        without_tags = _TAG.sub("", text)
        assert "<" not in without_tags and ">" not in without_tags, text
        assert "&" not in without_tags, text
        for tag in ("b", "i"):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), text
