"""Every handler of the bot, in the order python-telegram-bot tries them.

This is the table of contents of ``conversations``: within a group, the first handler that
accepts an update takes it, so the order below is the order of precedence.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from conversations import (
    account,
    country,
    general,
    language,
    location,
    membership,
    prevention,
    start,
)
from conversations.commands import is_known_command
from conversations.heat import flow as heat_flow
from conversations.heat import team as heat_team
from conversations.plan import checkin, commands, hold, offer, settings, setup, typed, views
from conversations.sos import steps as sos_steps
from conversations.sos import views as sos_views
from conversations.sos.flow import build_sos_conversation
from conversations.team import coach, groups, join

PRIVATE = filters.ChatType.PRIVATE


def all_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        # The SOS flow first: mid-cramp, its steps take every private message and press.
        build_sos_conversation(),
        # /start and its deep links; /help and /cancel; the pointer to the private chat in groups.
        *start.handlers(),
        *general.command_handlers(),
        # The recovery plan: commands, set-up and settings buttons, the daily check-in.
        CommandHandler("plan", offer.offer_plan, filters=PRIVATE),
        MessageHandler(PRIVATE & offer.OFFER_LABEL, offer.offer_plan),
        sos_views.INFO_BUTTONS.handler(sos_steps.on_info),
        CommandHandler("today", commands.today, filters=PRIVATE),
        CommandHandler("progress", commands.progress, filters=PRIVATE),
        CommandHandler("settings", settings.settings, filters=PRIVATE),
        CommandHandler("pause", commands.pause, filters=PRIVATE),
        CommandHandler("resume", commands.resume, filters=PRIVATE),
        CommandHandler("stopplan", commands.stop_plan, filters=PRIVATE),
        views.OFFER_BUTTONS.handler(setup.on_offer),
        views.TIME_BUTTONS.handler(setup.on_time_pressed),
        views.ZONE_BUTTONS.handler(setup.on_zone_pressed),
        views.SETTINGS_BUTTONS.handler(settings.on_setting_pressed),
        settings.NUMBER_BUTTONS.handler(settings.on_number_pressed),
        country.COUNTRY_BUTTONS.handler(country.on_country_pressed),
        views.STOP_BUTTONS.handler(commands.on_stop_or_resume_pressed),
        views.CARRY_BUTTONS.handler(commands.on_stop_or_resume_pressed),
        views.DOCTOR_BUTTONS.handler(hold.on_doctor_pressed),
        *checkin.handlers(),
        # Coach teams: the group's commands, joining with consent, the coach's commands.
        *groups.handlers(),
        *join.handlers(),
        *coach.handlers(),
        # The heat warning before training: the athlete's /heat, a coach's /teamheat.
        *heat_flow.handlers(),
        *heat_team.handlers(),
        # After recovery: /prevent, the prevention programme's set-up, state and sessions.
        *prevention.handlers(),
        # The language the bot writes in: /language and its buttons.
        *language.handlers(),
        # The athlete's data: what is kept (/mydata), a copy (/export), erasure (/delete).
        *account.handlers(),
        # The bot blocked or unblocked; added to or removed from a group.
        *membership.handlers(),
        # A location shared outside the SOS flow: the athlete's zone and country, at any time
        # (and the plan's zone if it is being asked for).
        MessageHandler(PRIVATE & filters.LOCATION, location.on_location),
        # Typed text outside the SOS flow: a setting, a pain score, or idle.
        # Unknown commands and other bots' commands too: a question being asked is asked again
        # with its buttons (our own commands were taken by their handlers before this one).
        MessageHandler(
            PRIVATE & ~is_known_command() & ~filters.StatusUpdate.ALL, typed.on_private_text
        ),
        # Anything nobody else took: unknown commands, old buttons.
        *general.catch_all_handlers(),
    ]
