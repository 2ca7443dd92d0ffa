"""Texts of coach teams: the group's greeting and join post, consent, rosters, alerts, digests.

Nothing posted in a group names an athlete together with a health fact: group texts speak of
the team only. Coaches get athletes' news in their private chat, within each athlete's consent.
"""

from conversations.i18n.localized import localize
from conversations.i18n.plural import Plural

# --- In the group ----------------------------------------------------------------------------

GROUP_GREETING = (
    "Hi! I'm <b>CrampCoach</b>: I help athletes through cramps and their recovery, in private "
    "chats. A group admin can turn this group into a team with /team: athletes then join with "
    "one tap and choose what their coach sees."
)
TEAM_CREATED = (
    "<b>{team}</b> is now a CrampCoach team, coached by {coaches}.\n\n"
    "Athletes: tap <b>Join the team</b> to open a private chat with me. You choose what your "
    "coach sees; nothing about you is ever posted here."
)
JOIN_BUTTON = "🤝 Join the team"
TEAM_EXISTS = "This group is already the team <b>{team}</b>. Coaches: /invite in my private chat."
ONLY_ADMINS_CREATE = "Only a group admin can set up a team here."
ONLY_ADMINS_COACH = "Only a group admin can become a coach of this team."
ANONYMOUS_ADMIN = (
    'I can\'t tell who you are while you post anonymously. Turn off "Remain anonymous" in '
    "your admin rights for a moment, then send the command again."
)
NO_TEAM_HERE = "There's no team in this group yet. An admin can create one with /team."
COACH_ADDED = "{coach} is now a coach of <b>{team}</b>."
ALREADY_COACH = "You're already a coach of <b>{team}</b>."
ONLY_COACHES_TIP = "Only the team's coaches can post tips here."
TIP_USAGE = "Write the tip after the command, for example: /tip Train before the midday heat."
TIP_POST = "💡 <b>Tip from your coach</b>\n{tip}"
COACH_PRIVATE_START = (
    "Coaches: open my private chat and send /start once, so I can send you the roster and alerts."
)

# --- Channels: /newteam in private -------------------------------------------------------------

ASK_TEAM_NAME = (
    "What's the team called? Type its name (for example <i>Riverside Running Club</i>). "
    "/cancel stops."
)
TEAM_NAME_INVALID = "Please type a name of 1 to 60 characters."
CHANNEL_TEAM_CREATED = (
    "<b>{team}</b> is ready. Post the message below in your channel (forward it, or copy the "
    "link): athletes tap it to join.\n\nYour link: {link}\n\n"
    "If I'm an admin of the channel, I can post it there for you: send me the channel's "
    "@username with /publish, for example <code>/publish @yourchannel</code>."
)
CHANNEL_POST = (
    "🤝 <b>{team}</b> uses CrampCoach for cramps and recovery. Tap below to join: you choose "
    "what your coach sees."
)
PUBLISH_USAGE = "Send the channel's @username, for example: /publish @yourchannel"
PUBLISH_NOT_ADMIN = (
    "I couldn't post there: make me an admin of that channel with the right to post, and make "
    "sure you're an admin of it too."
)
PUBLISHED = "Posted in {channel}."
CHANNEL_TAKEN = "That channel already belongs to another team."

# --- Joining -----------------------------------------------------------------------------------

CONSENT = (
    "<b>{team}</b> (coach: {coaches}) invites you to join.\n\n"
    "Choose what your coach may see:\n"
    "• <b>Status</b>: your recovery phase, whether you're on track or need attention, and when "
    "you last checked in.\n"
    "• <b>Details</b>: all of that, plus your pain scores, your cramps and what you were doing "
    "when they happened.\n\n"
    "Nothing is shared until you tap Join, and you can change or leave any time with /teams. "
    "Nothing about you is ever posted in the group."
)
JOIN_STATUS = "Join: share my status"
JOIN_DETAILS = "Join: share details too"
DECLINE = "No thanks"
JOINED = "You've joined <b>{team}</b>, sharing your <b>{level}</b>. /teams to change that or leave."
DECLINED = "Okay, you haven't joined. Nothing was shared."
INVITE_INVALID = (
    "That invitation link doesn't work any more: the team may have a new link, or it has "
    "closed. Ask your coach for the current one."
)
LEVEL_NAMES = {"status": "status", "details": "status and details"}

