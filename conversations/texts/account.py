"""The athlete's data rights: what is stored and why (/mydata), a copy (/export), erasure
(/delete). Plain, short words: this is health data, held by consent."""

from conversations.i18n.localized import localize

MY_DATA = (
    "<b>What I keep about you</b>\n"
    "• Your settings: check-in time, time zone, country, emergency number, language.\n"
    "• Your cramps: when, which muscle, warning signs, what helped, and the answers you chose "
    "afterwards (activity, heat, clothing).\n"
    "• Your recovery plan and its daily check-ins: pain scores, how each day went, warning "
    "signs.\n"
    "• Your prevention programme, if you started one: its days, level, how each session went "
    "and your weekly answers.\n"
    "• Your teams, what you share with each, and your Telegram name (only if you joined or "
    "coach a team, so coaches know who you are).\n"
    "• The heat warning, if you turned it on: training time, the forecast's area and the days "
    "a warning was sent.\n\n"
    "<b>Why</b>: to help you through a cramp, plan your recovery and spot warning signs. "
    "Nothing else: no ads, never sold.\n\n"
    "<b>Not kept</b>: your messages themselves (each is forgotten once handled; only what it "
    "set is kept) and your exact location (used to find your time zone and country; for the "
    "heat warning only its area, to a tenth of a degree).\n\n"
    "<b>Who can see it</b>: you, and whoever runs this bot's server. {coaches}\n\n"
    "/export – all of it as a file\n"
    "/delete – delete all of it"
)
NO_COACHES = "No coach: you haven't joined a team."
COACHES_HEADER = "Coaches, only at the level you chose:"
COACH_LINE = "\n• <b>{team}</b> ({coaches}): your {level}"
NO_COACH_NAMES = "no coach right now"
MORE_TEAMS = "\n• and {count} more: /teams lists them all"
MORE_COACHED = "and {count} more"
YOU_COACH = "\nYou coach: {teams}."

NOTHING_STORED = "I don't keep anything about you. /start is where it begins."

EXPORT_CAPTION = (
    "Everything I keep about you, as of {date}, as JSON (text any computer can read). Each "
    'field is explained in CrampCoach\'s documentation, under "Your data".'
)
EXPORT_TOO_BIG = "Your data is too big to send as one file. Please contact whoever runs this bot."

CONFIRM_DELETE = (
    "<b>Delete everything I keep about you?</b>\n\n"
    "Your cramps, recovery plan, check-ins, prevention programme, settings and team "
    "memberships are erased, and "
    "coaches no longer see you.{coached} This can't be undone.\n\n"
    "Want a copy first? /export\n\n"
    "Messages already in this chat stay there: delete the chat in Telegram to remove them."
)
CONFIRM_COACHED = " Teams you coach pass to their other coaches, or close if you're the only one."
CONFIRM_AGAIN = "You've added something since I asked. Still delete everything?"
DELETE_BUTTON = "🗑 Delete everything"
KEEP_BUTTON = "Keep my data"

DELETED = (
    "Done: everything I kept about you is deleted, and no coach sees anything of yours."
    "{teams}\n\n"
    "Messages already in this chat stay until you delete the chat. You can start again any "
    "time with /start (or <b>{sos}</b> when a cramp hits)."
)
TEAM_HANDED_OVER = "\n• <b>{team}</b> carries on with its other coaches."
TEAM_CLOSED = "\n• <b>{team}</b> had no other coach, so it's closed."
KEPT = "Okay, nothing was deleted."

# Answers on the pressed button (at most 200 characters).
ALREADY_DELETED = "Already done: I keep nothing about you."
QUESTION_EXPIRED = "That question has expired. Send /delete to ask again."

# To a co-coach, privately: nobody is named (the coach who left is not told on).
CO_COACH_LEFT = (
    "A coach of <b>{team}</b> has left CrampCoach. The team carries on with you; nothing "
    "changes for its athletes."
)


_here = localize(__name__)
