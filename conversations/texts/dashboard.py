"""What the coach's dashboard says: the /dashboard command in the chat, and the labels the
Mini App's rows carry (the page's own chrome words live in its script)."""

from __future__ import annotations

from conversations.i18n.localized import localize

DASHBOARD = (
    "Your team at a glance: everyone who joined, who needs attention and their last 14 days, "
    "as far as each athlete agreed to share. Tap the button to open it."
)
DASHBOARD_BUTTON = "📊 Open the dashboard"
MENU_BUTTON = "Dashboard"
DASHBOARD_OFF = (
    "The dashboard isn't set up on this bot (its operator sets CRAMPCOACH_PUBLIC_URL). "
    "/roster shows your team here in the chat."
)

STATUS_LABELS = {
    "attention": "Needs attention",
    "recovering": "Recovering",
    "programme": "Prevention programme",
    "fine": "On track",
}
PHASE = "{phase} · day {day}"
PROGRAMME = "Prevention programme, level {level}"
PROGRAMME_PAUSED = "Prevention programme, paused"
NO_PLAN = "No plan running"
NEVER = "never"

# The API's error sentences (the page shows its own words, below, for each).
API_UNAUTHORIZED = "Open the dashboard again from the bot: this link has expired or is not valid."
API_FORBIDDEN = "Only the coaches of a team can see it."
API_RATE_LIMITED = "Too many requests: try again shortly."

# The page's own words (bot/web/dashboard/static/dashboard.js keeps the English as its
# fallback), sent with the session in the coach's language. "{name}" marks a value the page
# fills in; a {one, other} pair is chosen by the number.
PAGE = {
    "title": "Team dashboard",
    "loading": "Loading…",
    "teamFilter": "Team",
    "allTeams": "All teams",
    "sort": "Sort by",
    "sortOptions": {
        "attention": "Attention first",
        "name": "Name",
        "last_checkin": "Last check-in",
    },
    "members": {"one": "{count} member", "other": "{count} members"},
    "needsAttention": {"one": "{count} needs attention", "other": "{count} need attention"},
    "weekAnswered": "Check-ins answered this week: {answered} of {sent}",
    "noAthletes": "No one has joined this team yet.",
    "lastCheckin": "Last check-in: {when}",
    "lastAlert": "Last alert: {when}",
    "lastAlertWhy": "Last alert: {when} ({why})",
    "strip": "Last 14 days",
    "marks": {
        "no_plan": "No check-in due",
        "missed": "Missed",
        "checked_in": "Checked in",
        "attention": "Needed attention",
    },
    "dayTitle": "{date}: {mark}",
    "dayTitlePain": "{date}: {mark}, pain {pain}",
    "back": "Back",
    "detail": {
        "team": "Team",
        "status": "Status",
        "plan": "Plan",
        "planDay": "Plan day",
        "reasons": "Why",
        "lastCheckin": "Last check-in",
        "lastAlert": "Last alert",
    },
    "errors": {
        "expired": (
            "This link has expired or is not valid. Close and open the dashboard again from "
            "the bot."
        ),
        "notInTelegram": "Open the dashboard from the bot, inside Telegram.",
        "rateLimited": "Too many requests. Wait a minute, then open the dashboard again.",
        "offline": "The dashboard could not be reached. Check the connection and try again.",
        "failed": "Something went wrong. Close and open the dashboard again from the bot.",
    },
    "noTeam": "You coach no team. Add the bot to your team's group and send /team there.",
}


_here = localize(__name__)