# --- The athlete's teams -----------------------------------------------------------------------

NO_TEAMS = "You're not in any team. A coach's join link adds you."
TEAMS_HEADER = "<b>Your teams</b>"
TEAM_LINE = "• <b>{team}</b>: sharing your {level}"
SHARE_STATUS = "{team}: status only"
SHARE_DETAILS = "{team}: details too"
LEAVE = "{team}: leave"
LEVEL_CHANGED = "<b>{team}</b> now sees your {level}."
LEFT_TEAM = "You've left <b>{team}</b>. Its coaches no longer see anything about you."

# --- Coaches, in private ---------------------------------------------------------------------

NOT_A_COACH = (
    "You don't coach a team yet. Add me to your group and send /team there, or use /newteam "
    "for a channel."
)
# The button under NOT_A_COACH: Telegram asks which group, then adds the bot there.
ADD_TO_GROUP_BUTTON = "➕ Add me to your group"
NO_LONGER_COACH = "You're no longer an admin of <b>{team}</b>'s group, so you can't coach it."
PICK_TEAM = "Which team?"
INVITE_ROTATED = (
    "New join link for <b>{team}</b>: {link}\n\nOld links no longer work; athletes who already "
    "joined stay in the team."
)
ROSTER_HEADER = "<b>{team}</b> · athletes: {count} · needing attention: {attention}"
ROSTER_EMPTY = "<b>{team}</b> has no athletes yet. Share the join link (/invite)."
ROSTER_PAGE = "Page {page} of {pages}"
ROSTER_PREVIOUS = "◀ Previous"
ROSTER_NEXT = "Next ▶"
ROSTER_ATTENTION = "🔴 <b>{name}</b>: needs attention{why}"
ROSTER_ON_TRACK = "🟢 {name}"
ROSTER_PHASE = " · {phase}"
ROSTER_NO_PLAN = " · no plan running"
ROSTER_LAST_CHECKIN = " · last check-in {when}"
ROSTER_NEVER = " · no check-in yet"
ROSTER_PAINS = " · pain {pains}"
ROSTER_PROGRAMME = " · prevention programme, level {level}"
ROSTER_PROGRAMME_PAUSED = " · prevention programme, paused"
REASONS = {
    "red_flag": "a warning sign",
    "high_pain": "high pain",
    "rising_pain": "pain rising two days running",
    "new_episode": "a new cramp",
    "missed": "two check-ins missed",
}
ROSTER_CAPTION = "{team}: the last 14 days"

ALERTS_USAGE = "Send /alerts on or /alerts off."
ALERTS_ON = "Alerts for <b>{team}</b> are on."
ALERTS_OFF = "Alerts for <b>{team}</b> are off. /alerts on brings them back."
DIGEST_USAGE = (
    "Send /digest and a time for a daily summary, for example <code>/digest 18:00</code> (add a "
    "time zone if you like: <code>/digest 18:00 Europe/Berlin</code>), or /digest off."
)
DIGEST_UNKNOWN_ZONE = (
    "I don't know the time zone <b>{zone}</b>. Use a region and city, for example "
    "<code>/digest 18:00 Europe/Berlin</code> or <code>/digest 18:00 America/Chicago</code>."
)
DIGEST_ON = "A daily summary of <b>{team}</b> will come at <b>{time}</b> ({zone})."
DIGEST_OFF = "No daily summary for <b>{team}</b>."

ALERT = "⚠️ <b>{name}</b> ({team}) needs attention{why}. /roster for more."
DIGEST = Plural(
    "<b>{team}</b> today: {checked} of {members} athlete checked in.\n{attention}",
    "<b>{team}</b> today: {checked} of {members} athletes checked in.\n{attention}",
    count="members",
)
DIGEST_ATTENTION = "Need attention: {names}."
DIGEST_ALL_WELL = "Nobody needs attention."

TEAM_ARCHIVED = (
    "I was removed from <b>{team}</b>'s group or channel, so the team is closed. Its athletes "
    "keep their own plans; you no longer see them."
)
TODAY = "today"
DAYS_AGO = Plural("{days} day ago", "{days} days ago", count="days")


_here = localize(__name__)
