"""The Application factory: the whole bot's wiring, read top to bottom."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from telegram import (
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

from bot.delivery.inbox import Inbox
from bot.delivery.rate_limiter import PriorityRateLimiter
from bot.delivery.reply_log import ReplyLog, ReplyLoggingRequest, path_beside
from bot.delivery.transport import ServerErrorAwareRequest
from bot.delivery.update_processor import MAX_RUNNING, PerChatUpdateProcessor
from bot.errors import on_error
from bot.metrics import Metrics
from bot.scheduler import start_scheduler
from bot.settings import Settings
from conversations.commands import (
    GROUP_ADMIN_MENU,
    GROUP_MENU,
    PRIVATE_MENU,
    Command,
    bot_commands,
)
from conversations.handlers import all_handlers
from conversations.services import Clock, Services, Timings, install, services_of, system_clock
from conversations.sos import timers
from conversations.team.menu import sync_coach_menus
from conversations.texts import common
from storage import inbox as inbox_rows
from storage.db import Database
from storage.persistence import SQLitePersistence

_LOGGER = logging.getLogger(__name__)


UpdateFinished = Callable[[object], Awaitable[None]]
_T = TypeVar("_T")


class CrampCoachApplication(Application):  # type: ignore[type-arg]
    """An Application that persists conversation state right after each update.

    python-telegram-bot writes persistence on a timer (60 s by default); a ``kill -9`` in that
    window would lose where users were. Writing after every update makes a restart carry on.

    The life of one update, in :meth:`process_update`: the handlers run; the conversation
    states they changed are committed (:meth:`update_persistence`, one transaction shared with
    any update finishing at the same time); then :meth:`update_finished` runs. That is the one
    place where an update counts as done: an inbox that stores updates before they are
    confirmed to Telegram marks them done there (override it, or append an async callback to
    ``finished_callbacks``). Updates are handled concurrently across chats and in order within
    one (see :mod:`bot.delivery.update_processor`), so the next update of the same chat starts only
    after ``update_finished`` of this one has returned.
    """

    # Set by build_application: kept updates are marked done through it (see bot.delivery.inbox),
    # and their accepted replies logged in this (see bot.delivery.reply_log).
    inbox: Inbox | None = None
    reply_log: ReplyLog | None = None
    # Set by build_application: this application's counters (bot.metrics).
    metrics: Metrics | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.finished_callbacks: list[UpdateFinished] = []
        self._handover = asyncio.Lock()  # one hand-over of states at a time
        self._update_tasks: set[asyncio.Task[Any]] = set()  # for abandon_updates

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, _T] | Awaitable[_T],
        update: object | None = None,
        **kwargs: Any,
    ) -> asyncio.Task[_T]:
        task = super().create_task(coroutine, update, **kwargs)
        if update is not None:  # an update being handled (python-telegram-bot's fetcher)
            self._update_tasks.add(task)
            task.add_done_callback(self._update_tasks.discard)
        return task

    async def abandon_updates(self) -> int:
        """Stop handling what is not finished (a graceful stop whose grace ran out).

        Updates waiting in the queue are dropped and those running are cancelled: none is
        marked done, so the inbox hands them out again at the next start. Returns how many.
        """
        dropped = 0
        while not self.update_queue.empty():
            self.update_queue.get_nowait()
            self.update_queue.task_done()
            dropped += 1
        running = [task for task in self._update_tasks if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        return dropped + len(running)

    async def process_update(self, update: object) -> None:
        update_id = None if self.inbox is None else self.inbox.done_id(update)
        if update_id is None or self.reply_log is None:
            await super().process_update(update)
        else:
            # Replies logged as Telegram accepts them; a replay does not send them again.
            with self.reply_log.handling(update_id):
                await super().process_update(update)
        await self.commit_update(update)
        await self.update_finished(update)

    async def commit_update(self, update: object) -> None:
        """The states the update changed and its inbox row's done mark, committed together
        with those of any update finishing at the same time (a group commit).

        A done mark is noted only after the update's state was handed over, and the batches are
        committed in order, so a done mark is never written ahead of its state (a kill then
        would lose the step). A state may go with an earlier batch than its done mark; a replay
        after a kill in between then finds the step already taken (see ``bot.delivery.inbox``).
        """
        persistence, inbox = self.persistence, self.inbox
        assert isinstance(persistence, SQLitePersistence)
        done = None if inbox is None else inbox.done_id(update)
        async with self._handover:
            await super().update_persistence()  # hands the changed states to the persistence
            if inbox is not None and done is not None:
                persistence.note_done(done, inbox.clock())
        await persistence.write_pending()
        if inbox is not None and done is not None:
            inbox.forget(done)
            if self.reply_log is not None:
                self.reply_log.forget(done)

    async def update_persistence(self) -> None:
        """Hand the changed states to the persistence, then commit them (the timer and
        shutdown call this too)."""
        await super().update_persistence()
        if isinstance(self.persistence, SQLitePersistence):
            # python-telegram-bot marks every chat and user of every update for a chat-data and
            # user-data write, and clears the marks only when those kinds are stored. We store
            # neither, so the sets would keep every user ever seen.
            if not self.persistence.store_data.chat_data:
                self._chat_ids_to_be_updated_in_persistence.clear()
            if not self.persistence.store_data.user_data:
                self._user_ids_to_be_updated_in_persistence.clear()
            await self.persistence.write_pending()

    async def update_finished(self, update: object) -> None:
        """Called once per update, after it was handled and its state committed.

        Not called if committing the state failed (the error propagates): the update is not
        done then, and the inbox hands it out again at the next start.
        """
        for callback in self.finished_callbacks:
            await callback(update)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    clock: Clock = system_clock,
    timings: Timings | None = None,
    send_rate: float = 30.0,
    per_chat_interval: float = 1.0,
    retry_backoff: float = 0.5,
    max_running: int = MAX_RUNNING,
    scheduler: bool = True,
) -> Application:  # type: ignore[type-arg]
    """Build the bot. ``request`` replaces the network (tests and ``python -m bot chat``).

    ``send_rate`` is the overall limit in messages a second (Telegram's is about 30) and
    ``per_chat_interval`` the spacing of scheduled sends to one chat (about one a second);
    ``retry_backoff`` the first wait before a transient failure (a 5xx) is retried;
    ``max_running`` bounds the updates handled at once (across chats; one at a time per chat);
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
        # Concurrent across chats, in order within one, bounded (bot.delivery.update_processor).
        .concurrent_updates(PerChatUpdateProcessor(max_running))
        .post_init(functools.partial(on_startup, with_scheduler=scheduler))
        .post_shutdown(on_shutdown)
    )
    # 5xx answers raised as ServerError, so the limiter can retry them (see bot.delivery.transport).
    reply_log = ReplyLog(path_beside(settings.db_path))
    builder = builder.request(ReplyLoggingRequest(ServerErrorAwareRequest(request), reply_log))
    if request is not None:
        builder = builder.get_updates_request(request)
    # About 30 messages a second in all; replies before scheduled check-ins; 429s wait for
    # their chat only; 5xx and refused connections retried.
    limiter = PriorityRateLimiter(
        rate=send_rate, per_chat_interval=per_chat_interval, retry_backoff=retry_backoff
    )
    builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = builder.build()
    assert isinstance(application, CrampCoachApplication)
    application.inbox = keeper = Inbox(db, clock)
    application.reply_log = reply_log
    # Counters for /metrics: the limiter counts sends, the scheduler check-ins, this updates.
    application.metrics = limiter.metrics = Metrics()
    application.finished_callbacks.append(application.metrics.update_handled)
    application.metrics.watch_in_hand(lambda: keeper.in_hand)

    install(
        application.bot_data,
        Services(
            db=db,
            emergency_number=settings.emergency_number,
            clock=clock,
            timings=timings or Timings(),
        ),
    )

    application.add_handlers(all_handlers())  # in order: see conversations/handlers.py
    application.add_error_handler(on_error)
    return application


