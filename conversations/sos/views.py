"""What each SOS step shows: its text and its buttons, built from one declaration per family."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from conversations.buttons import ButtonFamily
from conversations.sos import states
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import MORE_SIGNS_ORDER, SCREEN_ORDER, RedFlag
from storage.episodes import Episode

# --- Button families -------------------------------------------------------------------------

FLAG_BUTTONS = ButtonFamily.of(
    states.FLOW,
    "flag",
    {states.NO_FLAG_CALF, states.NO_FLAG, states.MORE, *(flag.value for flag in RedFlag)},
)
CONTEXT_BUTTONS = ButtonFamily.of(states.FLOW, "context", {states.EXERCISE, states.REST})
MUSCLE_BUTTONS = ButtonFamily.of(states.FLOW, "muscle", {*texts.MUSCLE_LABELS, states.REST})
RELIEF_BUTTONS = ButtonFamily.of(
    states.FLOW, "relief", {states.EASED, states.NOT_YET, states.HAVE_SALT}
)
WHY_BUTTONS = ButtonFamily.of(states.FLOW, "why", {states.STRETCH_STEP, states.SALT_STEP})
NEW_CRAMP_BUTTONS = ButtonFamily.of(states.FLOW, "new", {states.YES})

_ABOUT_OPTIONS: dict[str, list[tuple[str, str]]] = {
    "activity": [*texts.ACTIVITY_LABELS.items(), (states.SKIP, texts.SKIP_ALL)],
    "time_into": [*texts.TIME_INTO_LABELS.items(), (states.SKIP, texts.SKIP)],
    "hot_conditions": [(states.YES, texts.YES), (states.NO, texts.NO), (states.SKIP, texts.SKIP)],
    "heavy_clothing": [(states.YES, texts.YES), (states.NO, texts.NO), (states.SKIP, texts.SKIP)],
}
ABOUT_BUTTONS: dict[str, ButtonFamily] = {
    column: ButtonFamily.of(states.FLOW, column, [choice for choice, _ in options])
    for column, options in _ABOUT_OPTIONS.items()
}
_ABOUT_QUESTIONS: dict[str, str] = {
    "activity": texts.ASK_ACTIVITY,
    "time_into": texts.ASK_TIME_INTO,
    "hot_conditions": texts.ASK_HEAT,
    "heavy_clothing": texts.ASK_CLOTHING,
}
_NO_FLAG_OPTIONS = [
    (states.NO_FLAG_CALF, texts.NO_FLAG_CALF),
    (states.NO_FLAG, texts.NO_FLAG_OTHER),
]

View = tuple[str, InlineKeyboardMarkup]


# --- Views -----------------------------------------------------------------------------------


def triage_view(episode_id: int) -> View:
    """Stop, stay on your feet; then the warning signs, with "none" as one tap to relief."""
    options = [*_NO_FLAG_OPTIONS]
    options += [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in SCREEN_ORDER]
    options.append((states.MORE, texts.MORE_SIGNS))
    return texts.FIRST_AID_AND_SCREEN, FLAG_BUTTONS.keyboard(episode_id, options)


def more_flags_view(episode_id: int) -> View:
    options = [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in MORE_SIGNS_ORDER]
    return texts.MORE_SIGNS_QUESTION, FLAG_BUTTONS.keyboard(
        episode_id, [*options, *_NO_FLAG_OPTIONS]
    )


def context_view(episode_id: int) -> View:
    """The exercise-or-rest question of conversations saved before an upgrade."""
    options = [(states.EXERCISE, texts.CONTEXT_EXERCISE), (states.REST, texts.CONTEXT_REST)]
    return texts.ASK_CONTEXT, CONTEXT_BUTTONS.keyboard(episode_id, options)


def muscle_view(episode_id: int) -> View:
    rows = MUSCLE_BUTTONS.rows(episode_id, texts.MUSCLE_LABELS.items(), per_row=2)
    rows += MUSCLE_BUTTONS.rows(episode_id, [(states.REST, texts.AT_REST_LABEL)])
    return texts.ASK_MUSCLE, InlineKeyboardMarkup(rows)


def relief_buttons(episode: Episode, *, step: str) -> InlineKeyboardMarkup:
    """Eased / Not yet, the salty taste while it is untried, and why this step helps."""
    rows = RELIEF_BUTTONS.rows(
        episode.id, [(states.EASED, texts.EASED), (states.NOT_YET, texts.NOT_YET)], per_row=2
    )
    if states.SALT_STEP not in episode.relief_tried and step != states.SALT_STEP:
        rows += RELIEF_BUTTONS.rows(episode.id, [(states.HAVE_SALT, texts.HAVE_SALT)])
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
    column = states.ABOUT_COLUMNS[state]
    per_row = 2 if column in ("activity", "time_into") else 3
    markup = ABOUT_BUTTONS[column].keyboard(episode_id, _ABOUT_OPTIONS[column], per_row=per_row)
    return _ABOUT_QUESTIONS[column], markup


def view_for(state: str, episode: Episode) -> View:
    """The step to show again after bad input (relief steps just ask "Easing?")."""
    if state == states.TRIAGE:
        return triage_view(episode.id)
    if state == states.MORE_FLAGS:
        return more_flags_view(episode.id)
    if state == states.CONTEXT:
        return context_view(episode.id)
    if state == states.MUSCLE:
        return muscle_view(episode.id)
    if state == states.STRETCH:
        return texts.ASK_EASING, relief_buttons(episode, step=states.STRETCH_STEP)
    if state == states.SALT:
        return texts.ASK_EASING, relief_buttons(episode, step=states.SALT_STEP)
    return about_view(state, episode.id)


def with_new_cramp_button(markup: InlineKeyboardMarkup, episode_id: int) -> InlineKeyboardMarkup:
    """A step's buttons plus "This is a new cramp", for a second 🆘 while one is open."""
    extra = NEW_CRAMP_BUTTONS.rows(episode_id, [(states.YES, texts.NEW_CRAMP)])
    return InlineKeyboardMarkup([*markup.inline_keyboard, *extra])


def duration_phrase(elapsed: timedelta) -> str:
    """How long the cramp lasted, in words."""
    minutes = round(elapsed.total_seconds() / 60)
    if minutes < 1:
        return texts.DURATION_UNDER_A_MINUTE
    if minutes == 1:
        return texts.DURATION_ONE_MINUTE
    return texts.DURATION_MINUTES.format(minutes=minutes)
