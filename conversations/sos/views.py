"""What each SOS step shows: its text and its buttons, built from one declaration per family."""

from __future__ import annotations

from datetime import timedelta

from conversations.buttons import ButtonFamily
from conversations.replies import InlineKeyboard
from conversations.sos import states
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import MORE_SIGNS_ORDER, SCREEN_ORDER, RedFlag
from storage.episodes import Episode

# --- Button families -------------------------------------------------------------------------

FLAG_BUTTONS = ButtonFamily.of(
    states.FLOW,
    "flag",
    {
        states.NO_FLAG_CALF,
        states.NO_FLAG,
        states.MORE,
        states.HELPING,
        *(flag.value for flag in RedFlag),
    },
)
# The signs not yet shown, asked once the cramp has eased (before the aftercare).
LATE_BUTTONS = ButtonFamily.of(
    states.FLOW, "late", {states.NO_FLAG, *(flag.value for flag in RedFlag)}
)
# "Why it happened" under the aftercare: the prevention facts, on request.
INFO_BUTTONS = ButtonFamily.of(states.FLOW, "info", {states.PREVENT_INFO})
CONTEXT_BUTTONS = ButtonFamily.of(states.FLOW, "context", {states.EXERCISE, states.REST})
MUSCLE_BUTTONS = ButtonFamily.of(states.FLOW, "muscle", {*texts.MUSCLE_LABELS, states.REST})
RELIEF_BUTTONS = ButtonFamily.of(
    states.FLOW, "relief", {states.EASED, states.NOT_YET, states.HAVE_SALT}
)
WHY_BUTTONS = ButtonFamily.of(states.FLOW, "why", {states.STRETCH_STEP, states.SALT_STEP})
NEW_CRAMP_BUTTONS = ButtonFamily.of(states.FLOW, "new", {states.YES})


def _about_options(column: str) -> list[tuple[str, str]]:
    """A question's buttons after a cramp, read at each use (in the update's language)."""
    yes_no_skip = [(states.YES, texts.YES), (states.NO, texts.NO), (states.SKIP, texts.SKIP)]
    return {
        "activity": [*texts.ACTIVITY_LABELS.items(), (states.SKIP, texts.SKIP_ALL)],
        "time_into": [*texts.TIME_INTO_LABELS.items(), (states.SKIP, texts.SKIP)],
        "hot_conditions": yes_no_skip,
        "heavy_clothing": yes_no_skip,
    }[column]


def _about_question(column: str) -> str:
    return {
        "activity": texts.ASK_ACTIVITY,
        "time_into": texts.ASK_TIME_INTO,
        "hot_conditions": texts.ASK_HEAT,
        "heavy_clothing": texts.ASK_CLOTHING,
    }[column]


ABOUT_BUTTONS: dict[str, ButtonFamily] = {
    column: ButtonFamily.of(states.FLOW, column, [choice for choice, _ in _about_options(column)])
    for column in ("activity", "time_into", "hot_conditions", "heavy_clothing")
}


def _no_flag_options(helper: bool) -> list[tuple[str, str]]:
    calf = texts.HELPER_NO_FLAG_CALF if helper else texts.NO_FLAG_CALF
    return [(states.NO_FLAG_CALF, calf), (states.NO_FLAG, texts.NO_FLAG_OTHER)]


View = tuple[str, InlineKeyboard]


# --- Views -----------------------------------------------------------------------------------


def triage_view(episode_id: int, *, helper: bool = False) -> View:
    """Stop, stay on your feet; then the warning signs, with "none" as one tap to relief.

    The athlete's own screen offers "I'm helping someone" last; the helper's screen is the
    same, worded for the person helping.
    """
    options = _no_flag_options(helper)
    options += [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in SCREEN_ORDER]
    options.append((states.MORE, texts.MORE_SIGNS))
    if not helper:
        options.append((states.HELPING, texts.HELPING))
    text = texts.HELPER_FIRST_AID_AND_SCREEN if helper else texts.FIRST_AID_AND_SCREEN
    return text, FLAG_BUTTONS.keyboard(episode_id, options)


def more_flags_view(episode_id: int, *, helper: bool = False) -> View:
    options = [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in MORE_SIGNS_ORDER]
    return texts.MORE_SIGNS_QUESTION, FLAG_BUTTONS.keyboard(
        episode_id, [*options, *_no_flag_options(helper)]
    )


def unseen_signs(episode: Episode) -> tuple[RedFlag, ...]:
    """The warning signs this episode has not shown yet (none once both screens were shown)."""
    if episode.signs_cleared == "all":
        return ()
    if episode.signs_cleared == "first":
        return MORE_SIGNS_ORDER
    return (*SCREEN_ORDER, *MORE_SIGNS_ORDER)


