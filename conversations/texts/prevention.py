"""The prevention programme after recovery: the advice fitted to the athlete's pattern, the
offer, choosing days and a time, the strength sessions, the weekly check-in.

The advice is the source article's first section, in our words: cramps during exercise come
from the muscle tiring, so strength work helps you go much longer before one starts; heat adds
to it (train outside the hottest hours); thick or compression clothing on hot days warms the
skin by up to 5 °C; electrolytes or salt do not prevent these cramps. Strength work only after
the two weeks that follow a cramp (the article).

The exercises and their progression are not in the article: they follow the NHS calf-raise
exercise leaflets (seated, standing on both legs, one leg, off a step) and the ACSM position
stand "Progression models in resistance training for healthy adults" (2009) with the NSCA's
2-for-2 rule (see rules/strength.py).
"""

from __future__ import annotations

from conversations.i18n.localized import localize

# --- The advice, one piece per lead (rules.prevention.Lead) ---------------------------------

ADVICE: dict[str, str] = {
    "strength": (
        "💪 <b>Stronger calves</b>: once the two weeks after a cramp are over, regular strength "
        "work lets the muscle go much longer before it tires, and so before a cramp. On long "
        "sessions, pace yourself so your legs aren't spent early."
    ),
    "heat": (
        "☀️ <b>Heat</b>: on warm days, train in the morning or the evening, not in the hottest "
        "hours."
    ),
    "clothing": (
        "👕 <b>Clothing</b>: on hot days, leave thick layers and compression gear at home; they "
        "can warm your skin by as much as 5 °C."
    ),
}
ADVICE_HEADER = "<b>Making the next cramp less likely</b>"
YOUR_PATTERN_FIRST = "What your own cramps point to comes first."
NOT_SALT = "Electrolyte drinks or salt tablets won't stop these cramps, so they're not on the list."

NOT_YET = (
    "<b>The strength programme starts from {strength_from}.</b> Loading the calf with strength "
    "exercises in the two weeks after a cramp can drag the healing out and bring on another "
    "one. Until then, follow your recovery plan; /prevent offers the programme after that."
)

# --- The offer -------------------------------------------------------------------------------

OFFER = (
    "<b>A strength programme for your lower legs</b>\n"
    "2 or 3 short sessions a week, on days you pick. It starts easy, moves up a level after two "
    "good sessions in a row, and holds or eases off when one is too hard or hurts. A short "
    "check-in every Sunday. Stop it any time."
)
OFFER_BUTTON = "💪 Start the programme"
FINISHED_OFFER = "Want a hand with the strength part? Tap below, or use /prevent later."

# --- Choosing days and a time ------------------------------------------------------------------

ASK_DAYS = "<b>Which days?</b> Tap 2 or 3 days, then <b>Done</b>."
DAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
CHOSEN_MARK = "✅ "
DAYS_DONE_BUTTON = "Done"
PICK_MORE_DAYS = "Pick at least 2 days first."
AT_MOST_THREE = "3 days at most: tap one to drop it first."
ASK_TIME = "<b>What time?</b> The session comes then, on those days."
STARTED = (
    "<b>You're set:</b> {days} at {time}. First session: {when}.\n"
    "You start at level {level} of 6. Every Sunday, one short check-in.\n"
    "/prevent shows your programme, changes the days or stops it."
)

# --- The sessions -----------------------------------------------------------------------------

EXERCISES: dict[str, str] = {
    "seated": (
        "Seated calf raises: sit with your feet flat, lift both heels as high as they go, "
        "then lower them slowly."
    ),
    "standing_both": (
        "Standing calf raises: hold a wall or a chair, rise onto your toes on both feet, then "
        "lower slowly."
    ),
    "eccentric_both": (
        "Slow calf raises: rise onto your toes on both feet in one second, lower over three "
        "seconds."
    ),
    "single_leg": (
        "One-leg calf raises: stand on one foot, holding on for balance, rise and lower "
        "slowly. Then the other leg."
    ),
    "single_leg_step": (
        "One-leg raises off a step: the ball of one foot on the edge of a step, let the heel "
        "sink below it, then rise. Then the other leg."
    ),
    "single_leg_loaded": (
        "One-leg raises off a step with a backpack on, then one set with the knee slightly bent "
        "(it works the deeper calf muscle). Both legs."
    ),
}
SESSION = (
    "<b>Strength session: level {level} of 6</b>\n"
    "{exercise}\n"
    "<b>{sets} sets of {reps}</b>, a short rest between sets. Stop if it hurts.\n\n"
    "How did it go?"
)
SESSION_LABELS: dict[str, str] = {
    "done": "✅ Done",
    "too_hard": "😓 Too hard",
    "skipped": "⏭ Skip",
    "pain": "🤕 It hurt",
}
MOVED_UP = "<b>Level up!</b> Two good sessions in a row: next time it's level {level}."
KEEP_GOING = "Nicely done. Same level next time; one more good one moves you up."
TOP_LEVEL = "Nicely done. You're at the top level: keep it up to hold on to it."
HOLD_LEVEL = "Noted: the same level next time, no rush."
STEPPED_BACK_HARD = "Two hard sessions in a row: next time is one level easier (level {level})."
STEPPED_BACK_PAIN = (
    "Sorry it hurt. Next time is one level easier (level {level}). If the pain stays, or the "
    "calf swells, see a doctor or a physio."
)
PAIN_AT_FIRST_LEVEL = (
    "Sorry it hurt. Stay at the first level; if it keeps hurting, see a doctor or a physio "
    "before going on."
)
SKIPPED = "No problem: the next one comes as planned."

# --- The weekly check-in ----------------------------------------------------------------------

WEEK_ASK_CRAMPS = "<b>Your week</b>: {done} of {planned} sessions done.\nAny cramps this week?"
YES, NO = "Yes", "No"
WEEK_ASK_TRAINING = "And how did your training go?"
TRAINING_LABELS: dict[str, str] = {
    "well": "👍 Went well",
    "hard": "😓 Hard",
    "pain": "🤕 It hurt",
}
WEEK_THANKS = "Thanks, noted. See you at the next session!"
WEEK_PAIN = (
    "Thanks. Ease off when something hurts in training; if it keeps hurting, see a doctor or a "
    "physio."
)
WEEK_CRAMP_NOTE = "If one comes during training, tap /cramp and I'll guide you through it."

# --- Its state, stop, pause, resume ------------------------------------------------------------

STATE_ACTIVE = "<b>Your programme</b>: level {level} of 6, {days} at {time}.\nNext session: {when}."
STATE_PAUSED = (
    "<b>Your programme is paused</b> since your last cramp. Resume it now, or pick new days."
)
STATE_SETUP = "You're choosing the days for your programme."
CHANGE_DAYS_BUTTON = "📅 Change days"
STOP_BUTTON = "⏹ Stop"
RESUME_BUTTON = "▶️ Resume"
STOPPED = "Programme stopped. /prevent starts it again whenever you like."
PAUSED_BY_CRAMP = (
    "Your strength programme is paused while you recover. Once two weeks have passed, "
    "/prevent resumes it."
)
USE_THE_BUTTONS = "Tap one of the buttons below, please 👇"


_here = localize(__name__)
