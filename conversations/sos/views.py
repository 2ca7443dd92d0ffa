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
    HAVE_SALT,
    MORE,
    MORE_FLAGS,
    MUSCLE,
    NO,
    NO_FLAG,
    NO_FLAG_CALF,
    NOT_YET,
    REST,
    SALT,
    SALT_STEP,
    SKIP,
    STRETCH,
    STRETCH_STEP,
    TRIAGE,
    YES,
)
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import MORE_SIGNS_ORDER, SCREEN_ORDER, RedFlag
from storage.episodes import Episode

# --- Button families -------------------------------------------------------------------------

FLAG_BUTTONS = ButtonFamily.of(
    FLOW, "flag", {NO_FLAG_CALF, NO_FLAG, MORE, *(flag.value for flag in RedFlag)}
)
CONTEXT_BUTTONS = ButtonFamily.of(FLOW, "context", {EXERCISE, REST})
MUSCLE_BUTTONS = ButtonFamily.of(FLOW, "muscle", {*texts.MUSCLE_LABELS, REST})
RELIEF_BUTTONS = ButtonFamily.of(FLOW, "relief", {EASED, NOT_YET, HAVE_SALT})
WHY_BUTTONS = ButtonFamily.of(FLOW, "why", {STRETCH_STEP, SALT_STEP})
NEW_CRAMP_BUTTONS = ButtonFamily.of(FLOW, "new", {YES})

_ABOUT_OPTIONS: dict[str, list[tuple[str, str]]] = {
    "activity": [*texts.ACTIVITY_LABELS.items(), (SKIP, texts.SKIP_ALL)],
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
_NO_FLAG_OPTIONS = [(NO_FLAG_CALF, texts.NO_FLAG_CALF), (NO_FLAG, texts.NO_FLAG_OTHER)]

View = tuple[str, InlineKeyboardMarkup]


# --- Views -----------------------------------------------------------------------------------


def triage_view(episode_id: int) -> View:
    """Stop, stay on your feet; then the warning signs, with "none" as one tap to relief."""
    options = [*_NO_FLAG_OPTIONS]
    options += [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in SCREEN_ORDER]
    options.append((MORE, texts.MORE_SIGNS))
    return texts.FIRST_AID_AND_SCREEN, FLAG_BUTTONS.keyboard(episode_id, options)


def more_flags_view(episode_id: int) -> View:
    options = [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in MORE_SIGNS_ORDER]
    return texts.MORE_SIGNS_QUESTION, FLAG_BUTTONS.keyboard(
        episode_id, [*options, *_NO_FLAG_OPTIONS]
    )


def context_view(episode_id: int) -> View:
    """The exercise-or-rest question of conversations saved before an upgrade."""
    options = [(EXERCISE, texts.CONTEXT_EXERCISE), (REST, texts.CONTEXT_REST)]
    return texts.ASK_CONTEXT, CONTEXT_BUTTONS.keyboard(episode_id, options)


def muscle_view(episode_id: int) -> View:
    rows = MUSCLE_BUTTONS.rows(episode_id, texts.MUSCLE_LABELS.items(), per_row=2)
    rows += MUSCLE_BUTTONS.rows(episode_id, [(REST, texts.AT_REST_LABEL)])
    return texts.ASK_MUSCLE, InlineKeyboardMarkup(rows)


def relief_buttons(episode: Episode, *, step: str) -> InlineKeyboardMarkup:
    """Eased / Not yet, the salty taste while it is untried, and why this step helps."""
    rows = RELIEF_BUTTONS.rows(
        episode.id, [(EASED, texts.EASED), (NOT_YET, texts.NOT_YET)], per_row=2
    )
    if SALT_STEP not in episode.relief_tried and step != SALT_STEP:
        rows += RELIEF_BUTTONS.rows(episode.id, [(HAVE_SALT, texts.HAVE_SALT)])
    rows += WHY_BUTTONS.rows(episode.id, [(step, texts.WHY)])
    return InlineKeyboardMarkup(rows)


def stretch_text(muscle: str | None, *, repeat: bool) -> str:
    """The stretch for this muscle; a repeat is short, the athlete has just done it."""
    if repeat:
        return texts.REPEAT_STRETCH
    return texts.STRETCH_HOW.get(muscle or "other", texts.STRETCH_HOW["other"])


def salt_text(*, repeat: bool) -> str:
    return texts.REPEAT_SALT if repeat else texts.SALT


def about_view(state: str, episode_id: int) -> View:
    """One of the questions asked after the cramp eased."""
    column = ABOUT_COLUMNS[state]
    per_row = 2 if column in ("activity", "time_into") else 3
    markup = ABOUT_BUTTONS[column].keyboard(episode_id, _ABOUT_OPTIONS[column], per_row=per_row)
    return _ABOUT_QUESTIONS[column], markup


def view_for(state: str, episode: Episode) -> View:
    """The step to show again after bad input (relief steps just ask "Easing?")."""
    if state == TRIAGE:
        return triage_view(episode.id)
    if state == MORE_FLAGS:
        return more_flags_view(episode.id)
    if state == CONTEXT:
        return context_view(episode.id)
    if state == MUSCLE:
        return muscle_view(episode.id)
    if state == STRETCH:
        return texts.ASK_EASING, relief_buttons(episode, step=STRETCH_STEP)
    if state == SALT:
        return texts.ASK_EASING, relief_buttons(episode, step=SALT_STEP)
    return about_view(state, episode.id)


def with_new_cramp_button(markup: InlineKeyboardMarkup, episode_id: int) -> InlineKeyboardMarkup:
    """A step's buttons plus "This is a new cramp", for a second 🆘 while one is open."""
    extra = NEW_CRAMP_BUTTONS.rows(episode_id, [(YES, texts.NEW_CRAMP)])
    return InlineKeyboardMarkup([*markup.inline_keyboard, *extra])


def duration_phrase(elapsed: timedelta) -> str:
    """How long the cramp lasted, in words."""
    minutes = round(elapsed.total_seconds() / 60)
    if minutes < 1:
        return texts.DURATION_UNDER_A_MINUTE
    if minutes == 1:
        return texts.DURATION_ONE_MINUTE
    return texts.DURATION_MINUTES.format(minutes=minutes)