def late_signs_view(episode: Episode) -> View:
    """The signs never shown, asked after the cramp eased and before the aftercare."""
    options = [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in unseen_signs(episode)]
    options.append((states.NO_FLAG, texts.NONE_OF_THESE))
    text = texts.HELPER_LATE_SIGNS_QUESTION if episode.helper else texts.LATE_SIGNS_QUESTION
    return text, LATE_BUTTONS.keyboard(episode.id, options)


def context_view(episode_id: int) -> View:
    """The exercise-or-rest question of conversations saved before an upgrade."""
    options = [(states.EXERCISE, texts.CONTEXT_EXERCISE), (states.REST, texts.CONTEXT_REST)]
    return texts.ASK_CONTEXT, CONTEXT_BUTTONS.keyboard(episode_id, options)


def muscle_view(episode_id: int) -> View:
    rows = MUSCLE_BUTTONS.rows(episode_id, texts.MUSCLE_LABELS.items(), per_row=2)
    rows += MUSCLE_BUTTONS.rows(episode_id, [(states.REST, texts.AT_REST_LABEL)])
    return texts.ASK_MUSCLE, InlineKeyboard(rows)


def eased_or_not_buttons(episode_id: int) -> InlineKeyboard:
    """Eased / Not yet alone: the ten-minute check before any relief step was shown."""
    options = [(states.EASED, texts.EASED), (states.NOT_YET, texts.NOT_YET)]
    return RELIEF_BUTTONS.keyboard(episode_id, options, per_row=2)


def relief_buttons(episode: Episode, *, step: str) -> InlineKeyboard:
    """Eased / Not yet, the salty taste while it is untried, and why this step helps."""
    rows = RELIEF_BUTTONS.rows(
        episode.id, [(states.EASED, texts.EASED), (states.NOT_YET, texts.NOT_YET)], per_row=2
    )
    if states.SALT_STEP not in episode.relief_tried and step != states.SALT_STEP:
        rows += RELIEF_BUTTONS.rows(episode.id, [(states.HAVE_SALT, texts.HAVE_SALT)])
    rows += WHY_BUTTONS.rows(episode.id, [(step, texts.WHY)])
    return InlineKeyboard(rows)


def stretch_text(muscle: str | None, *, repeat: bool, helper: bool = False) -> str:
    """The stretch for this muscle; a repeat is short, the athlete has just done it."""
    if repeat:
        return texts.HELPER_REPEAT_STRETCH if helper else texts.REPEAT_STRETCH
    how = texts.HELPER_STRETCH_HOW if helper else texts.STRETCH_HOW
    return how.get(muscle or "other", how["other"])


def salt_text(*, repeat: bool, helper: bool = False) -> str:
    if helper:
        return texts.HELPER_REPEAT_SALT if repeat else texts.HELPER_SALT
    return texts.REPEAT_SALT if repeat else texts.SALT


def about_view(state: str, episode_id: int) -> View:
    """One of the questions asked after the cramp eased."""
    column = states.ABOUT_COLUMNS[state]
    per_row = 2 if column in ("activity", "time_into") else 3
    options = _about_options(column)
    markup = ABOUT_BUTTONS[column].keyboard(episode_id, options, per_row=per_row)
    return _about_question(column), markup


def view_for(state: str, episode: Episode) -> View:
    """The step to show again after bad input (relief steps just ask "Easing?")."""
    if state == states.TRIAGE:
        return triage_view(episode.id, helper=episode.helper)
    if state == states.MORE_FLAGS:
        return more_flags_view(episode.id, helper=episode.helper)
    if state == states.LATE_SIGNS:
        return late_signs_view(episode)
    if state == states.CONTEXT:
        return context_view(episode.id)
    if state == states.MUSCLE:
        return muscle_view(episode.id)
    if state == states.STRETCH:
        return texts.ASK_EASING, relief_buttons(episode, step=states.STRETCH_STEP)
    if state == states.SALT:
        return texts.ASK_EASING, relief_buttons(episode, step=states.SALT_STEP)
    return about_view(state, episode.id)


def with_new_cramp_button(markup: InlineKeyboard, episode_id: int) -> InlineKeyboard:
    """A step's buttons plus "This is a new cramp", for a second 🆘 while one is open."""
    extra = NEW_CRAMP_BUTTONS.rows(episode_id, [(states.YES, texts.NEW_CRAMP)])
    return InlineKeyboard([*markup.inline_keyboard, *extra])


def duration_phrase(elapsed: timedelta) -> str:
    """How long the cramp lasted, in words."""
    minutes = round(elapsed.total_seconds() / 60)
    if minutes < 1:
        return texts.DURATION_UNDER_A_MINUTE
    if minutes == 1:
        return texts.DURATION_ONE_MINUTE
    return texts.DURATION_MINUTES.format(minutes=minutes)
