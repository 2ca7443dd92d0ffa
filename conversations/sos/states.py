"""The SOS flow's steps and the choices its buttons carry.

Steps are stored by name in the database (``conversation_steps``): keep them stable.
"""

from __future__ import annotations

from conversations.stored_conversation import END as FLOW_END

FLOW = "sos"

# States, in the order a user meets them.
TRIAGE = "sos.triage"
MORE_FLAGS = "sos.more_flags"  # the second screen of warning signs
CONTEXT = "sos.context"  # kept for conversations saved before the muscle question took it over
MUSCLE = "sos.muscle"
STRETCH = "sos.stretch"
SALT = "sos.salt"
LATE_SIGNS = "sos.late_signs"  # the signs not yet shown, once the cramp has eased
ACTIVITY = "sos.activity"
TIME_INTO = "sos.time_into"
HEAT = "sos.heat"
CLOTHING = "sos.clothing"

END = FLOW_END

# The questions asked after a cramp eased, in order: the episode column each one fills.
ABOUT_COLUMNS: dict[str, str] = {
    ACTIVITY: "activity",
    TIME_INTO: "time_into",
    HEAT: "hot_conditions",
    CLOTHING: "heavy_clothing",
}
NEXT_ABOUT: dict[str, str | None] = {
    ACTIVITY: TIME_INTO,
    TIME_INTO: HEAT,
    HEAT: CLOTHING,
    CLOTHING: None,  # the last question: aftercare follows
}
YES_NO_COLUMNS = frozenset({"hot_conditions", "heavy_clothing"})

# States in which an episode is open (before it eased): a second 🆘 brings the step back.
OPEN_EPISODE_STATES = (TRIAGE, MORE_FLAGS, CONTEXT, MUSCLE, STRETCH, SALT)

# Choices.
NO_FLAG_CALF = "calf"  # no warning sign, a calf cramp during exercise: straight to relief
NO_FLAG = "none"  # no warning sign, something else: which muscle, or at rest?
MORE = "more"  # the second screen of warning signs
HELPING = "helper"  # "I'm helping someone": the same flow, worded for the helper
PREVENT_INFO = "prevent"  # "Why it happened" under the aftercare
EXERCISE, REST = "exercise", "rest"
EASED, NOT_YET, HAVE_SALT = "eased", "not_yet", "salty"
YES, NO, SKIP = "yes", "no", "skip"
STRETCH_STEP, SALT_STEP = "stretch", "salt"  # recorded in the episode's relief_tried
