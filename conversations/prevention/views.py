"""The prevention programme's buttons and views: the offer, the days, the time, its state,
a session. No storage here: the plan's check-in imports the offer from this module."""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list

from conversations.buttons import ButtonFamily
from conversations.i18n.current import language
from conversations.replies import InlineKeyboard
from conversations.texts import prevention as texts
from rules import prevention as rules
from rules import recovery
from rules.languages import ENGLISH
from rules.plan_clock import zone_named
from rules.strength import Answer, level_of

FLOW = "prev"
OFFER, DAYS, TIME, STATE, SESSION = "offer", "days", "time", "state", "session"
START, DONE = "start", "done"
STOP, CHANGE, RESUME = "stop", "change", "resume"
#: Session hours to pick from: 06:00 to 21:00, local.
SESSION_HOURS = tuple(range(6, 22))

OFFER_BUTTONS = ButtonFamily.of(FLOW, OFFER, {START})
DAY_BUTTONS = ButtonFamily.of(FLOW, DAYS, {*(str(day) for day in range(7)), DONE})
TIME_BUTTONS = ButtonFamily.of(FLOW, TIME, {f"{hour:02d}" for hour in SESSION_HOURS})
STATE_BUTTONS = ButtonFamily.of(FLOW, STATE, {STOP, CHANGE, RESUME})
SESSION_BUTTONS = ButtonFamily.of(FLOW, SESSION, {answer.value for answer in Answer})


def offer_buttons(user_id: int) -> InlineKeyboard:
    """The one button that starts the programme's set-up (its ref: the athlete's id)."""
    return OFFER_BUTTONS.keyboard(user_id, [(START, texts.OFFER_BUTTON)])


def day_buttons(user_id: int, chosen: frozenset[int]) -> InlineKeyboard:
    options = [
        (str(day), (texts.CHOSEN_MARK if day in chosen else "") + label)
        for day, label in enumerate(texts.DAY_LABELS)
    ]
    rows = DAY_BUTTONS.rows(user_id, options, per_row=4)
    rows.extend(DAY_BUTTONS.rows(user_id, [(DONE, texts.DAYS_DONE_BUTTON)]))
    return InlineKeyboard(rows)


def time_buttons(user_id: int) -> InlineKeyboard:
    options = [(f"{hour:02d}", f"{hour:02d}:00") for hour in SESSION_HOURS]
    return TIME_BUTTONS.keyboard(user_id, options, per_row=4)


def state_buttons(user_id: int, *, paused: bool) -> InlineKeyboard:
    options = [(RESUME, texts.RESUME_BUTTON)] if paused else []
    options += [(CHANGE, texts.CHANGE_DAYS_BUTTON), (STOP, texts.STOP_BUTTON)]
    return STATE_BUTTONS.keyboard(user_id, options, per_row=2)


def session_buttons(session_id: int) -> InlineKeyboard:
    options = [(answer.value, texts.SESSION_LABELS[answer.value]) for answer in Answer]
    return SESSION_BUTTONS.keyboard(session_id, options, per_row=2)


def session_text(level: int) -> str:
    found = level_of(level)
    return texts.SESSION.format(
        level=found.number,
        exercise=texts.EXERCISES[found.exercise],
        sets=found.sets,
        reps=found.reps,
    )


def days_text(weekdays: str) -> str:
    names = [texts.DAY_NAMES[day] for day in sorted(rules.parse_weekdays(weekdays))]
    if len(names) <= 1:
        return "".join(names)
    if language() != ENGLISH:  # "Montag, Mittwoch und Freitag": the language's own list
        return str(format_list(names, locale=language()))
    return ", ".join(names[:-1]) + " and " + names[-1]


def when_text(instant: datetime | None, zone: str | None) -> str:
    """A session's instant on the athlete's clock: "Monday 18:00"."""
    if instant is None:
        return "-"
    local = instant.astimezone(zone_named(zone))
    day = recovery.local_date_of(instant, zone_named(zone))
    return f"{texts.DAY_NAMES[day.weekday()]} {local:%H:%M}"