async def on_startup(
    application: Application[Any, Any, Any, Any, Any, Any], *, with_scheduler: bool = True
) -> None:
    """After initialize: open the database, register commands, re-arm timers, schedule."""
    await services_of(application.bot_data).db.open()
    if isinstance(application, CrampCoachApplication):
        await open_reply_log(application)
    await register_commands(application)
    await timers.rearm(application)
    if with_scheduler:
        start_scheduler(application)


async def open_reply_log(application: CrampCoachApplication) -> None:
    """Beside the database (which exists now), with what the last run logged of the updates
    it left unfinished."""
    log = application.reply_log
    if log is None:
        return
    logged = log.read()
    unfinished = await inbox_rows.unfinished_among(services_of(application.bot_data).db, logged)
    log.open({update_id: logged[update_id] for update_id in unfinished})


async def on_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await services_of(application.bot_data).db.close()
    if isinstance(application, CrampCoachApplication) and application.reply_log is not None:
        application.reply_log.close()


# Which menu Telegram shows where (conversations/commands.py). A coach's private chat gets a
# menu of its own when they become a coach (conversations/team/menu.py).
MENUS: tuple[tuple[BotCommandScope, tuple[Command, ...]], ...] = (
    (BotCommandScopeAllPrivateChats(), PRIVATE_MENU),
    (BotCommandScopeAllGroupChats(), GROUP_MENU),
    (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_MENU),
)


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Our command menus by scope, and the bot's description and short description.

    Each call on its own: a failure is logged and the others are still made; none stops the
    bot (the menus and the profile from the last run stay in place at Telegram).
    """
    bot = application.bot
    calls: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
        (
            f"the {scope.type} command menu",
            functools.partial(bot.set_my_commands, bot_commands(menu), scope=scope),
        )
        for scope, menu in MENUS
    ]
    calls.append(
        ("the description", functools.partial(bot.set_my_description, common.BOT_DESCRIPTION))
    )
    calls.append(
        (
            "the short description",
            functools.partial(bot.set_my_short_description, common.BOT_SHORT_DESCRIPTION),
        )
    )
    for what, call in calls:
        try:
            await call()
        except TelegramError as exc:
            _LOGGER.warning("Could not register %s: %r", what, exc)
    await sync_coach_menus(application.bot, services_of(application.bot_data))


def accepted_updates() -> list[str]:
    # CHAT_MEMBER: a coach demoted in a team's group (sent when the bot is an admin there).
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER, Update.CHAT_MEMBER]
