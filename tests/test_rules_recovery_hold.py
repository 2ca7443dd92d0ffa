"""The plan on hold, the cramp's own day and the dated waits, in the recovery rules and texts,
called directly with plain values (issue 15)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.texts import recovery as texts
from conversations.texts import sos as sos_texts
from rules.recovery import (
    Advice,
    CheckinReport,
    Decision,
    Outcome,
    Reason,
    Stage,
    StepOutcome,
    decide,
    holds_plan,
    opens_on,
    plan_for_day,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 1 June 2027, 10:00 in Berlin.
CRAMP = datetime(2027, 6, 1, 10, 0, tzinfo=BERLIN).astimezone(UTC)


def on_day(day: int, extra_hours: float = 1.0) -> datetime:
    return CRAMP + timedelta(days=day, hours=extra_hours)


def decide_on(
    stage: Stage,
    day: int,
    pain: int = 1,
    yesterday: StepOutcome | None = StepOutcome.COMFORTABLE,
    previous_pain: int | None = None,
    *,
    warning_sign: bool = False,
    held: bool = False,
) -> Outcome:
    report = CheckinReport(pain=pain, yesterday=yesterday, warning_sign=warning_sign)
    return decide(stage, report, previous_pain, CRAMP, on_day(day), BERLIN, held=held)


# --- A plan on hold --------------------------------------------------------------------------


@pytest.mark.parametrize("day", range(0, 14))
@pytest.mark.parametrize("stage", list(Stage)[:-1])
def test_a_held_day_plan_has_the_hold_and_no_massage_or_exercise(day: int, stage: Stage) -> None:
    plan = plan_for_day(day, day * 24.0 + 1, stage, held=True)

    assert plan.items == (Advice.HOLD, Advice.NO_STRENGTH_UNTIL_DAY_14)
    assert plan.exercise_stage is None
    assert not plan.has(Advice.MASSAGE_OK) and not plan.has(Advice.EXERCISE_STAGE)
    # The stage waits as it was (within the day's limit) for when the hold is lifted.
    assert plan.stage == plan_for_day(day, day * 24.0 + 1, stage).stage


def test_the_held_day_plan_text_says_rest_and_get_seen_and_nothing_else() -> None:
    text = texts.day_plan_text(plan_for_day(5, 121.0, Stage.WALK_FAST, held=True))

    assert text.startswith("<b>Day 5: On hold</b>")
    assert "until a doctor has seen you" in text
    assert "don't massage or stretch" in text
    for item in (Advice.MASSAGE_OK, Advice.EXERCISE_STAGE, Advice.ICE):
        assert texts.DAY_PLAN_ITEMS[item] not in text
    assert texts.STAGE_INSTRUCTIONS[Stage.WALK_FAST] not in text


@pytest.mark.parametrize("stage", [Stage.MASSAGE, Stage.WALK_FLAT, Stage.RUN])
@pytest.mark.parametrize("pain", [0, 2, 5, 7, 9])
@pytest.mark.parametrize("yesterday", [*StepOutcome, None])
def test_a_held_plan_never_moves(stage: Stage, pain: int, yesterday: StepOutcome | None) -> None:
    outcome = decide_on(stage, 14, pain, yesterday, previous_pain=pain, held=True)

    assert (outcome.decision, outcome.reason) == (Decision.HOLD, Reason.ON_HOLD)
    assert outcome.new_stage == stage
    assert outcome.waiting_for is None


def test_a_warning_sign_on_a_held_plan_is_still_a_red_flag() -> None:
    outcome = decide_on(Stage.WALK_FLAT, 5, warning_sign=True, held=True)
    assert outcome.decision is Decision.RED_FLAG
    assert outcome.new_stage == Stage.WALK_FLAT


def test_warning_signs_and_pain_out_of_proportion_hold_the_plan() -> None:
    assert holds_plan(decide_on(Stage.MASSAGE, 2, warning_sign=True))
    assert holds_plan(decide_on(Stage.WALK_FLAT, 5, pain=8))  # 8 or more: see a doctor
    assert holds_plan(decide_on(Stage.MASSAGE, 2, pain=6, previous_pain=4))  # early, rising
    assert not holds_plan(decide_on(Stage.WALK_FLAT, 5, pain=7, previous_pain=7))
    assert not holds_plan(decide_on(Stage.WALK_FLAT, 5, pain=1))


# --- The cramp's own day ---------------------------------------------------------------------


@pytest.mark.parametrize("pain", [0, 2, 4, 6])
def test_the_day_0_check_in_has_no_step_to_report(pain: int) -> None:
    outcome = decide_on(Stage.REST, 0, pain, yesterday=None)

    assert (outcome.decision, outcome.reason) == (Decision.HOLD, Reason.NO_STEP_YET)
    assert outcome.new_stage == Stage.REST
    assert outcome.waiting_for is Stage.MASSAGE
    text = texts.for_muscle(texts.outcome_text(outcome), "calf")
    assert "give the same step a go" not in text
    assert "yesterday" not in text.lower()
    assert "Nice that it went well" not in text
    assert "Today is the day of the cramp" in text
    assert texts.WAITING_FOR[Stage.MASSAGE] in text


def test_high_pain_on_day_0_still_steps_back_to_rest() -> None:
    outcome = decide_on(Stage.REST, 0, 7, yesterday=None)
    assert (outcome.decision, outcome.new_stage) == (Decision.STEP_BACK, Stage.REST)


def test_the_warning_question_speaks_of_the_cramp_on_day_0() -> None:
    assert "since the cramp" in texts.ask_warning_sign(0)
    assert "yesterday" not in texts.ask_warning_sign(0)
    assert "since yesterday" in texts.ask_warning_sign(1)


# --- Dated waits -----------------------------------------------------------------------------


def test_exercise_opens_on_the_third_local_date_and_the_text_names_it() -> None:
    outcome = decide_on(Stage.MASSAGE, 2, pain=1)

    assert outcome.waiting_for is Stage.WALK_FLAT
    assert outcome.opens_on == date(2027, 6, 4)
    assert "Exercise can start from Friday 4 June (day 3 after the cramp)." in (
        texts.outcome_text(outcome)
    )


def test_the_opening_date_is_the_athletes_local_date() -> None:
    # 23:30 on Monday 31 May in New York is already Tuesday in UTC.
    late = datetime(2027, 5, 31, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert opens_on(Stage.WALK_FLAT, late, NEW_YORK) == date(2027, 6, 3)
    assert opens_on(Stage.WALK_FLAT, late, BERLIN) == date(2027, 6, 4)
    assert opens_on(Stage.DONE, late, NEW_YORK) == date(2027, 6, 14)
    assert opens_on(Stage.MASSAGE, late, NEW_YORK) is None  # real hours, not a date


def test_the_end_of_the_plan_names_its_date() -> None:
    outcome = decide_on(Stage.RUN, 10, pain=1)
    assert outcome.waiting_for is Stage.DONE
    assert "until Tuesday 15 June (day 14)" in texts.outcome_text(outcome)


# --- The physiotherapist's words fit the stage -----------------------------------------------


def test_a_flare_up_while_resting_is_not_called_exercising_again() -> None:
    outcome = decide_on(Stage.MASSAGE, 4, pain=7, previous_pain=7)

    text = texts.outcome_text(outcome)
    assert outcome.suggest_physio and outcome.stage_before is Stage.MASSAGE
    assert texts.PHYSIO_SUGGESTION_AT_REST in text
    assert "exercising again" not in text


def test_a_flare_up_on_an_exercise_step_says_exercising_again() -> None:
    outcome = decide_on(Stage.WALK_FLAT, 4, pain=7, previous_pain=7)

    text = texts.outcome_text(outcome)
    assert texts.PHYSIO_SUGGESTION in text
    assert texts.PHYSIO_SUGGESTION_AT_REST not in text


# --- Strength work ---------------------------------------------------------------------------


def test_every_strength_mention_before_the_end_says_after_the_two_weeks() -> None:
    # /prevent can be sent in the middle of a plan, and follows the SOS flow's aftercare.
    for text in [*texts.all_texts(), sos_texts.PREVENT]:
        if text == texts.PREVENTION:  # shown only once the two weeks are over
            continue
        for sentence in re.split(r"(?<=[.!?])\s", text):
            if "strength" in sentence.lower():
                assert "after the two weeks" in sentence, sentence
