"""Joining a team from its link, with consent; /teams to change what a coach sees, or leave.

The consent screen's buttons name the team, but a press is honoured only while the athlete's
own pending invitation (the token of the link they opened) is that team's current token: a
forged press, a rotated link or an archived team joins nothing. Nothing is shared before Join.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Refusal, pressed
from conversations.replies import InlineKeyboard, send, user_id_of
from conversations.services import Services, services
from conversations.team import access
from conversations.team.groups import display_name
from conversations.team.names import keep_name_current
from conversations.texts import team as texts
from storage import teams, users
from storage.teams import Consent, Team

PRIVATE = filters.ChatType.PRIVATE
NO, LEAVE = "no", "leave"

JOIN_BUTTONS = ButtonFamily.of("team", "join", {Consent.STATUS, Consent.DETAILS, NO})
LEVEL_BUTTONS = ButtonFamily.of("team", "level", {Consent.STATUS, Consent.DETAILS, LEAVE})


async def show_invitation(update: Update, svc: Services, token: str) -> None:
    """A join link opened: the team, its coaches and the consent screen; nothing shared yet."""
    user_id = user_id_of(update)
    await users.ensure_user(svc.db, user_id, svc.now())
    team = await teams.team_by_token(svc.db, token)
    if team is None:
        await users.set_pending_invite(svc.db, user_id, None)
        await send(update, texts.INVITE_INVALID, keyboards.sos_reply_keyboard())
        return
    await users.set_pending_invite(svc.db, user_id, token)
    await send(update, await _consent_text(svc, team), _consent_buttons(team.id))


async def show_pending_invitation(update: Update, svc: Services) -> None:
    """After a cramp: the invitation the athlete opened during it, if any."""
    user = await users.ensure_user(svc.db, user_id_of(update), svc.now())
    if user.pending_invite is not None:
        await show_invitation(update, svc, user.pending_invite)


async def keep_for_later(update: Update, svc: Services, args: list[str]) -> None:
    """A join link opened mid-cramp: kept, and shown once the cramp is dealt with."""
    token = token_of(args)
    if token is not None:
        await users.set_pending_invite(svc.db, user_id_of(update), token)


async def _consent_text(svc: Services, team: Team) -> str:
    coaches = ", ".join(escape(coach.name) for coach in await teams.coaches_of(svc.db, team.id))
    return texts.CONSENT.format(team=escape(team.name), coaches=coaches)


def _consent_buttons(team_id: int) -> InlineKeyboard:
    options = [
        (Consent.STATUS.value, texts.JOIN_STATUS),
        (Consent.DETAILS.value, texts.JOIN_DETAILS),
        (NO, texts.DECLINE),
    ]
    return JOIN_BUTTONS.keyboard(team_id, options)


async def on_join_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    presser = user_id_of(update)

    async def load(team_id: int) -> Team | None:
        return await teams.get_team(svc.db, team_id)

    async def check(team: Team, press: Press) -> Refusal | None:
        user = await users.ensure_user(svc.db, presser, svc.now())
        invited = (
            team.status is teams.TeamStatus.ACTIVE and user.pending_invite == team.invite_token
        )
        return None if invited else Refusal.EXPIRED

    result = await pressed(update, load=load, owner=lambda team: presser, check=check)
    if isinstance(result, Refusal):
        return
    team = result.record
    await users.set_pending_invite(svc.db, presser, None)
    if result.choice == NO:
        await send(update, texts.DECLINED, keyboards.sos_reply_keyboard())
        return
    consent = Consent(result.choice)
    user = update.effective_user
    assert user is not None
    await teams.join(svc.db, team.id, presser, display_name(user), consent, svc.now())
    text = texts.JOINED.format(team=escape(team.name), level=texts.LEVEL_NAMES[consent.value])
    await send(update, text, keyboards.sos_reply_keyboard())


async def list_teams(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/teams: the athlete's teams and what each sees, with one tap to change or leave."""
    svc = services(context)
    await keep_name_current(update, svc)
    memberships = await teams.memberships_of(svc.db, user_id_of(update))
    if not memberships:
        await send(update, texts.NO_TEAMS)
        return
    lines = [texts.TEAMS_HEADER]
    rows = []
    for team, member in memberships:
        level = texts.LEVEL_NAMES[member.consent.value]
        lines.append(texts.TEAM_LINE.format(team=escape(team.name), level=level))
        other = Consent.DETAILS if member.consent is Consent.STATUS else Consent.STATUS
        label = texts.SHARE_DETAILS if other is Consent.DETAILS else texts.SHARE_STATUS
        options = [
            (other.value, label.format(team=team.name)),
            (LEAVE, texts.LEAVE.format(team=team.name)),
        ]
        rows += LEVEL_BUTTONS.rows(team.id, options)
    await send(update, "\n".join(lines), InlineKeyboard(rows))


async def on_level_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Change the level shared with a team, or leave it: at once, in every coach view."""
    svc = services(context)
    presser = user_id_of(update)

    async def load(team_id: int) -> Team | None:
        team = await teams.get_team(svc.db, team_id)
        member = None if team is None else await teams.membership(svc.db, team.id, presser)
        return team if member is not None else None

    result = await pressed(update, load=load, owner=lambda team: presser)
    if isinstance(result, Refusal):
        return
    team = result.record
    if result.choice == LEAVE:
        await teams.leave(svc.db, team.id, presser)
        await send(update, texts.LEFT_TEAM.format(team=escape(team.name)))
        return
    member = await teams.membership(svc.db, team.id, presser)
    assert member is not None
    consent = Consent(result.choice)
    await teams.join(svc.db, team.id, presser, member.display_name, consent, svc.now())
    level = texts.LEVEL_NAMES[consent.value]
    await send(update, texts.LEVEL_CHANGED.format(team=escape(team.name), level=level))


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("teams", list_teams, filters=PRIVATE),
        JOIN_BUTTONS.handler(on_join_pressed),
        LEVEL_BUTTONS.handler(on_level_pressed),
    ]


def token_of(args: list[str]) -> str | None:
    """The invite token of ``/start join_<token>``."""
    if len(args) == 1 and args[0].startswith(access.JOIN_PREFIX):
        return args[0][len(access.JOIN_PREFIX) :]
    return None
