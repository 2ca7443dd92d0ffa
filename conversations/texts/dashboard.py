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


_here = localize(__name__)
