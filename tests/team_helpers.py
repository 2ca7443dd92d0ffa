"""Shared helpers for the coach-team tests: groups and channels, admins, the bot added or
removed, join links, and reading teams, coaches and members from the database."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.devtools.local_api import ADMIN_RIGHTS, BOT_ID, ChatMessage, LocalBotAPI, LocalUser
from conversations.team.access import ANONYMOUS_ADMIN_ID
from conversations.texts import team as texts
from storage import teams
from storage.teams import Coach, Member, Team
from tests.conftest import Bot
from tests.helpers import db_of

GROUP = -100_200_300_400  # a supergroup
OTHER_GROUP = -100_200_300_500
COACH = 501
CO_COACH = 502
OTHER_COACH = 601  # the coach of another team
NON_ADMIN = 503  # a plain member of the group
ATHLETE = 1001
SECOND_ATHLETE = 1002

_update_dates = itertools.count(1_805_000_000)


# --- People ----------------------------------------------------------------------------------


def in_group(bot: Bot, user_id: int, chat_id: int = GROUP, name: str | None = None) -> LocalUser:
    """``user_id`` acting in the group ``chat_id``."""
    return bot.user(user_id, chat_id=chat_id, first_name=name or f"Person{user_id}")


def private(bot: Bot, user_id: int, name: str | None = None) -> LocalUser:
    """``user_id`` in their private chat with the bot."""
    return bot.user(user_id, first_name=name or f"Person{user_id}")


# --- Membership updates ------------------------------------------------------------------------


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"user": user, "status": status}
    if status == "administrator":
        data |= ADMIN_RIGHTS
    if status == "creator":
        data["is_anonymous"] = False
    if status == "kicked":
        data["until_date"] = 0
    return data


async def bot_membership(bot: Bot, chat_id: int, old: str, new: str, *, by: int = COACH) -> None:
    """A ``my_chat_member`` update: the bot's own status in ``chat_id`` changed."""
    change = {
        "chat": bot.api.chat_dict(chat_id),
        "from": {"id": by, "is_bot": False, "first_name": f"Person{by}"},
        "date": next(_update_dates),
        "old_chat_member": _member(bot.api.bot_user, old),
        "new_chat_member": _member(bot.api.bot_user, new),
    }
    await bot.user(by)._deliver({"my_chat_member": change})


async def add_bot(bot: Bot, chat_id: int = GROUP) -> None:
    await bot_membership(bot, chat_id, "left", "member")


async def remove_bot(bot: Bot, chat_id: int = GROUP) -> None:
    await bot_membership(bot, chat_id, "member", "left")


async def member_change(bot: Bot, chat_id: int, user_id: int, old: str, new: str) -> None:
    """A ``chat_member`` update: someone else's status in ``chat_id`` changed."""
    user = {"id": user_id, "is_bot": False, "first_name": f"Person{user_id}"}
    change = {
        "chat": bot.api.chat_dict(chat_id),
        "from": {"id": user_id, "is_bot": False, "first_name": f"Person{user_id}"},
        "date": next(_update_dates),
        "old_chat_member": _member(user, old),
        "new_chat_member": _member(user, new),
    }
    await bot.user(user_id)._deliver({"chat_member": change})


