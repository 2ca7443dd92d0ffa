"""The Application factory: the whole bot's wiring, read top to bottom."""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

from bot.errors import on_error
from bot.inbox import Inbox
from bot.rate_limiter import PriorityRateLimiter
from bot.scheduler import start_scheduler
from bot.settings import Settings
from conversations import checkin, common, recovery, sos
from conversations.commands import COMMANDS
from conversations.services import Clock, Services, Timings, install, services_of, system_clock
from storage.db import Database
from storage.persistence import SQLitePersistence

_LOGGER = logging.getLogger(__name__)


class CrampCoachApplication(Application):  # type: ignore[type-arg]
    """An Application that persists conversation state right after each update.

    python-telegram-bot writes persistence on a timer (60 s by default); a ``kill -9`` in that
    window would lose where users were. Writing after every update makes a restart carry on.
    """

    # Set by build_application: kept updates are marked done through it (see bot.inbox).
    inbox: Inbox | None = None

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        await self.mark_handled(update)  # reliability: state + inbox row done (bot.inbox)

    async def mark_handled(self, update: object) -> None:
        """The one place an update counts as handled: its conversation states are written
        and its inbox row marked done, in one transaction."""
        await super().update_persistence()  # hands the changed states to the persistence
        persistence = self.persistence
        assert isinstance(persistence, SQLitePersistence) and self.inbox is not None
        pending = persistence.write_pending if persistence.has_unwritten else None
        await self.inbox.handled(update, pending)

    async def update_persistence(self) -> None:
        """Also write the states at once (the timer and shutdown call this)."""
        await super().update_persistence()
        if isinstance(self.persistence, SQLitePersistence):
            await self.persistence.flush()


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    clock: Clock = system_clock,
    timings: Timings | None = None,
    send_rate: float = 30.0,
    per_chat_interval: float = 1.0,
    scheduler: bool = True,
) -> Application:  # type: ignore[type-arg]
    """Build the bot. ``request`` replaces the network (tests and ``python -m bot chat``).

    ``send_rate`` is the overall limit in messages a second (Telegram's is about 30) and
    ``per_chat_interval`` the spacing of scheduled sends to one chat (about one a second);
    ``scheduler=False`` leaves the check-in tick to the caller (tests drive it by hand).
    """
    db = Database(settings.db_path)
    builder = (
        Application.builder()
        .application_class(CrampCoachApplication)
        .token(token or settings.require_token())
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .persistence(SQLitePersistence(db))
        .post_init(functools.partial(on_startup, with_scheduler=scheduler))
        .post_shutdown(on_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    # About 30 messages a second in all; replies before scheduled check-ins; 429s retried.
    limiter = PriorityRateLimiter(rate=send_rate, per_chat_interval=per_chat_interval)
    builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = builder.build()
    assert isinstance(application, CrampCoachApplication)
    application.inbox = Inbox(db, clock)

    install(
        application.bot_data,
        Services(
            db=db,
            emergency_number=settings.emergency_number,
            clock=clock,
            timings=timings or Timings(),
        ),
    )

    # Order matters within a group: the first handler that accepts an update takes it.
    application.add_handler(sos.build_sos_conversation())  # the SOS flow, private chats only
    for handler in common.command_handlers():  # /start, /help, /cancel; group pointers
        application.add_handler(handler)
    for handler in recovery.handlers():  # plan set-up and commands, block/unblock
        application.add_handler(handler)
    for handler in checkin.handlers():  # check-in answers; typed text outside the SOS flow
        application.add_handler(handler)
    for handler in common.catch_all_handlers():  # anything nobody else took
        application.add_handler(handler)
    application.add_error_handler(on_error)
    return application


async def on_startup(
    application: Application[Any, Any, Any, Any, Any, Any], *, with_scheduler: bool = True
) -> None:
    """After initialize: open the database, register commands, re-arm timers, schedule."""
    await services_of(application.bot_data).db.open()
    await register_commands(application)
    await sos.rearm_timers(application)
    if with_scheduler:
        start_scheduler(application)


async def on_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await services_of(application.bot_data).db.close()


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Show our commands in Telegram's menu. A failure here must not stop the bot."""
    commands = [BotCommand(name, description) for name, description in COMMANDS]
    try:
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
        await application.bot.set_my_commands(
            [BotCommand("cramp", "Open the private chat for cramp help")],
            scope=BotCommandScopeDefault(),
        )
    except TelegramError as exc:
        _LOGGER.warning("Could not register the command list: %r", exc)


def accepted_updates() -> list[str]:
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
