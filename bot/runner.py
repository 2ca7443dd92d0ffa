"""Long polling: the default way to run the bot, through the update inbox (``bot.inbox``)."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.application import CrampCoachApplication, accepted_updates, build_application
from bot.inbox import delete_webhook, poll
from bot.lifecycle import running
from bot.settings import Settings
from conversations.services import services_of
from storage import inbox

PRUNE_EVERY = timedelta(hours=1)


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services_of(context.bot_data)
    await inbox.prune(svc.db, svc.now())


def run_polling(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM; then finish the updates in hand and stop cleanly."""
    application = build_application(settings, max_running=settings.max_concurrent_updates)
    asyncio.run(_run(application))


async def _run(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    keeper = application.inbox
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(application):
        svc = services_of(application.bot_data)
        await inbox.prune(svc.db, svc.now())
        if application.job_queue is not None:
            application.job_queue.run_repeating(_prune, interval=PRUNE_EVERY, name="inbox-prune")
        await delete_webhook(application)
        # What the last run kept but did not finish (a kill -9), before anything new.
        await keeper.dispatch_pending(application)
        # Pending updates are kept: Telegram holds them for 24 hours, and a cramp message sent
        # while the bot restarted still deserves an answer.
        await poll(application, keeper, stop, allowed_updates=accepted_updates())
