"""Rules of the post-cramp recovery plan, as pure functions.

Nothing here knows about Telegram, storage or the clock: every function takes the
times it needs (aware UTC datetimes plus the athlete's ``ZoneInfo``) and returns plain
values, so the rules can be tested directly with edge cases.

The phases follow the source article on exercise-induced calf cramps:

* day 0: rest and ice the muscle; no massage for the first 24 hours;
* from 24 hours: keep icing; massage or gentle foam rolling may start;
* from day 3: return to exercise one stage at a time (flat walking, faster walking,
  inclines, running);
* until day 14 at least: no strength exercises;
* from day 14, once running is comfortable: the plan ends with prevention advice.

The check-in decision rules (pain thresholds, step back, physiotherapist suggestion)
are this product's safety rules on top of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum, IntEnum
from zoneinfo import ZoneInfo

__all__ = [
    "ICE_DAYS",
    "MASSAGE_AFTER_HOURS",
    "PAIN_LOW_MAX",
    "PAIN_MAX",
    "PAIN_MIN",
    "PAIN_SEEK_ADVICE_AT",
    "PAIN_STEP_BACK_AT",
    "PAIN_STEP_BACK_RISE",
    "PHYSIO_FROM_DAY",
    "PLAN_MIN_DAYS",
    "RETURN_TO_EXERCISE_DAY",
    "Advice",
    "CheckinReport",
    "DayPlan",
    "Decision",
    "Outcome",
    "Reason",
    "Stage",
    "StepOutcome",
    "clamp_stage_to_day",
    "decide",
    "highest_stage_allowed",
    "holds_plan",
    "hours_since",
    "is_pain_valid",
    "local_date_of",
    "next_checkin_at",
    "opens_on",
    "pain_out_of_proportion",
    "parse_local_time",
    "parse_pain",
    "plan_day",
    "plan_for_day",
    "stage_allowed",
]

# --- Time gates from the source article ---------------------------------------------

#: Massage or gentle foam rolling waits for 24 hours after the cramp (source article).
MASSAGE_AFTER_HOURS = 24.0
#: A gradual return to exercise may start 3 days after the cramp (source article).
RETURN_TO_EXERCISE_DAY = 3
#: No strength exercises for at least two weeks after the cramp (source article); the
#: plan cannot finish earlier than this.
PLAN_MIN_DAYS = 14
#: The article says to ice "for several days"; we choose days 0-4 (five days).
ICE_DAYS = 5

# --- Check-in thresholds: product safety rules, not from the article ------------------

PAIN_MIN = 0
PAIN_MAX = 10
#: Pain at or above this means the calf is not coping: step back and rest.
PAIN_STEP_BACK_AT = 7
#: A jump of this much since the last check-in also means step back and rest.
PAIN_STEP_BACK_RISE = 2
#: Pain must be at most this for the athlete to move on to the next stage.
PAIN_LOW_MAX = 3
#: Pain this high at a check-in is more than a cramp's small muscle damage explains: medical
#: advice at once (NHS "Leg cramps" and Mayo Clinic "Compartment syndrome": pain far beyond
#: the injury needs a doctor), on top of stepping back.
PAIN_SEEK_ADVICE_AT = 8
#: In the first days pain should settle; pain at least this high that is still rising is out of
#: proportion to a cramp (same sources): medical advice at once.
EARLY_DAYS = 3
EARLY_PAIN_SEEK_ADVICE_AT = 6
#: A flare-up once exercise has started is worth a physiotherapist's look
#: (safety advice in line with NHS / sports physiotherapy guidance).
PHYSIO_FROM_DAY = RETURN_TO_EXERCISE_DAY


class Stage(IntEnum):
    """Where the athlete is in the plan; each stage has an earliest allowed time."""

    REST = 0  # day 0: rest the muscle and ice it
    MASSAGE = 1  # from 24 h: keep icing; massage or gentle foam rolling; walk normally
    WALK_FLAT = 2  # from day 3: steady walking on flat ground
    WALK_FAST = 3  # then add speed
    WALK_INCLINE = 4  # then inclines
    RUN = 5  # then running, building distance gradually
    DONE = 6  # from day 14 and comfortable running: prevention; the plan is over


class StepOutcome(Enum):
    """How yesterday's step went, as the athlete reports it."""

    COMFORTABLE = "comfortable"
    UNCOMFORTABLE = "uncomfortable"
    NOT_DONE = "not_done"


