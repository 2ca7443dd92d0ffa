"""The Application factory: the whole bot's wiring, read top to bottom."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Generator
from datetime import timedelta
from typing import Any, TypeVar

from telegram import (
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, BaseHandler, CallbackContext
from telegram.request import BaseRequest

from bot.delivery import duties
from bot.delivery.duties import Duty, holder_name
from bot.delivery.inbox import Claims, Inbox
from bot.delivery.outbox import SCAN_EVERY, SHARED_SCAN_EVERY, OutboxSender
from bot.delivery.rate_limiter import PriorityRateLimiter
from bot.delivery.timers import TimerRunner
from bot.delivery.transport import ServerErrorAwareRequest
from bot.delivery.units import UnitRunner
from bot.delivery.update_processor import MAX_RUNNING, PerChatUpdateProcessor
from bot.errors import on_error
from bot.metrics import Metrics
from bot.scheduler import start_scheduler
from bot.settings import Settings
from bot.weather.forecast import WeatherClient, weather_client
from conversations.commands import (
    Command,
    bot_commands,
    group_admin_menu,
    group_menu,
    private_menu,
)
from conversations.handlers import all_handlers
from conversations.heat import flow as heat_flow
from conversations.i18n.current import speaking
from conversations.i18n.offered import offered
from conversations.language import language_for
from conversations.plan import checkin
from conversations.services import Clock, Services, Timings, install, services_of, system_clock
from conversations.sos import timers as sos_timers
from conversations.team.access import COACH_GUARD, check_coach_guard
from conversations.team.menu import sync_coach_menus
from conversations.texts import common
from rules.languages import ENGLISH
from storage.inbox import ClaimLost
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)

SENDER_GRACE = 10.0  # seconds the sender gets at a stop to finish what it has in hand


UpdateFinished = Callable[[object], Awaitable[None]]
_T = TypeVar("_T")


class CrampCoachApplication(Application):  # type: ignore[type-arg]
    """An Application whose every update is one unit of work (``storage.unit_of_work``).

    The life of one update, in :meth:`process_update`: a unit of work opens and reads the
    conversation's steps for the update's chat and user; the handlers run (their writes join
    the unit's transaction, their messages are queued in it); the unit commits the writes, the
    new steps, the outbox rows and the inbox row's done mark in one transaction; then the
    outbox sender takes the rows and the timer runner arms the timers set. Nothing is sent
    before that commit. Then :meth:`update_finished` runs. Updates are handled concurrently
    across chats and in order within one (see :mod:`bot.delivery.update_processor`), so the
    next update of the same chat starts only after this one has committed.
    """

    # Set by build_application.
    inbox: Inbox | None = None
    metrics: Metrics | None = None
    units: UnitRunner
    sender: OutboxSender
    timers: TimerRunner
    # The work one worker does for all (bot.delivery.duties): sending, scheduling; polling is
    # added by the polling runner.
    duties: dict[str, Duty]
    shared = False  # several workers may share the database (PostgreSQL)
    weather: WeatherClient | None = None  # the heat warning's forecast (None: turned off)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.finished_callbacks: list[UpdateFinished] = []
        self._update_tasks: set[asyncio.Task[Any]] = set()  # for abandon_updates

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, _T] | Awaitable[_T],
        update: object | None = None,
        **kwargs: Any,
    ) -> asyncio.Task[_T]:
        # The update is not handed on: given one, the framework marks its chat and user for a
        # persistence write when the task ends (see dispatch). process_update reports its own
        # errors with the update; this task's coroutine raises nothing else.
        task = super().create_task(coroutine, None, **kwargs)
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
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        done = None if self.inbox is None else self.inbox.done_id(update)

        async def handle(unit: UnitOfWork) -> None:
            chat, user = update.effective_chat, update.effective_user
            if chat is not None and user is not None:
                await unit.load_steps(chat.id, user.id)
            unit.inbox_update = done
            unit.inbox_holder = None if self.inbox is None else self.inbox.holder
            await self.dispatch(update)

        try:
            await self.units.run(f"update:{update.update_id}", handle)
        except ClaimLost:
            # Several workers: this one stalled past its claim and another took the update
            # over; that one's outcome stands, this one's was rolled back.
            _LOGGER.warning("Update %d was taken over by another worker", update.update_id)
            if self.inbox is not None:
                await self.inbox.failed(update)
            return
        except BaseException:
            if self.inbox is not None:
                await self.inbox.failed(update)
            raise
        if self.inbox is not None and done is not None:
            self.inbox.forget(done)
        await self.update_finished(update)

    async def dispatch(self, update: Update) -> None:
        """Run the update through the handlers, as python-telegram-bot's own loop does.

        The same rules: groups in order, the first handler whose check passes in each group,
        ``ApplicationHandlerStop`` ends it, an error goes to the error handlers. Two differences:
        every callback is awaited here, inside the unit (a ``block=False`` handler would run
        outside its transaction, so none is allowed: see :meth:`add_handler`), and no chat or
        user is marked for a persistence write. This bot keeps no python-telegram-bot
        persistence (the database is the state), and the framework's marks, two sets of ids
        cleared only by a persistence, grew by every chat and user ever seen (about 1.5 MiB for
        10,000 athletes, the memory benchmark).
        """
        context: CallbackContext[Any, Any, Any, Any] | None = None
        # Every reply of this update in its language (the team's in a team's group, else the
        # sender's): set before any handler, for this update only.
        svc = services_of(self.bot_data)
        found = await language_for(svc, update)
        with speaking(found.spoken):  # reset when the update is done
            for group in list(self.handlers.values()):
                try:
                    for handler in list(group):
                        check = handler.check_update(update)
                        if check is None or check is False:
                            continue
                        if context is None:
                            context = self.context_types.context.from_update(update, self)
                        await handler.handle_update(update, self, check, context)
                        break
                except ApplicationHandlerStop:
                    break
                except Exception as exc:  # handed to the error handlers, as the framework does
                    if await self.process_error(update=update, error=exc):
                        break
        await found.keep(svc)

    def add_handler(self, handler: BaseHandler[Any, Any, Any], group: int = 0) -> None:
        if handler.block is False:
            raise ValueError(f"{handler!r}: every handler runs inside its update's unit of work")
        super().add_handler(handler, group)

    async def update_finished(self, update: object) -> None:
        """Called once per update, after it was handled and committed.

        Not called if the commit failed (the error propagates): the update is not done then,
        and the inbox hands it out again at the next start.
        """
        for callback in self.finished_callbacks:
            await callback(update)

    async def settled(self) -> None:
        """Every message committed so far has been sent (tests, the terminal chat)."""
        await self.sender.settled()


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
    worker_holder: str | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the bot. ``request`` replaces the network (tests and ``python -m bot chat``).

    ``send_rate`` is the overall limit in messages a second (Telegram's is about 30) and
    ``per_chat_interval`` the spacing of scheduled sends to one chat (about one a second);
    ``retry_backoff`` the first wait before a transient failure (a 5xx) is retried;
    ``max_running`` bounds the updates handled at once (across chats; one at a time per chat);
    ``scheduler=False`` leaves the check-in tick to the caller (tests drive it by hand);
    ``worker_holder`` names this worker in its claims and duties (default: its
    ``CRAMPCOACH_WORKER_NAME`` or host, pid and a random part; tests play several workers in
    one process with it).
    """
    db = settings.database()
    builder = (
        Application.builder()
        .application_class(CrampCoachApplication)
        .token(token or settings.require_token())
        .base_url(settings.api_base_url)
        # Concurrent across chats, in order within one, bounded (bot.delivery.update_processor).
        .concurrent_updates(PerChatUpdateProcessor(max_running))
        .post_init(functools.partial(on_startup, with_scheduler=scheduler))
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
    )
    # 5xx answers raised as ServerError, so the limiter can retry them (see bot.transport).
    builder = builder.request(ServerErrorAwareRequest(request))
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
    # PostgreSQL: any number of workers share the database; each claims updates by chat and
    # holds duties by lease. SQLite: one process (the run lock), which holds them outright.
    application.shared = shared = settings.uses_postgres
    lease_ttl = timedelta(seconds=settings.lease_seconds)
    if worker_holder is None:
        worker_holder = holder_name(settings.worker_name)
    claims = Claims(worker_holder, lease_ttl) if shared else None
    application.inbox = keeper = Inbox(db, clock, claims=claims)
    # Counters for /metrics: the limiter counts sends, the scheduler check-ins, this updates.
    application.metrics = metrics = limiter.metrics = Metrics(worker=settings.worker_name)
    application.finished_callbacks.append(metrics.update_handled)
    metrics.watch_in_hand(lambda: keeper.in_hand)

    svc = Services(
        db=db,
        emergency_number=settings.emergency_number,
        clock=clock,
        timings=timings or Timings(),
        dashboard_url=settings.dashboard_url,
    )
    install(application.bot_data, svc)
    # The heat warning's forecast (CRAMPCOACH_WEATHER_URL; "none": off).
    application.weather = weather_client(
        settings.weather_url,
        clock=clock,
        on_result=lambda result: metrics.weather_requests.labels(result=result).inc(),
    )
    application.bot_data[heat_flow.WEATHER_ON_KEY] = application.weather is not None
    # One unit of work per update (and per timer, per scheduled send); what they commit goes
    # to the outbox sender and the timer runner.
    application.units = units = UnitRunner(db, clock)
    bot = application.bot

    # Asked by the sender just before a coach's note goes out, and when Telegram says a person
    # blocked the bot: each in a unit of work of its own (either may write, and send).
    async def coach_still_coaches(argument: str) -> bool:
        origin = f"guard:{argument}:{time.time_ns()}"
        return await units.run(origin, lambda _unit: check_coach_guard(svc, bot, argument))

    async def undeliverable(chat_id: int, origin: str) -> None:
        name = f"blocked:{chat_id}:{time.time_ns()}"
        await units.run(name, lambda _unit: checkin.undeliverable(svc, chat_id, origin))

    application.sender = units.sender = OutboxSender(
        bot,
        db,
        clock,
        metrics=metrics,
        guards={COACH_GUARD: coach_still_coaches},
        on_blocked=undeliverable,
        scan_every=SHARED_SCAN_EVERY if shared else SCAN_EVERY,
        shared=shared,
    )
    metrics.watch_outbox(lambda: application.sender.in_hand)
    application.timers = units.timers = TimerRunner(
        db,
        clock,
        {kind: functools.partial(action, svc) for kind, action in sos_timers.TIMERS.items()},
        units.run,
    )

    sender = application.sender
    make_duty = functools.partial(
        Duty,
        db,
        holder=worker_holder,
        ttl=lease_ttl,
        outright=not shared,
        on_takeover=metrics.duty_taken_over,
    )
    application.duties = {
        duties.SENDER: make_duty(
            duties.SENDER, on_gained=sender.start, on_lost=_abandoning(sender)
        ),
        duties.SCHEDULER: make_duty(duties.SCHEDULER),
    }
    if shared:
        sender.licensed = application.duties[duties.SENDER].sure
    for duty in application.duties.values():
        metrics.watch_duty(duty.name, lambda duty=duty: duty.held)  # type: ignore[misc]

    application.add_handlers(all_handlers())  # in order: see conversations/handlers.py
    application.add_error_handler(on_error)
    return application


def _abandoning(sender: OutboxSender) -> Callable[[], Awaitable[None]]:
    async def abandon() -> None:
        left = await sender.abandon()
        if left:
            _LOGGER.warning("%d messages in hand left to the worker that sends now", left)

    return abandon


async def on_startup(
    application: Application[Any, Any, Any, Any, Any, Any], *, with_scheduler: bool = True
) -> None:
    """After initialize: open the database, start the outbox sender and the timers, register
    commands, schedule."""
    await services_of(application.bot_data).db.open()
    if isinstance(application, CrampCoachApplication):
        for duty in application.duties.values():
            await duty.start()
        if application.inbox is not None:
            application.inbox.start_renewing()
        await application.timers.rearm_all()
    await register_commands(application)
    if with_scheduler:
        start_scheduler(application)


async def on_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the bot's connection closes: timers disarmed (their rows stay), and what the
    sender has in hand finished within :data:`SENDER_GRACE` (the rest waits in the table)."""
    if isinstance(application, CrampCoachApplication):
        await application.timers.stop()
        try:
            await asyncio.wait_for(application.sender.stop(), SENDER_GRACE)
        except TimeoutError:
            left = await application.sender.abandon()
            _LOGGER.warning("%d messages still being sent at the stop go at the next start", left)
        # Given back: another worker takes the duties (and this one's unfinished updates) now.
        for duty in application.duties.values():
            await duty.stop()
        if application.inbox is not None:
            await application.inbox.close()


async def on_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if isinstance(application, CrampCoachApplication) and application.weather is not None:
        await application.weather.close()
    await services_of(application.bot_data).db.close()


# Which menu Telegram shows where (conversations/commands.py). A coach's private chat gets a
# menu of its own when they become a coach (conversations/team/menu.py).
MENUS: tuple[tuple[BotCommandScope, Callable[[], tuple[Command, ...]]], ...] = (
    (BotCommandScopeAllPrivateChats(), private_menu),
    (BotCommandScopeAllGroupChats(), group_menu),
    (BotCommandScopeAllChatAdministrators(), group_admin_menu),
)


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Our command menus by scope, and the bot's description and short description.

    Each call on its own: a failure is logged and the others are still made; none stops the
    bot (the menus and the profile from the last run stay in place at Telegram).
    """
    bot = application.bot
    calls: list[tuple[str, Callable[[], Awaitable[bool]]]] = []
    # Each in every language a person may be spoken to in: English for every app (no
    # language_code), the others for apps in that language.
    for spoken in offered():
        code = None if spoken == ENGLISH else spoken
        with speaking(spoken):
            calls += [
                (
                    f"the {scope.type} command menu ({spoken})",
                    functools.partial(
                        bot.set_my_commands, bot_commands(menu()), scope=scope, language_code=code
                    ),
                )
                for scope, menu in MENUS
            ]
            calls.append(
                (
                    f"the description ({spoken})",
                    functools.partial(
                        bot.set_my_description, str(common.BOT_DESCRIPTION), language_code=code
                    ),
                )
            )
            calls.append(
                (
                    f"the short description ({spoken})",
                    functools.partial(
                        bot.set_my_short_description,
                        str(common.BOT_SHORT_DESCRIPTION),
                        language_code=code,
                    ),
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
