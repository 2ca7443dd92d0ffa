"""Texts shared by every flow: welcome, help, the disclaimer, nudges and errors."""

from datetime import date, datetime

from babel.dates import format_skeleton

from conversations.i18n.current import language
from conversations.i18n.localized import localize
from rules.languages import ENGLISH

SOS_BUTTON = "🆘 Cramp"
SOS_PLACEHOLDER = "Tap 🆘 Cramp when a cramp starts"

DISCLAIMER = (
    "<i>I'm not a doctor and this isn't medical advice: I follow a sports-physiotherapy "
    "guide to exercise cramps and screen for warning signs. If something feels wrong, "
    "get medical help.</i>"
)

WELCOME = (
    "Hi, I'm <b>CrampCoach</b> 👋\n\n"
    "When a calf or leg cramp hits during exercise, tap <b>{sos}</b> (or send /cramp) and I'll "
    "walk you through easing it, one tap at a time. Afterwards I can help you recover.\n\n"
    + DISCLAIMER
)

HELP = (
    "<b>What I can do</b>\n"
    "/cramp – help right now with a cramp (or tap <b>{sos}</b>)\n"
    "/plan – start a recovery plan after a cramp\n"
    "/today – today's recovery plan\n"
    "/progress – your recovery so far, with a chart\n"
    "/settings – check-in time, time zone and your emergency number\n"
    "/pause, /resume – hold or restart the daily check-ins\n"
    "/stopplan – end the recovery plan\n"
    "/prevent – why cramps happen and how to make the next one less likely\n"
    "/heat – a warning before training on hot days\n"
    "/cancel – leave what we're doing\n"
    "/teams – your teams and what each coach sees\n"
    "/mydata – what I keep about you, and who sees it\n"
    "/export – all of it as a file; /delete – delete all of it\n"
    "<b>Coaches</b>: /roster, /dashboard, /invite, /alerts on|off, /digest 18:00, /teamheat 18:00, "
    "/newteam (channels)\n"
    "/language – the language I write in\n"
    "/help – this list\n"
    "/start – the welcome message"
)

# The command menus (conversations/commands.py puts them together by who sees them). Telegram:
# names of 1 to 32 of a-z 0-9 _, descriptions of 1 to 256 characters.
ATHLETE_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("cramp", "Help with a cramp right now"),
    ("plan", "Start a recovery plan after a cramp"),
    ("today", "Today's recovery plan"),
    ("progress", "Your recovery so far, with a chart"),
    ("settings", "Check-in time, time zone, emergency number"),
    ("pause", "Pause the daily check-ins"),
    ("resume", "Resume the daily check-ins"),
    ("stopplan", "Stop the recovery plan"),
    ("prevent", "Why cramps happen, and what helps"),
    ("teams", "Your teams and what each coach sees"),
    ("mydata", "What I keep about you, and who sees it"),
    ("export", "All your data as a file"),
    ("delete", "Delete all your data"),
    ("heat", "Heat warning before training"),
)
COACH_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("roster", "Coaches: your team's roster"),
    ("dashboard", "Coaches: the team at a glance"),
    ("invite", "Coaches: a new join link"),
    ("newteam", "Coaches: a team for a channel"),
    ("alerts", "Coaches: alerts on or off"),
    ("digest", "Coaches: a daily summary"),
    ("teamheat", "Coaches: the team's heat warning"),
)
GENERAL_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("language", "The language I write in"),
    ("cancel", "Leave the current step"),
    ("help", "What I can do"),
    ("start", "Welcome and about"),
)
# In groups the menu offers only the way to the private chat; admins see the team commands too.
GROUP_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("cramp", "Open the private chat for cramp help"),
    ("help", "Open the private chat to see what I can do"),
)
GROUP_ADMIN_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("team", "Admins: make this group a CrampCoach team"),
    ("coach", "Admins: become a coach of this group's team"),
    ("tip", "Coaches: post a tip for the team"),
)

# The bot's profile: shown in an empty private chat before Start (up to 512 characters) and on
# its profile page and in shared links (up to 120). Plain text: Telegram shows no HTML there.
BOT_DESCRIPTION = (
    "When a calf or leg cramp hits during exercise, CrampCoach talks you through easing it, one "
    "tap at a time, and checks for signs that need a doctor. Afterwards it can guide your "
    "recovery with a short daily check-in. Coaches can run a team from a Telegram group or "
    "channel; each athlete decides what their coach sees.\n\n"
    "I'm not a doctor and this isn't medical advice. If something feels wrong, get medical help."
)
BOT_SHORT_DESCRIPTION = (
    "Help through exercise cramps, one tap at a time, and a recovery plan. Not a doctor."
)

IDLE_REPLY = (
    "I'm here for calf and leg cramps. Tap <b>{sos}</b> the moment one starts, or send /help."
)

CANCELLED = "Okay, stopped. Tap <b>{sos}</b> whenever you need me."
NOTHING_TO_CANCEL = "There's nothing to cancel. Tap <b>{sos}</b> if a cramp starts."

BUTTON_EXPIRED = "That button is from an earlier step."
ALREADY_ANSWERED = "This check-in is already done."

GROUP_POINTER = (
    "I help with cramps in a private chat, so nobody's health details end up in a group. "
    "Tap below to open it."
)
GROUP_POINTER_BUTTON = "Open CrampCoach"

ERROR_REPLY = (
    "Sorry, something went wrong on my side. If you're cramping: stop, keep some weight on the "
    "foot and stretch gently. Tap <b>{sos}</b> to start again."
)

NUDGE = "Just tap one of the buttons below 👇"

# A deep link (an invitation, ...) opened while a cramp is being handled: the cramp comes first.
LINK_AFTER_CRAMP = "Let's deal with your cramp first; the link can wait until it's over."
# A link whose payload we don't know (mistyped, or from an older version of the bot).
UNKNOWN_LINK = "I didn't recognise that link, so here's the welcome instead."


# A plan date as the athlete reads it ("Monday 22 March"), the same whatever the machine's locale.
_DATE_FORMAT = "{weekday} {day} {month}"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def short_when(moment: datetime) -> str:
    """A local date and time as a check-in names it: "Thu 26 Nov, 08:00" (in another language,
    its own pattern: "Do., 26. Nov., 08:00")."""
    spoken = language()
    if spoken == ENGLISH:
        return moment.strftime("%a %d %b, %H:%M")
    return f"{format_skeleton('MMMEd', moment, locale=spoken)}, {moment:%H:%M}"


def long_date(day: date) -> str:
    """A local date as the athlete reads it: "Monday 22 March" ("Montag, 22. März", "lunes,
    22 de marzo", "lundi 22 mars": the language's own pattern, from CLDR through Babel)."""
    spoken = language()
    if spoken == ENGLISH:
        return _DATE_FORMAT.format(
            weekday=_WEEKDAYS[day.weekday()], day=day.day, month=_MONTHS[day.month - 1]
        )
    return format_skeleton("MMMMEEEEd", day, locale=spoken)


_here = localize(__name__)