class Decision(Enum):
    """What a check-in decides for today."""

    ADVANCE = "advance"
    HOLD = "hold"
    STEP_BACK = "step_back"
    RED_FLAG = "red_flag"
    FINISHED = "finished"


class Reason(Enum):
    """Why a decision was taken; lets the texts pick the right explanation."""

    ON_HOLD = "on_hold"  # the plan waits for a doctor (see ``decide``)
    NO_STEP_YET = "no_step_yet"  # the check-in on the cramp's own day: no step to report
    WARNING_SIGN = "warning_sign"
    PAIN_HIGH = "pain_high"
    PAIN_JUMP = "pain_jump"
    UNCOMFORTABLE = "uncomfortable"
    PAIN_RISING = "pain_rising"
    NOT_DONE = "not_done"
    READY = "ready"
    WAITING_FOR_DAY = "waiting_for_day"
    PAIN_MODERATE = "pain_moderate"
    COMPLETE = "complete"


class Advice(Enum):
    """One item of a day's plan; the texts module holds the words for each."""

    REST = "rest"
    ICE = "ice"
    ANTI_INFLAMMATORY_NOTE = "anti_inflammatory_note"
    NO_MASSAGE_YET = "no_massage_yet"
    MASSAGE_OK = "massage_ok"
    EXERCISE_STAGE = "exercise_stage"  # the stage itself is DayPlan.exercise_stage
    NO_STRENGTH_UNTIL_DAY_14 = "no_strength_until_day_14"
    PREVENTION = "prevention"
    # The plan is on hold after a warning sign: rest, no massage, stretching or exercise step,
    # and get seen by a doctor (replaces every other item but "no strength work").
    HOLD = "hold"


@dataclass(frozen=True)
class CheckinReport:
    """The athlete's answers at a daily check-in."""

    pain: int  # 0 (none) .. 10 (worst)
    # None at a check-in on the cramp's own day: there was no step yet to report on.
    yesterday: StepOutcome | None
    # Swelling, warmth or redness in the calf, or pain at rest getting worse.
    warning_sign: bool

    def __post_init__(self) -> None:
        if not is_pain_valid(self.pain):
            raise ValueError(f"pain must be an int from {PAIN_MIN} to {PAIN_MAX}: {self.pain!r}")


@dataclass(frozen=True)
class Outcome:
    """The result of a check-in: the decision and the stage to follow from now on."""

    decision: Decision
    new_stage: Stage
    suggest_physio: bool
    reason: Reason
    day: int
    rest_today: bool = False
    # Set when the athlete is ready to move on but the calendar is not: the next stage.
    waiting_for: Stage | None = None
    # Pain out of proportion to a cramp: get medical advice today, whatever the decision.
    seek_medical_advice: bool = False
    # The stage the athlete was on before this check-in (after the day's limit).
    stage_before: Stage = Stage.REST
    # The local date ``waiting_for`` opens on (None for massage, which waits for real hours).
    opens_on: date | None = None


@dataclass(frozen=True)
class DayPlan:
    """Which advice items apply today, in the order they should be shown."""

    day: int
    stage: Stage  # the stage actually followed today (never beyond what the day allows)
    items: tuple[Advice, ...]
    exercise_stage: Stage | None = None  # set exactly when EXERCISE_STAGE is in items

    def has(self, item: Advice) -> bool:
        """Whether ``item`` is part of today's plan."""
        return item in self.items


# --- Time helpers ---------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def local_date_of(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date the wall clock in ``zone`` shows at ``instant`` (aware)."""
    _require_aware(instant, "instant")
    return instant.astimezone(zone).date()


def hours_since(cramp_at: datetime, now: datetime) -> float:
    """Real elapsed hours from the cramp to ``now`` (both aware, ``now`` not earlier)."""
    _require_aware(cramp_at, "cramp_at")
    _require_aware(now, "now")
    if now < cramp_at:
        raise ValueError("now is before the cramp")
    return (now - cramp_at).total_seconds() / 3600.0


