"""A coach's commands, in their private chat: /newteam and /publish for a channel, /invite,
/roster, /dashboard, /alerts and /digest. Every command and button re-checks coach rights with
Telegram.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Pressed, Refusal, pressed
from conversations.i18n.current import language as current_language
from conversations.replies import InlineKeyboard, send, send_photo, send_to, user_id_of
from conversations.services import Services, services
from conversations.team import access, roster
from conversations.team.groups import display_name
from conversations.team.menu import update_coach_menu
from conversations.texts import dashboard as dashboard_texts
from conversations.texts import team as texts
from rules import coaching, plan_clock
from rules.recovery import parse_local_time
from rules.timezones import zone_from_text
from rules.typed_words import on_or_off
from storage import plans, teams, users
from storage.outbox import Kind
from storage.teams import ChatKind, Team
from storage.users import Awaiting

PRIVATE = filters.ChatType.PRIVATE
ROSTER, INVITE, ALERTS_ON, ALERTS_OFF = "roster", "invite", "alerts_on", "alerts_off"
MAX_PAGES = 100

PICK_BUTTONS = ButtonFamily.of("coach", "pick", {ROSTER, INVITE, ALERTS_ON, ALERTS_OFF})
PAGE_BUTTONS = ButtonFamily.of("coach", "page", {str(n) for n in range(MAX_PAGES)})


# --- Choosing a team ---------------------------------------------------------------------------


async def _not_a_coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to start a team, with a button that adds the bot to a group in one tap."""
    link = access.add_to_group_link(context.bot.username)
    await send(update, texts.NOT_A_COACH, keyboards.link(texts.ADD_TO_GROUP_BUTTON, link))


async def _with_team(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str
) -> Team | None:
    """The coach's one team, or None after asking which (buttons) or saying there is none."""
    svc = services(context)
    coached = await access.teams_with_rights(svc, context.bot, user_id_of(update))
    if not coached:
        await _not_a_coach(update, context)
        return None
    if len(coached) == 1:
        return coached[0]
    rows = [row for team in coached for row in PICK_BUTTONS.rows(team.id, [(action, team.name)])]
    await send(update, texts.PICK_TEAM, InlineKeyboard(rows))
    return None


