"""Long polling: the default way to run the bot."""

from __future__ import annotations

from bot.application import accepted_updates, build_application
from bot.settings import Settings


def run_polling(settings: Settings) -> None:
    application = build_application(settings)
    # Pending updates are kept: Telegram holds them for 24 hours, and a cramp message sent
    # while the bot restarted still deserves an answer.
    application.run_polling(allowed_updates=accepted_updates(), drop_pending_updates=False)
