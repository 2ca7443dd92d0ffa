"""Texts of the cramp SOS flow.

Facts come from the source article on exercise-induced calf cramps (a sports-physiotherapy
guide): neuromuscular fatigue is the cause; stop the activity but keep pressure on the foot;
stretch mildly to moderately, never forcefully; taste something salty without swallowing it;
cramp sprays are not a fix; cramps in many muscles at once are a medical emergency; recovery is
ice, then massage after 24 h, exercise from day 3, no strength work for two weeks.
The red-flag wording is safety screening from the sources named in ``rules.red_flags``.
"""

from conversations.i18n.localized import localize
from rules.patterns import Pattern, PatternKind

# Step 1: the first reply, sent at once. The action first (source article: stop, but don't take
# all the pressure off the foot), the reason after it, then the one-tap safety check.
STOP_INSTRUCTION = "<b>Stop, but stay on your feet</b> with some weight on the leg."
STOP_REASON = "Taking all the weight off can make the cramp grip harder."
SCREEN_QUESTION = "<b>Quick check:</b> is any of these true right now?"
FIRST_AID_AND_SCREEN = f"{STOP_INSTRUCTION}\n<i>{STOP_REASON}</i>\n\n{SCREEN_QUESTION}"
NO_FLAG_CALF = "✅ None: it's my calf"
# One question per button: which muscle, and whether it began at rest, are asked on the next
# screen (ASK_MUSCLE), not joined in this label.
NO_FLAG_OTHER = "✅ None: something else"
MORE_SIGNS = "More warning signs…"
MORE_SIGNS_QUESTION = "<b>Any of these?</b> If not, tap a ✅ button."
HELPING = "🤝 I'm helping someone"

# Helper mode: a teammate or coach beside someone who is cramping. The same triage and relief,
# worded for the person helping. The red-flag routing is unchanged; the extra words (call and
# stay with them) follow the NHS and St John Ambulance first-aid advice to stay with the casualty
# until help arrives. No plan is offered: the plan belongs to the athlete's own chat.
HELPER_STOP_INSTRUCTION = (
    "<b>Have them stop, and help them stand</b> with some weight on the cramping leg."
)
HELPER_STOP_REASON = "Taking all the weight off can make the cramp grip harder."
HELPER_SCREEN_QUESTION = "<b>Quick check:</b> is any of these true for them right now?"
HELPER_FIRST_AID_AND_SCREEN = (
    f"{HELPER_STOP_INSTRUCTION}\n<i>{HELPER_STOP_REASON}</i>\n\n{HELPER_SCREEN_QUESTION}"
)
HELPER_NO_FLAG_CALF = "✅ None: it's their calf"

# Conversations saved before this version may still be at the old exercise-or-rest question.
ASK_CONTEXT = "When did it start?"
CONTEXT_EXERCISE = "🏃 During or just after exercise"
CONTEXT_REST = "🌙 At night or at rest"

# Night cramps: the muscle question carries the night/rest option.
ASK_MUSCLE = "Which muscle is cramping?"
MUSCLE_LABELS: dict[str, str] = {
    "calf": "Calf",
    "hamstring": "Back of thigh",
    "quadriceps": "Front of thigh",
    "other": "Foot, shin or other",
}
AT_REST_LABEL = "🌙 It started at night or at rest"

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

HELPER_REST_CRAMP = (
    "Cramps at night or at rest are a different kind from exercise cramps, so my exercise "
    "routine doesn't apply to them.\n\n"
    "For now: help them stand up, or have them flex the foot up towards them, and hold a "
    "<b>gentle</b> stretch until it lets go. Never force it.\n\n"
    "If these cramps come often or keep waking them, they should see a doctor."
)

# A new exercise cramp during a recovery plan starts the plan over, said out loud (source
# article: the cramp damages the muscle again, so the recovery phases count from this cramp).
PLAN_RESTARTS = (
    "🔁 <b>Your recovery plan starts again from day 0.</b> A new cramp during exercise damages "
    "the muscle again, so the days count from this one: rest and ice today."
)

