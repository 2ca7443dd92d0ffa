"""A coach's command menu in their private chat: the athlete's commands and the coach's; and,
when the dashboard is on (``CRAMPCOACH_PUBLIC_URL``), a menu button that opens it.

Every private chat shows the athlete's menu (set at start-up for all private chats). A coach's
chat gets a menu of its own (``BotCommandScopeChat``, their user id) when they become a coach,
and loses it when they no longer coach any active team: the athlete's menu shows again.
Telegram may refuse a chat it does not know yet (a coach who never opened the private chat):
their /start sets it then. A refusal never stops what the coach was doing. At start-up every
coach's menu is set again (:func:`sync_coach_menus`), so coaches from before a version that
changed the menus keep theirs without a /start; their menu button too (back to Telegram's
default once the dashboard is turned off).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommandScopeChat,
    MenuButton,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from conversations.commands import bot_commands, coach_menu
from conversations.i18n.recipients import speaking_to
from conversations.replies import set_commands, set_menu_button
from conversations.services import Services
from conversations.texts import dashboard as dashboard_texts
from storage import teams

_LOGGER = logging.getLogger(__name__)


async def update_coach_menu(svc: Services, user_id: int) -> None:
    """The coach's menu while ``user_id`` coaches an active team; none (so the athletes') once
    they coach none. Set after the unit of work commits."""
    scope = BotCommandScopeChat(user_id)
    if await teams.teams_coached_by(svc.db, user_id):
        await set_commands(user_id, bot_commands(coach_menu()), scope)
        if svc.dashboard_url is not None:
            await set_menu_button(user_id, dashboard_button(svc.dashboard_url))
    else:
        await set_commands(user_id, None, scope)
        if svc.dashboard_url is not None:
            await set_menu_button(user_id, None)


def dashboard_button(url: str) -> MenuButtonWebApp:
    return MenuButtonWebApp(dashboard_texts.MENU_BUTTON, WebAppInfo(url))


async def sync_coach_menus(bot: ExtBot[Any], svc: Services) -> int:
    """Set the coach's menu for every current coach; returns how many Telegram accepted."""
    accepted = 0
    for user_id in await teams.active_coach_ids(svc.db):
        try:
            async with speaking_to(svc.db, user_id):  # the menu in the coach's language
                menu = bot_commands(coach_menu())
                button: MenuButton = (
                    MenuButtonDefault()
                    if svc.dashboard_url is None
                    else dashboard_button(svc.dashboard_url)
                )
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(user_id))
                await bot.set_chat_menu_button(user_id, button)
        except TelegramError as exc:
            _LOGGER.info("A coach's command menu was not set at start-up: %r", exc)
            continue
        accepted += 1
    return accepted
