"""/teamheat: a coach opts a team in to a heat warning posted in its group on hot days, at the
team's training time, for the city of the coach's time zone (or the place the coach shared for
their own /heat). In the coach's private chat, like /digest; rights re-checked with Telegram."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations.replies import send, user_id_of
from conversations.services import Services, services
from conversations.team import access
from conversations.team.groups import refuse
from conversations.texts import heat as texts
from conversations.texts import team as team_texts
from rules import heat as rules
from rules.recovery import parse_local_time
from rules.typed_words import on_or_off
from storage import heat, plans, users
from storage.heat import PlaceKind
from storage.teams import ChatKind

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS


async def _place_of(svc: Services, coach: int) -> tuple[str, float, float, str] | None:
    """(zone, latitude, longitude, what the place is) for the coach's teams, or None."""
    own = await heat.settings_of(svc.db, coach)
    if (
        own is not None
        and own.place is PlaceKind.LOCATION
        and own.zone is not None
        and own.latitude is not None
        and own.longitude is not None
    ):
        return own.zone, own.latitude, own.longitude, texts.PLACE_LOCATION
    user = await users.ensure_user(svc.db, coach, svc.now())
    zone = user.zone
    if zone is None:
        plan = await plans.live_plan_of(svc.db, coach)
        zone = None if plan is None else plan.zone
    city = None if zone is None else rules.zone_city(zone)
    if zone is None or city is None:
        return None
    latitude, longitude = rules.rounded(city)
    return zone, latitude, longitude, texts.PLACE_ZONE_CITY


async def team_heat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/teamheat HH:MM | off: each team the coach runs (with a group)."""
    svc = services(context)
    coach = user_id_of(update)
    args = context.args or []
    coached = await access.teams_with_rights(svc, context.bot, coach)
    if not coached:
        await send(update, team_texts.NOT_A_COACH)
        return
    if args and on_or_off(args[0]) is False:
        for team in coached:
            await heat.team_heat_off(svc.db, team.id, svc.now())
            await send(update, texts.TEAM_OFF.format(team=escape(team.name)))
        return
    when = parse_local_time(args[0]) if len(args) == 1 else None
    if when is None:
        await send(update, texts.TEAM_USAGE)
        return
    hhmm = when.strftime("%H:%M")
    for team in coached:
        if team.chat_kind is not ChatKind.GROUP:
            await send(update, texts.TEAM_NO_GROUP.format(team=escape(team.name)))
            continue
        place = await _place_of(svc, coach)
        if place is None:
            await send(update, texts.TEAM_NO_PLACE.format(team=escape(team.name)))
            continue
        zone, latitude, longitude, what = place
        await heat.set_team_heat(
            svc.db,
            team.id,
            coach,
            training_time=hhmm,
            zone=zone,
            latitude=latitude,
            longitude=longitude,
            now=svc.now(),
        )
        await send(
            update,
            texts.TEAM_ON.format(team=escape(team.name), time=hhmm, zone=zone, place=what),
        )


async def in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/teamheat in a group: it is set in the private chat (one pointer per half minute)."""
    await refuse(update, context, texts.TEAM_IN_PRIVATE)


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("teamheat", team_heat, filters=PRIVATE),
        CommandHandler("teamheat", in_group, filters=GROUPS),
    ]