# Step 2: relief. Each instruction is the action first, at most 40 words (tests/test_content.py);
# the reason sits behind the "Why?" button. Stretches are mild and keep weight on the foot
# (source article: mild to moderate, never forceful; don't take all pressure off the foot).
# Standard sports-physiotherapy positions, chosen so the foot of the cramping leg stays down.
STRETCH_HOW: dict[str, str] = {
    "calf": (
        "<b>Stretch gently, never hard.</b> Hands on a wall, cramping leg behind you, heel "
        "down and knee straight. Lean in slowly until you feel a mild pull in the calf."
    ),
    "hamstring": (
        "<b>Stretch gently, never hard.</b> Cramping leg a half step forward, heel on the "
        "ground, knee straight. Hinge forward from the hips, hands on the other thigh, until "
        "you feel a mild pull."
    ),
    "quadriceps": (
        "<b>Stretch gently, never hard.</b> Cramping leg a step behind you, both feet flat. "
        "Hold something steady, bend the back knee a little and tuck your hips forward until "
        "the front of the thigh pulls mildly."
    ),
    "other": (
        "<b>Stretch gently, never hard.</b> Keep your feet on the ground and ease the muscle "
        "slowly the opposite way to how it is pulling, just until you feel a mild stretch."
    ),
}
REPEAT_STRETCH = "<b>Stretch again, gently</b>, the same way: a mild pull, never forcing it."

# The same positions, for someone helping: they steady the person, who does the stretch; a
# helper never pushes the limb (source article: never a forceful stretch).
HELPER_STRETCH_HOW: dict[str, str] = {
    "calf": (
        "<b>Help them stretch gently, never hard.</b> Let them lean on a wall or on you, "
        "cramping leg behind, heel down, knee straight, and lean in slowly to a mild pull."
    ),
    "hamstring": (
        "<b>Help them stretch gently, never hard.</b> Steady them while they put the "
        "cramping leg a half step forward, heel down, knee straight, and hinge forward a little "
        "from the hips to a mild pull."
    ),
    "quadriceps": (
        "<b>Help them stretch gently, never hard.</b> Steady them while they step the "
        "cramping leg back, both feet flat, bend the back knee a little and tuck the hips "
        "forward to a mild pull."
    ),
    "other": (
        "<b>Help them stretch gently, never hard.</b> Keep their feet on the ground and let "
        "them ease the muscle slowly the opposite way to the pull, just to a mild stretch. "
        "Don't push it for them."
    ),
}
HELPER_REPEAT_STRETCH = (
    "<b>Help them stretch again, gently</b>, the same way: a mild pull, never forcing it."
)
STRETCH_WHY = (
    "The cramping muscle is already clenched hard. Forcing it the other way adds to the "
    "damage; a mild pull helps it let go."
)

SALT = (
    "<b>Taste something salty.</b> A crushed salt tablet, a pinch of salt, a salty snack or "
    "drink: swirl it round your mouth, then spit it out if you like. No need to swallow it."
)
REPEAT_SALT = "<b>Taste the salt again:</b> swirl it round your mouth, then spit it out."
HELPER_SALT = (
    "<b>Give them something salty to taste.</b> A crushed salt tablet, a pinch of salt, a salty "
    "snack or drink: they swirl it round the mouth and can spit it out. No need to swallow it."
)
HELPER_REPEAT_SALT = "<b>Let them taste the salt again:</b> swirl it round, then spit it out."
SALT_WHY = (
    "It's the taste that works: salt on your tongue sets off a reflex that helps the cramp "
    "release. Salt in your stomach doesn't, so a capsule swallowed whole works less well."
)

