"""What each SOS step shows: its text and its buttons, built from one declaration per family."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from conversations.buttons import ButtonFamily
from conversations.sos.states import (
    ABOUT_COLUMNS,
    CONTEXT,
    EASED,
    EXERCISE,
    FLOW,
    MUSCLE,
    NO,
    NO_FLAG,
    NOT_YET,
    REST,
    SALT,
    SKIP,
    STRETCH,
    TRIAGE,
    YES,
)
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import SCREEN_ORDER, RedFlag

# --- Button families -------------------------------------------------------------------------

FLAG_BUTTONS = ButtonFamily.of(FLOW, "flag", {NO_FLAG, *(flag.value for flag in RedFlag)})
CONTEXT_BUTTONS = ButtonFamily.of(FLOW, "context", {EXERCISE, REST})
MUSCLE_BUTTONS = ButtonFamily.of(FLOW, "muscle", texts.MUSCLE_LABELS)
RELIEF_BUTTONS = ButtonFamily.of(FLOW, "relief", {EASED, NOT_YET})

_ABOUT_OPTIONS: dict[str, list[tuple[str, str]]] = {
    "activity": [*texts.ACTIVITY_LABELS.items(), (SKIP, texts.SKIP)],
    "time_into": [*texts.TIME_INTO_LABELS.items(), (SKIP, texts.SKIP)],
    "hot_conditions": [(YES, texts.YES), (NO, texts.NO), (SKIP, texts.SKIP)],
    "heavy_clothing": [(YES, texts.YES), (NO, texts.NO), (SKIP, texts.SKIP)],
}
ABOUT_BUTTONS: dict[str, ButtonFamily] = {
    column: ButtonFamily.of(FLOW, column, [choice for choice, _ in options])
    for column, options in _ABOUT_OPTIONS.items()
}
_ABOUT_QUESTIONS: dict[str, str] = {
    "activity": texts.ASK_ACTIVITY,
    "time_into": texts.ASK_TIME_INTO,
    "hot_conditions": texts.ASK_HEAT,
    "heavy_clothing": texts.ASK_CLOTHING,
}

View = tuple[str, InlineKeyboardMarkup]


# --- Views -----------------------------------------------------------------------------------


def triage_view(episode_id: int) -> View:
    options = [(NO_FLAG, texts.NO_RED_FLAG)]
    options += [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in SCREEN_ORDER]
    return texts.FIRST_AID_AND_SCREEN, FLAG_BUTTONS.keyboard(episode_id, options)


def context_view(episode_id: int) -> View:
    options = [(EXERCISE, texts.CONTEXT_EXERCISE), (REST, texts.CONTEXT_REST)]
    return texts.ASK_CONTEXT, CONTEXT_BUTTONS.keyboard(episode_id, options)


def muscle_view(episode_id: int) -> View:
    markup = MUSCLE_BUTTONS.keyboard(episode_id, texts.MUSCLE_LABELS.items(), per_row=2)
    return texts.ASK_MUSCLE, markup


def relief_buttons(episode_id: int) -> InlineKeyboardMarkup:
    options = [(EASED, texts.EASED), (NOT_YET, texts.NOT_YET)]
    return RELIEF_BUTTONS.keyboard(episode_id, options, per_row=2)


def stretch_instructions(muscle: str | None) -> str:
    how = texts.STRETCH_HOW.get(muscle or "other", texts.STRETCH_HOW["other"])
    return f"{texts.STRETCH_GENTLY}\n\n{how}"


def about_view(state: str, episode_id: int) -> View:
    """One of the questions asked after the cramp eased."""
    column = ABOUT_COLUMNS[state]
    per_row = 2 if column in ("activity", "time_into") else 3
    markup = ABOUT_BUTTONS[column].keyboard(episode_id, _ABOUT_OPTIONS[column], per_row=per_row)
    return _ABOUT_QUESTIONS[column], markup


def view_for(state: str, episode_id: int) -> View:
    """The step to show again after bad input (relief steps just ask "Easing?")."""
    if state == TRIAGE:
        return triage_view(episode_id)
    if state == CONTEXT:
        return context_view(episode_id)
    if state == MUSCLE:
        return muscle_view(episode_id)
    if state in (STRETCH, SALT):
        return texts.ASK_EASING, relief_buttons(episode_id)
    return about_view(state, episode_id)


def duration_phrase(elapsed: timedelta) -> str:
    """How long the cramp lasted, in words."""
    minutes = round(elapsed.total_seconds() / 60)
    if minutes < 1:
        return texts.DURATION_UNDER_A_MINUTE
    if minutes == 1:
        return texts.DURATION_ONE_MINUTE
    return texts.DURATION_MINUTES.format(minutes=minutes)
