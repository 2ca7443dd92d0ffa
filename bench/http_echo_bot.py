"""The floor for ``bench.bench_http``: a bare python-telegram-bot echo bot, as a process.

    python -m bench.http_echo_bot TOKEN BASE_URL [--rate-limiter]

``concurrent_updates(True)`` and python-telegram-bot's own polling (``run_polling``); nothing
stored; no rate limiter, or with ``--rate-limiter`` python-telegram-bot's ``AIORateLimiter``
(30 messages a second overall, its default). A message gets a message back; a press is answered
(``answerCallbackQuery``) and gets a message back: the calls an SOS step makes. Every reply
carries an SOS-sized inline keyboard (seven buttons), so every press carries it back.
"""

from __future__ import annotations

import logging
import sys

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bench.harness import SOS_SIZE_KEYBOARD, echo_handlers


def main(argv: list[str]) -> int:
    limited = "--rate-limiter" in argv
    argv = [arg for arg in argv if arg != "--rate-limiter"]
    if len(argv) != 2:
        print(
            "usage: python -m bench.http_echo_bot TOKEN BASE_URL [--rate-limiter]",
            file=sys.stderr,
        )
        return 2
    token, base_url = argv
    logging.basicConfig(level=logging.WARNING)
    builder = Application.builder().token(token).base_url(base_url).concurrent_updates(True)
    if limited:
        builder = builder.rate_limiter(AIORateLimiter())  # type: ignore[arg-type]
    app = builder.build()
    app.add_handlers(echo_handlers(SOS_SIZE_KEYBOARD))
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