async def _pressed_team(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> Pressed[Team] | Refusal:
    """A team button pressed by someone with coach rights over that team right now."""
    svc = services(context)
    presser = user_id_of(update)

    async def check(team: Team, press: Press) -> Refusal | None:
        rights = await access.has_coach_rights(svc, context.bot, team, presser)
        return None if rights else Refusal.EXPIRED

    return await pressed(
        update,
        load=lambda team_id: teams.get_team(svc.db, team_id),
        owner=lambda team: presser,
        check=check,
    )


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A team chosen for /roster, /invite or /alerts: re-checked, then the action."""
    svc = services(context)
    result = await _pressed_team(update, context)
    if isinstance(result, Refusal):
        return
    actions = {
        ROSTER: lambda: _send_roster(update, context, result.record, 0),
        INVITE: lambda: _rotate(update, context, result.record),
        ALERTS_ON: lambda: _alerts(update, svc, result.record, on=True),
        ALERTS_OFF: lambda: _alerts(update, svc, result.record, on=False),
    }
    await actions[result.choice]()


# --- Channels ----------------------------------------------------------------------------------


async def new_team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/newteam: a team for a channel, whose members can't talk to the bot there."""
    svc = services(context)
    await users.ensure_user(svc.db, user_id_of(update), svc.now())
    await users.set_awaiting(svc.db, user_id_of(update), Awaiting.TEAM_NAME)
    await send(update, texts.ASK_TEAM_NAME)


async def typed_team_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    name = " ".join((message.text or "").split())
    if not 1 <= len(name) <= 60:
        await send(update, texts.TEAM_NAME_INVALID)
        return
    await users.set_awaiting(svc.db, user.id, None)
    team = await teams.create_team(
        svc.db,
        name=name,
        chat_id=None,
        chat_kind=ChatKind.CHANNEL,
        token=access.new_invite_token(),
        coach_id=user.id,
        coach_name=display_name(user),
        now=svc.now(),
        language=current_language(),  # the coach's: the group hears the bot in it
    )
    link = access.join_link(context.bot.username, team.invite_token)
    await send(update, texts.CHANNEL_TEAM_CREATED.format(team=escape(team.name), link=link))
    await send(
        update,
        texts.CHANNEL_POST.format(team=escape(team.name)),
        keyboards.link(texts.JOIN_BUTTON, link),
    )
    await update_coach_menu(svc, user.id)


_CHANNEL = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")


async def publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/publish @channel: post the join message there, if both the bot and the coach are
    admins of that channel (checked with Telegram now)."""
    svc = services(context)
    coach = user_id_of(update)
    channel = (context.args or [""])[0]
    channel_teams = [
        team
        for team in await access.teams_with_rights(svc, context.bot, coach)
        if team.chat_kind is ChatKind.CHANNEL
    ]
    if not channel_teams:
        await _not_a_coach(update, context)
        return
    if not _CHANNEL.match(channel):
        await send(update, texts.PUBLISH_USAGE)
        return
    try:
        chat = await context.bot.get_chat(channel)
        me = await context.bot.get_me()
        allowed = await access.is_chat_admin(context.bot, chat.id, me.id)
        allowed = allowed and await access.is_chat_admin(context.bot, chat.id, coach)
        if not allowed:
            raise PermissionError(channel)
        # A channel is one team's: the coach's team already there, else their newest one
        # not yet in a channel; a channel taken by someone else's team is refused.
        linked = await teams.team_of_chat(svc.db, chat.id)
        if linked is not None and linked.id not in {t.id for t in channel_teams}:
            await send(update, texts.CHANNEL_TAKEN)
            return
        unlinked = [t for t in channel_teams if t.chat_id is None]
        team = linked or (unlinked or channel_teams)[-1]
        link = access.join_link(context.bot.username, team.invite_token)
        await send_to(
            chat.id,
            texts.CHANNEL_POST.format(team=escape(team.name)),
            keyboards.link(texts.JOIN_BUTTON, link),
            kind=Kind.NOTICE,
        )
    except (TelegramError, PermissionError):
        await send(update, texts.PUBLISH_NOT_ADMIN)
        return
    await teams.set_chat(svc.db, team.id, chat.id)
    await send(update, texts.PUBLISHED.format(channel=channel))


# --- Invite, roster, alerts, digest ------------------------------------------------------------


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite: a new join link; the old ones stop working."""
    team = await _with_team(update, context, INVITE)
    if team is not None:
        await _rotate(update, context, team)


async def _rotate(update: Update, context: ContextTypes.DEFAULT_TYPE, team: Team) -> None:
    token = access.new_invite_token()
    await teams.rotate_token(services(context).db, team.id, token)
    link = access.join_link(context.bot.username, token)
    await send(update, texts.INVITE_ROTATED.format(team=escape(team.name), link=link))


async def show_roster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    team = await _with_team(update, context, ROSTER)
    if team is not None:
        await _send_roster(update, context, team, 0)


async def open_dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dashboard: the button that opens the Mini App (every team the coach runs, in one page),
    or, when the operator has not set it up, the way to /roster."""
    svc = services(context)
    if not await access.teams_with_rights(svc, context.bot, user_id_of(update)):
        await _not_a_coach(update, context)
        return
    if svc.dashboard_url is None:
        await send(update, dashboard_texts.DASHBOARD_OFF)
        return
    await send(
        update,
        dashboard_texts.DASHBOARD,
        keyboards.mini_app(dashboard_texts.DASHBOARD_BUTTON, svc.dashboard_url),
    )


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await _pressed_team(update, context)
    if not isinstance(result, Refusal):
        await _send_roster(update, context, result.record, int(result.choice), picture=False)


async def _send_roster(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    team: Team,
    number: int,
    *,
    picture: bool = True,
) -> None:
    svc = services(context)
    entries, found = await roster.load(svc, team, roster.chart_days(svc))
    if not entries:
        await send(update, texts.ROSTER_EMPTY.format(team=escape(team.name)))
        return
    shown = coaching.page(entries, number)
    text = roster.roster_text(team, entries, shown, svc.now())
    markup = _page_buttons(team.id, shown)
    await send(update, text, markup)
    if picture and number == 0:
        png = await roster.picture(svc, team, entries, found)
        await send_photo(
            user_id_of(update),
            png,
            texts.ROSTER_CAPTION.format(team=escape(team.name)),
            filename="team.png",
        )


def _page_buttons(team_id: int, shown: coaching.Page[Any]) -> InlineKeyboard | None:
    options = []
    if shown.number > 0:
        options.append((str(shown.number - 1), texts.ROSTER_PREVIOUS))
    if shown.number + 1 < min(shown.count, MAX_PAGES):
        options.append((str(shown.number + 1), texts.ROSTER_NEXT))
    return PAGE_BUTTONS.keyboard(team_id, options, per_row=2) if options else None


async def set_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alerts on | off, per team."""
    on = on_or_off((context.args or [""])[0])  # "on", "an", "sí", "oui"...
    if on is None:
        await send(update, texts.ALERTS_USAGE)
        return
    team = await _with_team(update, context, ALERTS_ON if on else ALERTS_OFF)
    if team is not None:
        await _alerts(update, services(context), team, on=on)


async def _alerts(update: Update, svc: Services, team: Team, *, on: bool) -> None:
    await teams.set_alerts(svc.db, team.id, user_id_of(update), on)
    await send(update, (texts.ALERTS_ON if on else texts.ALERTS_OFF).format(team=escape(team.name)))


async def set_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest HH:MM [zone] | off: a daily summary of each team the coach runs (off by default).

    The zone is the one typed, else the coach's own plan's, else UTC.
    """
    svc = services(context)
    coach = user_id_of(update)
    args = context.args or []
    coached = await access.teams_with_rights(svc, context.bot, coach)
    if not coached:
        await _not_a_coach(update, context)
        return
    if args and on_or_off(args[0]) is False:
        for team in coached:
            await teams.set_digest(svc.db, team.id, coach, local_time=None, zone=None, next_at=None)
            await send(update, texts.DIGEST_OFF.format(team=escape(team.name)))
        return
    when = parse_local_time(args[0]) if args else None
    typed_zone = " ".join(args[1:])
    zone = zone_from_text(typed_zone) if typed_zone else await _zone_of(svc, coach)
    if when is None:
        await send(update, texts.DIGEST_USAGE)
        return
    if zone is None:
        await send(update, texts.DIGEST_UNKNOWN_ZONE.format(zone=escape(typed_zone[:64])))
        return
    hhmm = when.strftime("%H:%M")
    next_at = plan_clock.next_checkin(hhmm, zone, svc.now())
    for team in coached:
        await teams.set_digest(svc.db, team.id, coach, local_time=hhmm, zone=zone, next_at=next_at)
        await send(update, texts.DIGEST_ON.format(team=escape(team.name), time=hhmm, zone=zone))


async def _zone_of(svc: Services, user_id: int) -> str:
    plan = await plans.live_plan_of(svc.db, user_id)
    return (plan.zone if plan is not None else None) or "UTC"


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("newteam", new_team, filters=PRIVATE),
        CommandHandler("publish", publish, filters=PRIVATE),
        CommandHandler("invite", invite, filters=PRIVATE),
        CommandHandler("roster", show_roster, filters=PRIVATE),
        CommandHandler("dashboard", open_dashboard, filters=PRIVATE),
        CommandHandler("alerts", set_alerts, filters=PRIVATE),
        CommandHandler("digest", set_digest, filters=PRIVATE),
        PICK_BUTTONS.handler(on_pick),
        PAGE_BUTTONS.handler(on_page),
    ]
