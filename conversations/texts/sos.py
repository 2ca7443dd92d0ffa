"""Texts of the cramp SOS flow.

Facts come from the source article on exercise-induced calf cramps (a sports-physiotherapy
guide): neuromuscular fatigue is the cause; stop the activity but keep pressure on the foot;
stretch mildly to moderately, never forcefully; taste something salty without swallowing it;
cramp sprays are not a fix; cramps in many muscles at once are a medical emergency; recovery is
ice, then massage after 24 h, exercise from day 3, no strength work for two weeks.
The red-flag wording is safety screening from the sources named in ``rules.red_flags``.
"""

# Step 1: the first reply, sent at once.
FIRST_AID_AND_SCREEN = (
    "<b>Stop what you're doing, but stay on your feet</b> with weight on the cramping leg: "
    "taking all the pressure off can make the cramp grip harder.\n\n"
    "Quick safety check. Is any of these true <b>right now</b>?"
)
NO_RED_FLAG = "✅ None of these"

# Step 3: exercise cramp or night/rest cramp.
ASK_CONTEXT = "When did it start?"
CONTEXT_EXERCISE = "🏃 During or just after exercise"
CONTEXT_REST = "🌙 At night or at rest"

# Not from the article, which leaves night cramps for another day. NHS, "Leg cramps": stretching
# and moving the leg usually eases a night cramp; frequent cramps or ones that disturb sleep need
# a GP. Nothing of the exercise protocol (salt, recovery phases) is claimed for them.
REST_CRAMP = (
    "Cramps at night or at rest are a different kind from exercise cramps, so my exercise "
    "routine doesn't apply to them.\n\n"
    "For now: stand up, or flex your foot up towards you, and hold a <b>gentle</b> stretch "
    "until it lets go. Never force it.\n\n"
    "If these cramps come often or keep waking you, see a doctor: they can look for a cause."
)

# Step 4: which muscle, so the stretch fits it.
ASK_MUSCLE = "Which muscle is cramping?"
MUSCLE_LABELS: dict[str, str] = {
    "calf": "Calf",
    "hamstring": "Back of thigh",
    "quadriceps": "Front of thigh",
    "other": "Foot, shin or other",
}

STRETCH_GENTLY = (
    "Stretch it <b>gently</b>: mild to moderate, never hard. The cramping muscle is "
    "clenched tight already; forcing it makes the damage worse."
)
# How to hold a mild stretch for each muscle: standard sports-physiotherapy positions, chosen so
# the athlete stays standing with weight on the leg (the article: don't take all pressure off).
STRETCH_HOW: dict[str, str] = {
    "calf": (
        "Face a wall or a post with the cramping leg behind you, heel on the ground and knee "
        "straight. Lean forward slowly until you feel a mild pull in the calf."
    ),
    "hamstring": (
        "Rest the heel on a low step or kerb with the knee almost straight. Lean forward "
        "from the hips, back straight, until you feel a mild pull behind the thigh."
    ),
    "quadriceps": (
        "Hold something for balance. Bend the knee and bring the heel towards your bottom, "
        "holding the ankle, until you feel a mild pull at the front of the thigh."
    ),
    "other": (
        "Ease the muscle slowly the opposite way to how it is pulling, just until you feel "
        "a mild stretch. Keep some weight on your feet."
    ),
}
COUNTDOWN = "⏱ Hold it gently: <b>{seconds} s</b> left"
COUNTDOWN_DONE = "⏱ Time. Release slowly. <b>Is it easing?</b>"
ASK_EASING = "Is it easing?"
EASED = "✅ Eased"
NOT_YET = "Not yet"

SALT = (
    "<b>Next: a salty taste.</b> Put something salty in your mouth: a crushed salt tablet, a "
    "pinch of salt, a salty snack or drink. Swirl it around so you really taste it, then you "
    "can spit it out: you don't need to swallow it. The taste itself is what helps.\n\n"
    "Keep standing with some weight on the leg.\n\n"
    "Is it easing?"
)

REPEAT_STRETCH = "Let's go again, still gently."

STILL_CRAMPING_CHECK = "It's been about ten minutes since this started. <b>Has it eased?</b>"

# NHS, "Leg cramps": a cramp lasting more than about ten minutes needs medical advice.
NOT_EASED = (
    "A cramp that hasn't eased after about ten minutes may not be a simple exercise cramp. "
    "<b>Please get medical advice now</b>: see a doctor or urgent care, or call <b>{number}</b> "
    "if you feel unwell."
)

# Step 5: it eased.
EASED_AFTER = "✅ Good, it eased after <b>{duration}</b>."
ASK_ACTIVITY = "Four quick taps help us spot your pattern (or skip).\n\n<b>What were you doing?</b>"
ACTIVITY_LABELS: dict[str, str] = {
    "running": "Running",
    "cycling": "Cycling",
    "team": "Team sport",
    "gym": "Gym",
    "swim": "Swimming",
    "other": "Something else",
}
ASK_TIME_INTO = "<b>How far into it did it start?</b>"
TIME_INTO_LABELS: dict[str, str] = {
    "lt30": "Under 30 min",
    "30-60": "30–60 min",
    "60-120": "1–2 hours",
    "gt120": "Over 2 hours",
}
ASK_HEAT = "<b>Was it hot?</b>"
ASK_CLOTHING = "<b>Were you wearing thick or compression clothing?</b>"
YES = "Yes"
NO = "No"
SKIP = "Skip"

AFTERCARE = (
    "<b>What now</b>\n"
    "• Today: rest the muscle and ice it. It has some small damage from the cramp.\n"
    "• No massage for the first 24 hours; after that, massage or gentle foam rolling helps.\n"
    "• Start exercise again from day 3, gradually, beginning with walking on flat ground.\n"
    "• No strength work for the first two weeks.\n\n"
    "If another cramp starts, tap <b>{sos}</b>."
)

# How long a cramp lasted, as the "eased after" line says it.
DURATION_UNDER_A_MINUTE = "less than a minute"
DURATION_ONE_MINUTE = "about a minute"
DURATION_MINUTES = "about {minutes} minutes"