COUNTDOWN = "⏱ Hold it gently: <b>{seconds} s</b> left"
COUNTDOWN_DONE = "⏱ Done."
TIME_UP = "⏱ Time. Release slowly. <b>Is it easing?</b>"
ASK_EASING = "Is it easing?"
EASED = "✅ Eased"
NOT_YET = "Not yet"
HAVE_SALT = "🧂 I have something salty"
WHY = "Why?"

# One episode per cramp: a second 🆘 while one is open brings its step back.
STILL_ON_IT = "Still with you on this cramp. Here's where we are:"
NEW_CRAMP = "🆕 This is a new cramp"

STILL_CRAMPING_CHECK = "It's been about ten minutes since this started. <b>Has it eased?</b>"

# A relief button pressed hours after the cramp began (the flow was left): not only "that button
# is from an earlier step". NHS, "Leg cramps": a cramp that lasts more than about ten minutes
# needs medical advice.
STILL_NOT_EASED_LATE = (
    "That cramp began a while ago. <b>If it still hasn't eased, please get medical advice "
    "now</b>: a doctor or urgent care, or call:\n\n<b>{number}</b>\n\n"
    "If a new cramp starts, tap <b>{sos}</b>."
)
OLD_CRAMP = "That cramp began a while ago. If a new one starts, tap <b>{sos}</b>."

# NHS, "Leg cramps": a cramp lasting more than about ten minutes needs medical advice.
NOT_EASED = (
    "A cramp that hasn't eased after about ten minutes may not be a simple exercise cramp. "
    "<b>Please get medical advice now</b>: see a doctor or urgent care, or call the emergency "
    "number if you feel unwell:\n\n<b>{number}</b>"
)
HELPER_NOT_EASED = (
    "A cramp that hasn't eased after about ten minutes may not be a simple exercise cramp. "
    "<b>Get them medical advice now</b>: a doctor or urgent care, or call the emergency number "
    "if they feel unwell, and stay with them:\n\n<b>{number}</b>"
)

# The signs behind "More warning signs…" that a "None" on the first screen did not clear: asked
# once the cramp has eased, before the aftercare (NHS 111 clears a sign only after showing it).
LATE_SIGNS_QUESTION = (
    "Good, it's easing. <b>One last check</b> before what to do next: is any of these true?"
)
HELPER_LATE_SIGNS_QUESTION = (
    "Good, it's easing. <b>One last check</b> before what to do next: is any of these true "
    "for them?"
)
NONE_OF_THESE = "✅ None of these"

# Step 3: it eased. The aftercare comes at once; the questions after it can be skipped.
EASED_AFTER = "✅ Good, it eased after <b>{duration}</b>."
# NHS, "Leg cramps": a cramp that lasted more than about ten minutes needs medical advice.
EASED_AFTER_LONG = (
    "It lasted ten minutes or more, which is longer than a simple exercise cramp usually does: "
    "<b>please get medical advice</b> from a doctor or urgent care."
)
# NHS, "Leg cramps", and Merck Manual, "Muscle cramps": frequent cramps need a GP, who will
# want to know about new medicines, weakness or numbness.
FREQUENT_CRAMPS = (
    "<b>These cramps are coming often.</b> Please see a GP. Mention any new medicines (such "
    "as statins or water tablets), and any weakness, numbness or twitching."
)

# The aftercare fits one phone screen: 80 words at most with the "eased after" line
# (tests/test_content.py). Dates are the athlete's local calendar: day 3 and day 14 after the
# cramp's day (rules.recovery.RETURN_TO_EXERCISE_DAY, PLAN_MIN_DAYS).
AFTERCARE = (
    "<b>What now</b>\n"
    "• Today: rest the {muscle} and ice it. The cramp has left some small damage.\n"
    "• No massage for 24 hours; after that, massage or gentle foam rolling helps.\n"
    "• From <b>{exercise_from}</b>, exercise again gradually, starting with walks on flat ground.\n"
    "• No strength work for two weeks: it can come back from <b>{strength_from}</b>."
)
# When the athlete's time zone is unknown, the days are counted, not named.
EXERCISE_FROM_DAY = "day 3 (today is day 0)"
STRENGTH_FROM_DAY = "day 14"
WHY_IT_HAPPENED = "💡 Why it happened"


