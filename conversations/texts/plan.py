"""Texts of setting up and running a recovery plan (the advice itself is in ``recovery``)."""

from conversations.i18n.localized import localize

OFFER_BUTTON = "📅 Start my recovery plan"
OFFER = (
    "I can guide your recovery day by day: one twenty-second check-in each morning (or when "
    "you like), and the day's plan from it."
)

ASK_TIME = "<b>When should I check in each day?</b> Tap a time, or type one such as 7:30 or 6 pm."
TIME_INVALID = "I couldn't read that time. Tap one below, or type something like 7:30."

ASK_ZONE = (
    "<b>And your time zone?</b> Share your location once (I only use it here to look up the "
    "zone and don't keep it), or pick a zone below, or type one such as Europe/Madrid."
)
SHARE_LOCATION = "📍 Share location once"
PICK_ZONE = "…or pick your zone 👇"
OWN_ZONE = "✅ {zone} (yours)"  # the zone a location shared earlier gave, offered first
ZONE_INVALID = "I don't know that zone. Pick one below or share your location."

PLAN_STARTED = (
    "✅ <b>Your recovery plan is on.</b> I'll check in every day at <b>{time}</b> "
    "({zone}). Next check-in: <b>{when}</b>."
)
SETTINGS_SAVED = "Saved: check-ins at <b>{time}</b> ({zone}). Next one: <b>{when}</b>."

NO_PLAN = (
    "You don't have a recovery plan running. When a cramp has eased, I'll offer one; "
    "tap 🆘 Cramp if one starts now."
)
ALREADY_HAVE_PLAN = "Your recovery plan is already running: see /today."
SETUP_UNFINISHED = "Let's finish setting up your plan first."

RECURRENCE = "This new cramp restarts your recovery plan at <b>day 0</b>: rest and ice today."

PAUSED = "⏸ Plan paused. Send /resume when you want the check-ins back."
RESUMED = "▶️ Plan resumed. Next check-in: <b>{when}</b>."
NOT_PAUSED = "Your plan isn't paused. Next check-in: <b>{when}</b>."
STOPPED = "Your recovery plan is stopped. Tap 🆘 Cramp any time a cramp starts."
CONFIRM_STOP = "Stop your recovery plan? Your check-ins so far are kept."
STOP_YES = "Yes, stop it"
STOP_NO = "No, keep going"
KEPT = "Good, the plan carries on."

PAUSED_UNANSWERED = (
    "I haven't heard back for three days, so I've paused your check-ins. <b>Shall we carry on?</b>"
)
CARRY_ON = "▶️ Carry on"
STOP_PLAN = "Stop the plan"

CHECKIN_HEADER = "<b>Day {day} check-in</b> · {stage}"
SNOOZE_1H = "⏰ In 1 h"
SNOOZE_3H = "⏰ In 3 h"
SNOOZED = "Okay, I'll ask again in {hours} h."
REMINDER = "A gentle reminder: today's check-in takes twenty seconds."
# The warning question's answers, one sign per row (sources at texts.recovery.ASK_WARNING_SIGN).
NO_WARNING = "✅ None of these"
CHEST_WARNING = "🫁 Chest pain or breathless"
URINE_WARNING = "🟤 Dark, cola-coloured urine"
CLOT_WARNING = "🦵 Leg swollen, warm or red, or worse at rest"
TEAR_WARNING = "💥 A pop, or new bruising"
# An answer on a warning question sent before it had one row per sign ("one of the others").
WHICH_WARNING = "Which one? Please tap the sign that fits, so I can say what to do."

# A plan on hold after a warning sign: the one question that can lift the hold.
ASK_DOCTOR = "<b>Has a doctor seen you and cleared you to carry on?</b>"
DOCTOR_CLEARED = "✅ A doctor has seen me and cleared me"
DOCTOR_NOT_YET = "Not yet"
ANSWER_WITH_BUTTONS = "Tap one of the buttons below 👇"

NEXT_CHECKIN = "Next check-in: <b>{when}</b>."

SETTINGS = (
    "<b>Your check-ins</b>\nTime: <b>{time}</b>\nTime zone: <b>{zone}</b>\n"
    "Emergency number: <b>{number}</b>\n\nWhat would you like to change?"
)
SETTINGS_NO_PLAN = (
    "<b>Your settings</b>\nEmergency number: <b>{number}</b>\n\n"
    "Check-in settings appear here once you have a recovery plan."
)
CHANGE_TIME = "🕗 Check-in time"
CHANGE_ZONE = "🌍 Time zone"
CHANGE_NUMBER = "🚑 Emergency number"

# The emergency number follows the athlete's country; they can name it, or the number itself.
ASK_EMERGENCY_NUMBER = (
    "Which country are you in? Type its name or code (for example <i>Germany</i> or "
    "<i>DE</i>), or type the emergency number itself. /cancel keeps the current one."
)
EMERGENCY_NUMBER_SAVED = "Saved. In an emergency I'll tell you to call:\n\n<b>{number}</b>"
EMERGENCY_NUMBER_INVALID = (
    "I couldn't match that to a country or a phone number. Try a country name such as "
    "<i>Spain</i>, a code such as <i>ES</i>, or digits such as <i>112</i>."
)

PROGRESS_HEADER = "<b>Your recovery so far</b> (day {day}, stage: {stage})"
PROGRESS_LINE = "Day {day}: pain {pain}, {stage}{note}"
PROGRESS_EMPTY = "No check-ins yet: the first one comes at {when}."
PROGRESS_CAPTION = "Pain by day, with your stages and the recovery phases."

# A plan with no check-in scheduled (paused, or being set up), where a time would stand.
NOT_SCHEDULED = "not scheduled"

# A /progress line of a check-in answered while the plan was on hold (no pain asked).
PROGRESS_HELD_LINE = "Day {day}: on hold, waiting for a doctor"

# Marks a /progress line whose check-in reported a warning sign.
PROGRESS_WARNING_MARK = " ⚠️"


_here = localize(__name__)