def plan_day(cramp_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Day of the plan: calendar days on the athlete's local clock, the cramp's day being 0.

    A cramp on Friday evening makes Saturday day 1 and Monday day 3, whatever the hour, so
    the article's "from 3 days" opens on the third morning after the cramp. Daylight-saving
    changes do not matter: only local dates are compared. (The 24 hours before massage are
    real hours: see ``hours_since``.) Raises ``ValueError`` if ``now`` is before the cramp or
    either datetime is naive.
    """
    hours_since(cramp_at, now)  # validates awareness and order
    return max(0, (local_date_of(now, zone) - local_date_of(cramp_at, zone)).days)


# --- Stage gating ---------------------------------------------------------------------


def _highest_stage(day: int, hours: float) -> Stage:
    """The furthest stage the calendar allows (the athlete's reports still gate it)."""
    if hours < MASSAGE_AFTER_HOURS:
        return Stage.REST
    if day < RETURN_TO_EXERCISE_DAY:
        return Stage.MASSAGE
    if day < PLAN_MIN_DAYS:
        return Stage.RUN
    return Stage.DONE


def highest_stage_allowed(cramp_at: datetime, now: datetime, zone: ZoneInfo) -> Stage:
    """The furthest stage the time since the cramp allows."""
    return _highest_stage(plan_day(cramp_at, now, zone), hours_since(cramp_at, now))


def stage_allowed(stage: Stage, cramp_at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """Whether enough time has passed for ``stage``.

    MASSAGE needs 24 real hours; WALK_FLAT..RUN need day 3; DONE needs day 14 (decide()
    also requires a comfortable report while on RUN before finishing).
    """
    return stage <= highest_stage_allowed(cramp_at, now, zone)


def clamp_stage_to_day(stage: Stage, cramp_at: datetime, now: datetime, zone: ZoneInfo) -> Stage:
    """``stage``, brought down to the furthest stage the time since the cramp allows."""
    return min(stage, highest_stage_allowed(cramp_at, now, zone))


# --- The check-in decision ------------------------------------------------------------


def decide(
    stage: Stage,
    report: CheckinReport,
    previous_pain: int | None,
    cramp_at: datetime,
    now: datetime,
    zone: ZoneInfo,
    *,
    held: bool = False,
) -> Outcome:
    """Decide today's step from the athlete's check-in.

    Rules in priority order:

    1. warning sign -> RED_FLAG, stage unchanged;
    2. plan on hold (waiting for a doctor) -> HOLD, stage unchanged: a held plan never moves;
    3. pain >= 7 or up by >= 2 -> STEP_BACK one stage and rest today; physiotherapist
       suggested from day 3 (a flare-up after finishing reopens the plan at RUN);
    4. plan already DONE -> FINISHED;
    5. no step to report yet (the check-in on the cramp's own day) -> HOLD;
    6. yesterday uncomfortable, or pain up by 1 -> HOLD;
    7. yesterday's step not done -> HOLD (repeat it);
    8. comfortable with pain <= 3 -> ADVANCE one stage if the day allows it, else HOLD
       (waiting for the day); on RUN from day 14 -> FINISHED;
    9. otherwise (comfortable, pain 4-6) -> HOLD.

    A stage beyond what the day allows (only possible with inconsistent input) is first
    brought down to the day's limit. Never moves more than one stage.
    """
    if previous_pain is not None and not is_pain_valid(previous_pain):
        raise ValueError(f"previous_pain out of range: {previous_pain!r}")
    day = plan_day(cramp_at, now, zone)
    highest = _highest_stage(day, hours_since(cramp_at, now))
    current = min(stage, highest)
    rise = 0 if previous_pain is None else report.pain - previous_pain

    def outcome(
        decision: Decision,
        new_stage: Stage,
        reason: Reason,
        *,
        suggest_physio: bool = False,
        rest_today: bool = False,
        waiting_for: Stage | None = None,
    ) -> Outcome:
        return Outcome(
            decision=decision,
            new_stage=new_stage,
            suggest_physio=suggest_physio,
            reason=reason,
            day=day,
            rest_today=rest_today,
            waiting_for=waiting_for,
            seek_medical_advice=pain_out_of_proportion(report.pain, previous_pain, day),
            stage_before=current,
            opens_on=None if waiting_for is None else opens_on(waiting_for, cramp_at, zone),
        )

    if report.warning_sign:
        return outcome(Decision.RED_FLAG, current, Reason.WARNING_SIGN)
    if held:
        return outcome(Decision.HOLD, current, Reason.ON_HOLD)
    if report.pain >= PAIN_STEP_BACK_AT or rise >= PAIN_STEP_BACK_RISE:
        back = Stage(max(current - 1, Stage.REST))
        return outcome(
            Decision.STEP_BACK,
            min(back, highest),
            Reason.PAIN_HIGH if report.pain >= PAIN_STEP_BACK_AT else Reason.PAIN_JUMP,
            suggest_physio=day >= PHYSIO_FROM_DAY,
            rest_today=True,
        )
    if current is Stage.DONE:
        # The plan is over; only a warning sign or a flare-up (above) reopens it.
        return outcome(Decision.FINISHED, Stage.DONE, Reason.COMPLETE)
    following = Stage(current + 1)
    if report.yesterday is None:
        waiting = following if following > highest else None
        return outcome(Decision.HOLD, current, Reason.NO_STEP_YET, waiting_for=waiting)
    if report.yesterday is StepOutcome.UNCOMFORTABLE:
        return outcome(Decision.HOLD, current, Reason.UNCOMFORTABLE)
    if rise > 0:
        return outcome(Decision.HOLD, current, Reason.PAIN_RISING)
    if report.yesterday is StepOutcome.NOT_DONE:
        return outcome(Decision.HOLD, current, Reason.NOT_DONE)
    if report.pain <= PAIN_LOW_MAX:
        if following > highest:
            return outcome(Decision.HOLD, current, Reason.WAITING_FOR_DAY, waiting_for=following)
        if following is Stage.DONE:
            return outcome(Decision.FINISHED, Stage.DONE, Reason.COMPLETE)
        return outcome(Decision.ADVANCE, following, Reason.READY)
    return outcome(Decision.HOLD, current, Reason.PAIN_MODERATE)


def holds_plan(outcome: Outcome) -> bool:
    """Whether a check-in's outcome puts the plan on hold until a doctor has seen the athlete:
    a warning sign, or pain out of proportion to a cramp (both say "get seen")."""
    return outcome.decision is Decision.RED_FLAG or outcome.seek_medical_advice


def opens_on(stage: Stage, cramp_at: datetime, zone: ZoneInfo) -> date | None:
    """The local date from which the calendar allows ``stage``: day 3 for the exercise stages,
    day 14 for the end of the plan; None for REST and MASSAGE (massage waits for real hours,
    not a date)."""
    if stage <= Stage.MASSAGE:
        return None
    day = RETURN_TO_EXERCISE_DAY if stage < Stage.DONE else PLAN_MIN_DAYS
    return local_date_of(cramp_at, zone) + timedelta(days=day)


def pain_out_of_proportion(pain: int, previous_pain: int | None, day: int) -> bool:
    """Whether a check-in's pain needs medical advice at once, not only a step back.

    Pain of 8 or more on any day; or, in the first days, pain of 6 or more that has risen
    since the last check-in instead of settling.
    """
    if pain >= PAIN_SEEK_ADVICE_AT:
        return True
    rising = previous_pain is not None and pain > previous_pain
    return day <= EARLY_DAYS and rising and pain >= EARLY_PAIN_SEEK_ADVICE_AT


# --- The day's plan -------------------------------------------------------------------


def plan_for_day(day: int, hours: float, stage: Stage, *, held: bool = False) -> DayPlan:
    """Which advice items apply today, given the plan day, real hours and the stage.

    The time gates win over ``stage``: no massage before 24 hours, no exercise stage
    before day 3, and "no strength work" on every day until the plan is finished (which
    cannot happen before day 14). Ice is advised on days 0-4 (``ICE_DAYS``).

    A plan on hold (``held``: a warning sign, waiting for a doctor) gets the hold item and
    "no strength work" only: no massage, ice routine or exercise step until a doctor has seen
    the athlete. Its stage is kept as it was, for when the hold is lifted.
    """
    if day < 0 or hours < 0:
        raise ValueError("day and hours must not be negative")
    current = min(stage, _highest_stage(day, hours))
    if held:
        return DayPlan(day=day, stage=current, items=(Advice.HOLD, Advice.NO_STRENGTH_UNTIL_DAY_14))
    if current is Stage.DONE:
        return DayPlan(day=day, stage=current, items=(Advice.PREVENTION,))

    items: list[Advice] = []
    if current is Stage.REST:
        items.append(Advice.REST)
    if day < ICE_DAYS:
        items.append(Advice.ICE)
    if hours < MASSAGE_AFTER_HOURS:
        items += [Advice.ANTI_INFLAMMATORY_NOTE, Advice.NO_MASSAGE_YET]
    else:
        items.append(Advice.MASSAGE_OK)
    exercise_stage: Stage | None = None
    if Stage.WALK_FLAT <= current <= Stage.RUN:
        items.append(Advice.EXERCISE_STAGE)
        exercise_stage = current
    items.append(Advice.NO_STRENGTH_UNTIL_DAY_14)
    return DayPlan(day=day, stage=current, items=tuple(items), exercise_stage=exercise_stage)


# --- Scheduling -----------------------------------------------------------------------


def next_checkin_at(local_time: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first UTC instant strictly after ``after`` when the clock in ``zone`` reads
    ``local_time`` (naive).

    On a spring-forward day a time inside the gap moves forward by the gap's length
    (02:30 becomes 03:30 in Europe/Berlin); on a fall-back day an ambiguous time takes
    its first occurrence, so each local date gets at most one check-in.
    """
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be naive (a wall-clock time in zone)")
    _require_aware(after, "after")
    wall = local_time.replace(fold=0)
    day = local_date_of(after, zone)
    # Start from the local date of ``after``: a time already past (or the instant it
    # was scheduled for) rolls to the next date, never to a second slot on the same one.
    for offset in range(4):
        # fold=0 picks the first occurrence of an ambiguous time and, for a time in a
        # DST gap, the offset from before the gap, which lands after the gap (PEP 495).
        candidate = datetime.combine(day + timedelta(days=offset), wall, tzinfo=zone)
        instant = candidate.astimezone(UTC)
        if instant > after:
            return instant
    raise AssertionError("unreachable: a check-in time exists within four local days")


# --- Input parsing for the check-in flow ----------------------------------------------


def is_pain_valid(value: int) -> bool:
    """Whether ``value`` is a pain score from 0 to 10 (bools are not scores)."""
    return isinstance(value, int) and not isinstance(value, bool) and PAIN_MIN <= value <= PAIN_MAX


_PAIN_RE = re.compile(
    r"\s*([0-9]{1,2})\s*(?:(?:/|of|von|de|sur)\s*10)?\s*", re.ASCII | re.IGNORECASE
)


def parse_pain(text: str) -> int | None:
    """A pain score typed by the athlete ("4", " 7 ", "3/10", "3 of 10", "3 von 10", "3 de 10",
    "3 sur 10"), or None if invalid."""
    match = _PAIN_RE.fullmatch(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if is_pain_valid(value) else None


_TIME_RE = re.compile(
    r"\s*([0-9]{1,2})(?:\s*[:.]\s*([0-9]{2}))?\s*(?:(a|p)\.?\s*m\.?)?\s*",
    re.ASCII | re.IGNORECASE,
)


# How German, Spanish and French write a time around its digits: "um 7 Uhr", "7 Uhr 30",
# "a las 7:30", "19:30 h", "à 19h30", "19h".
_TIME_LEAD = re.compile(r"^(?:um|a\s+las|a\s+la|à|a|at)\s+", re.IGNORECASE)
_TIME_HOURS_MINUTES = re.compile(r"^([0-9]{1,2})\s*(?:h|uhr)\s*([0-9]{2})$", re.IGNORECASE)
_TIME_UNIT = re.compile(r"\s*(?:uhr|hrs?|horas?|heures?|h)\.?$", re.IGNORECASE)


def parse_local_time(text: str) -> time | None:
    """A wall-clock time typed by the athlete, or None if it is not one.

    Accepts 24-hour forms ("8", "08:00", "8:30", "20.15"), 12-hour forms ("7am", "7:30 pm",
    "12 a.m."), and the 24-hour forms of German, Spanish and French ("7 Uhr", "7 Uhr 30",
    "19h30", "19 h", "a las 7:30", "à 19h"). Out-of-range values ("24:00", "8:60", "13pm",
    "0am") are rejected.
    """
    text = _TIME_LEAD.sub("", text.strip())
    text = _TIME_HOURS_MINUTES.sub(r"\1:\2", text)
    text = _TIME_UNIT.sub("", text)
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return None
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower()
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)