# For someone who helped: what the athlete should do now, short; the plan is theirs to ask for.
HELPER_AFTERCARE = (
    "<b>What they should do now</b>\n"
    "• Rest the {muscle} today and ice it.\n"
    "• No massage for 24 hours; then massage or gentle foam rolling helps.\n"
    "• Exercise again from day 3, gradually, and no strength work for two weeks.\n\n"
    "If they message me themselves, I can guide their recovery day by day."
)

# From the source article: the cause, what does not work, and what helps prevent the next one.
# Strength training always comes with "after the two weeks": the article rules out strength work
# for at least two weeks after a cramp.
PREVENT = (
    "<b>Why it happened, and what helps</b>\n"
    "• Exercise cramps come from the muscle tiring, not from running short of salt or water.\n"
    "• Cramp sprays are not a real fix: they cool the muscle, which only helps if heat is the "
    "cause.\n"
    "• Electrolyte drinks or salt tablets won't stop the next one.\n"
    "• What does help: strength training after the two weeks of recovery from a cramp "
    "(stronger muscles tire later, so cramps hold off longer), training outside the hottest "
    "hours, and no thick or compression clothing on hot days."
)

ASK_ACTIVITY = (
    "Four quick taps help spot your pattern, or skip them.\n\n<b>What were you doing?</b>"
)
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
SKIP_ALL = "Skip these questions"
QUESTIONS_DONE = "Thanks, noted. Tap <b>{sos}</b> if another cramp starts."
QUESTIONS_SKIPPED = "No problem. Tap <b>{sos}</b> if another cramp starts."

# How long a cramp lasted, as the "eased after" line says it.
DURATION_UNDER_A_MINUTE = "less than a minute"
DURATION_ONE_MINUTE = "about a minute"
DURATION_MINUTES = "about {minutes} minutes"

# The muscle as the aftercare and the plan name it ("rest the {muscle}").
MUSCLE_NAMES: dict[str, str] = {
    "calf": "calf",
    "hamstring": "back of the thigh",
    "quadriceps": "front of the thigh",
    "other": "cramped muscle",
}


def muscle_name(muscle: str | None) -> str:
    """The muscle as a sentence names it; a calf when nobody said otherwise."""
    names = _here.MUSCLE_NAMES
    return str(names.get(muscle or "calf", names["other"]))


# The personal line from the circumstance answers, once there are two or more cramps. Heat,
# thick or compression clothing, and fatigue late into exercise are the article's factors.
PATTERN_LINES: dict[PatternKind, str] = {
    PatternKind.HOT: "📊 {count} of your {total} cramps came on hot days.",
    PatternKind.CLOTHING: (
        "📊 {count} of your {total} cramps came while wearing thick or compression clothing."
    ),
    PatternKind.LATE: (
        "📊 {count} of your {total} cramps came an hour or more into exercise, as muscles tire."
    ),
    PatternKind.ACTIVITY: "📊 {count} of your {total} cramps came while {activity}.",
}
ACTIVITY_PHRASES: dict[str, str] = {
    "running": "running",
    "cycling": "cycling",
    "team": "playing a team sport",
    "gym": "at the gym",
    "swim": "swimming",
    "other": "doing the same other activity",
}


def pattern_line(pattern: Pattern) -> str:
    phrases = _here.ACTIVITY_PHRASES
    activity = phrases.get(pattern.activity or "other", phrases["other"])
    line = _here.PATTERN_LINES[pattern.kind]
    return str(line.format(count=pattern.count, total=pattern.total, activity=activity))


_here = localize(__name__)
