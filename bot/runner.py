"""Long polling: the default way to run the bot, through the update inbox
(``bot.delivery.inbox``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.application import CrampCoachApplication, accepted_updates, build_application
from bot.delivery.duties import POLLER, Duty
from bot.delivery.inbox import delete_webhook, poll, poll_while_held
from bot.lifecycle import StopSignals, finish_in_hand, running
from bot.settings import Settings
from bot.web.app import served
from conversations.services import services_of
from storage import inbox, outbox

PRUNE_EVERY = timedelta(hours=1)


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services_of(context.bot_data)
    await inbox.prune(svc.db, svc.now())
    await outbox.prune(svc.db, svc.now())


async def keep_inbox_tidy(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Forget handled updates and sent messages older than a day, now and every hour (both
    modes)."""
    svc = services_of(application.bot_data)
    await inbox.prune(svc.db, svc.now())
    await outbox.prune(svc.db, svc.now())
    if application.job_queue is not None:
        application.job_queue.run_repeating(_prune, interval=PRUNE_EVERY, name="inbox-prune")


def run_polling(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM; then stop gracefully (``bot.lifecycle.finish_in_hand``)."""
    application = build_application(settings, max_running=settings.max_concurrent_updates)
    asyncio.run(serve_polling(application, settings))


async def serve_polling(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    signals: StopSignals | None = None,
) -> None:
    """Replay what the last run left, then poll until a stop signal; then finish what is in
    hand within the grace and stop (``signals``: tests pass their own)."""
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    keeper = application.inbox
    if signals is None:
        signals = StopSignals()
        signals.install()
    async with running(application), served(application, settings, signals.stop) as web_server:
        await keep_inbox_tidy(application)
        await delete_webhook(application)
        # What the last run kept but did not finish (a kill -9), before anything new.
        await keeper.dispatch_pending(application)
        # Routes mounted for both modes (bot.web.app.served): the dashboard when
        # CRAMPCOACH_PUBLIC_URL is set; otherwise none, and no public port.
        await web_server.open_public()
        # Pending updates are kept: Telegram holds them for 24 hours, and a cramp message sent
        # while the bot restarted still deserves an answer.
        if keeper.claims is None:
            await poll(application, keeper, signals.stop, allowed_updates=accepted_updates())
        else:
            await _poll_with_others(application, signals.stop)
        # Polling stopped: nothing new is taken (the batch in flight was not confirmed).
        await finish_in_hand(application, settings.shutdown_grace, hurry=signals.hurry)


async def _poll_with_others(application: CrampCoachApplication, stop: asyncio.Event) -> None:
    """Several workers: one of them polls (the ``poller`` duty) and each claims and handles
    what is kept, whoever kept it."""
    keeper = application.inbox
    assert keeper is not None and keeper.claims is not None
    metrics = application.metrics
    poller = Duty(
        keeper.db,
        POLLER,
        holder=keeper.claims.holder,
        ttl=keeper.claims.ttl,
        on_takeover=None if metrics is None else metrics.duty_taken_over,
    )
    if metrics is not None:
        metrics.watch_duty(POLLER, lambda: poller.held)
    application.duties[POLLER] = poller
    await poller.start()
    handing = asyncio.get_running_loop().create_task(keeper.hand_on_forever(application))
    try:
        await poll_while_held(
            application, keeper, stop, lambda: poller.held, allowed_updates=accepted_updates()
        )
    finally:
        handing.cancel()
        await asyncio.gather(handing, return_exceptions=True)
        await poller.stop()