async def send_as_anonymous_admin(bot: Bot, chat_id: int, text: str) -> None:
    """A command from an admin posting anonymously: Telegram's GroupAnonymousBot on behalf of
    the group itself (``sender_chat``)."""
    stored = bot.api.add_incoming(chat_id, text)
    message = {
        "message_id": stored.message_id,
        "date": stored.date,
        "chat": bot.api.chat_dict(chat_id),
        "from": {
            "id": ANONYMOUS_ADMIN_ID,
            "is_bot": True,
            "first_name": "Group",
            "username": "GroupAnonymousBot",
        },
        "sender_chat": bot.api.chat_dict(chat_id),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    await bot.user(ANONYMOUS_ADMIN_ID)._deliver({"message": message})


async def migrate(bot: Bot, old_chat_id: int, new_chat_id: int) -> None:
    """A group upgraded to a supergroup: the service message in the old group."""
    stored = bot.api.add_incoming(old_chat_id, "")
    message = {
        "message_id": stored.message_id,
        "date": stored.date,
        "chat": bot.api.chat_dict(old_chat_id),
        "from": {"id": COACH, "is_bot": False, "first_name": "Coach"},
        "migrate_to_chat_id": new_chat_id,
    }
    await bot.user(COACH)._deliver({"message": message})


# --- Teams -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MadeTeam:
    team: Team
    link: str  # the Join button's URL

    @property
    def payload(self) -> str:
        return start_parameter(self.link)


def start_parameter(link: str) -> str:
    [payload] = parse_qs(urlparse(link).query)["start"]
    return payload


def join_button_url(message: ChatMessage) -> str:
    [url] = [b["url"] for b in message.inline_buttons if b["text"] == texts.JOIN_BUTTON]
    return str(url)


async def make_team(
    bot: Bot, chat_id: int = GROUP, coach_id: int = COACH, coach_name: str = "Carla"
) -> MadeTeam:
    """The bot added to ``chat_id``, whose admin ``coach_id`` sends /team there."""
    admins = bot.api.admins.get(chat_id, set())
    bot.api.set_admins(chat_id, admins | {coach_id, BOT_ID})
    await add_bot(bot, chat_id)
    await in_group(bot, coach_id, chat_id, coach_name).send("/team")
    team = await teams.team_of_chat(db_of(bot), chat_id)
    assert team is not None, "no team was created"
    posted = bot.api.last_bot_message(chat_id)
    return MadeTeam(team, join_button_url(posted))


async def join(bot: Bot, athlete: LocalUser, made: MadeTeam, level: str = "status") -> None:
    """Open the team's link and join, sharing ``level`` ("status" or "details")."""
    await athlete.send(f"/start {made.payload}")
    await athlete.press(texts.JOIN_DETAILS if level == "details" else texts.JOIN_STATUS)


# --- The database ----------------------------------------------------------------------------


async def all_teams(bot: Bot) -> list[dict[str, Any]]:
    rows = await db_of(bot).fetch_all("SELECT * FROM teams ORDER BY id")
    return [dict(row) for row in rows]


async def coaches(bot: Bot, team: Team) -> list[Coach]:
    return await teams.coaches_of(db_of(bot), team.id)


async def coach_ids(bot: Bot, team: Team) -> set[int]:
    return {coach.user_id for coach in await coaches(bot, team)}


async def members(bot: Bot, team: Team) -> list[Member]:
    return await teams.members_of(db_of(bot), team.id)


async def all_members(bot: Bot) -> list[dict[str, Any]]:
    rows = await db_of(bot).fetch_all("SELECT * FROM team_members ORDER BY team_id, user_id")
    return [dict(row) for row in rows]


async def team_now(bot: Bot, team: Team) -> Team:
    fresh = await teams.get_team(db_of(bot), team.id)
    assert fresh is not None
    return fresh


# --- The chat --------------------------------------------------------------------------------


def sent_to(api: LocalBotAPI, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
    """The parameters of every successful-or-not ``method`` call to ``chat_id``."""
    return [
        call.params
        for call in api.calls_of(method)
        if str(call.params.get("chat_id")) == str(chat_id)
    ]


def texts_to(api: LocalBotAPI, chat_id: int) -> list[str]:
    return [message.text for message in api.bot_messages(chat_id)]


def alerts_to(api: LocalBotAPI, coach_id: int) -> list[str]:
    return [text for text in texts_to(api, coach_id) if text.startswith("⚠️")]


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def group_templates() -> list[str]:
    """What may be posted in a group: team-level texts that name no athlete."""
    return [
        texts.GROUP_GREETING,
        texts.TEAM_CREATED,
        texts.TEAM_EXISTS,
        texts.ONLY_ADMINS_CREATE,
        texts.ONLY_ADMINS_COACH,
        texts.ANONYMOUS_ADMIN,
        texts.NO_TEAM_HERE,
        texts.COACH_ADDED,
        texts.ALREADY_COACH,
        texts.ONLY_COACHES_TIP,
        texts.TIP_USAGE,
        texts.TIP_POST,
        texts.CHANNEL_POST,
    ]


def is_team_level(text: str) -> bool:
    """Whether ``text`` is one of :func:`group_templates` (with its fields filled)."""
    for template in group_templates():
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[a-z]+\\\}", ".*", pattern)
        if re.fullmatch(pattern, text, flags=re.DOTALL) or re.fullmatch(
            pattern + r"\n\n" + re.escape(texts.COACH_PRIVATE_START), text, flags=re.DOTALL
        ):
            return True
    return False
