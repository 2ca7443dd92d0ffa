"""Who may do what with a team, checked with Telegram at the moment they act.

Admin rights are asked of Telegram (getChatMember) each time, never read from the update:
a coach who is no longer an admin of the team's group loses coach rights at the next check.
Invite tokens are opaque and random: a join link carries nothing else.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from conversations.services import Services
from conversations.team.menu import update_coach_menu
from storage import teams
from storage.teams import Team

_LOGGER = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
# Telegram's "GroupAnonymousBot": the shared sender of anonymous group admins, who cannot be
# told apart (telegram-facts: never trust it as a person).
ANONYMOUS_ADMIN_ID = 1087968824
JOIN_PREFIX = "join_"
# ``t.me/<bot>?startgroup=team``: one tap adds the bot to a group the coach picks. Telegram then
# posts ``/start team`` in that group, which the bot leaves unanswered (its greeting says it).
START_GROUP_PAYLOAD = "team"


def new_invite_token() -> str:
    """144 random bits, URL-safe: ``join_`` + 24 characters, well within Telegram's 64."""
    return secrets.token_urlsafe(18)


def join_link(bot_username: str | None, token: str) -> str:
    return f"https://t.me/{bot_username}?start={JOIN_PREFIX}{token}"


def add_to_group_link(bot_username: str | None) -> str:
    return f"https://t.me/{bot_username}?startgroup={START_GROUP_PAYLOAD}"


async def is_chat_admin(bot: ExtBot[Any], chat_id: int, user_id: int) -> bool:
    """Ask Telegram now whether ``user_id`` is an admin of ``chat_id``."""
    return await admin_answer(bot, chat_id, user_id) is True


async def admin_answer(bot: ExtBot[Any], chat_id: int, user_id: int) -> bool | None:
    """Telegram's answer: admin or not; None when it could not be asked (a timeout, a 5xx,
    flood control), which proves nothing either way."""
    if user_id == ANONYMOUS_ADMIN_ID:
        return False
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden) as exc:  # no such chat or member, or the bot is out of it
        _LOGGER.info("Admin check refused: %r", exc)
        return False
    except TelegramError as exc:
        _LOGGER.warning("Admin check failed: %r", exc)
        return None
    return member.status in ADMIN_STATUSES


async def has_coach_rights(svc: Services, bot: ExtBot[Any], team: Team, user_id: int) -> bool:
    """A coach of an active team who is still an admin of its chat (when it has one).

    A coach Telegram says is no longer an admin stops being a coach; one whose rights could not
    be checked just now (Telegram unreachable) is refused this time and kept.
    """
    if team.status is not teams.TeamStatus.ACTIVE:
        return False
    if await teams.coach(svc.db, team.id, user_id) is None:
        return False
    if team.chat_id is None:
        return True
    answer = await admin_answer(bot, team.chat_id, user_id)
    if answer is False and await teams.remove_coach(svc.db, team.id, user_id):
        await update_coach_menu(svc, user_id)
    return answer is True


COACH_GUARD = "coach"


def coach_guard(team_id: int, user_id: int) -> str:
    """The guard of a note to a coach about their team: checked just before it is sent."""
    return f"{COACH_GUARD}:{team_id}:{user_id}"


async def check_coach_guard(svc: Services, bot: ExtBot[Any], argument: str) -> bool:
    """Whether a note guarded by :func:`coach_guard` may go: the coach still has the rights."""
    team_id, user_id = (int(part) for part in argument.split(":"))
    team = await teams.get_team(svc.db, team_id)
    return team is not None and await has_coach_rights(svc, bot, team, user_id)


async def teams_with_rights(svc: Services, bot: ExtBot[Any], user_id: int) -> list[Team]:
    """The teams ``user_id`` may coach right now."""
    return [
        team
        for team in await teams.teams_coached_by(svc.db, user_id)
        if await has_coach_rights(svc, bot, team, user_id)
    ]
