"""Entry point: ``python -m bot`` runs the bot; ``python -m bot chat`` tries it in a terminal;
``check``, ``backup FILE`` and ``restore FILE`` are the operator's (bot/operations/commands.py).

Exit status 2 with one line on stderr, and nothing touched, when the bot cannot start as
configured: a missing or malformed setting, or a database it cannot use (not a database,
written by a newer version, a path it cannot read or write, another bot or a restore holding
its run lock), a token Telegram rejects, a webhook URL Telegram refuses, or an address the bot
cannot listen on. systemd does not restart on 2. Exit status 1, one line: Telegram could not be
reached at start-up, or the port to listen on is taken (systemd tries again). SIGTERM or
SIGINT: a graceful stop, exit status 0.
"""

from __future__ import annotations

import asyncio
import sys

from telegram.error import InvalidToken, NetworkError

from bot.logging_setup import configure_logging
from bot.operations import run_lock
from bot.settings import SettingsError, load_settings
from storage.store import DatabaseUnusable, Store

OPERATOR_COMMANDS = ("check", "backup", "restore")  # bot/operations/commands.py
USAGE = "usage: python -m bot [run | chat | check | backup [--force] FILE | restore FILE]"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if command in OPERATOR_COMMANDS:
        from bot.operations import commands

        return commands.main(command, args[1:])
    if command not in ("run", "chat"):
        print(f"crampcoach: unknown command {command!r}; {USAGE}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        if command == "chat":
            configure_logging("WARNING")
            from bot.devtools.terminal import chat

            asyncio.run(chat(settings))
            return 0
        token = settings.require_token()
        secret = settings.webhook_secret
        configure_logging(
            settings.log_level, secrets=(token, secret.get_secret_value() if secret else "")
        )
        if not settings.uses_postgres:
            run_lock.hold_until_exit(settings.db_path)  # before migrations; restore checks it
        asyncio.run(check_database(settings.database()))
    except (SettingsError, DatabaseUnusable) as exc:
        print(f"crampcoach: {exc}", file=sys.stderr)
        return 2
    from bot.web.app import ListenError

    if settings.mode == "webhook":
        from bot.web.webhook import run_webhook as run_bot
    else:
        from bot.runner import run_polling as run_bot
    try:
        run_bot(settings)
    except (SettingsError, ListenError) as exc:  # Telegram refused the webhook; a port taken
        print(f"crampcoach: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, ListenError) and exc.retry else 2
    except InvalidToken:
        print(
            "crampcoach: Telegram rejected the token (CRAMPCOACH_TOKEN): check it with @BotFather",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        # Telegram unreachable at start-up: worth trying again later (systemd restarts on 1).
        # Only the error's kind is printed: its text could carry a URL, and the URL the token.
        print(
            f"crampcoach: cannot reach Telegram at start-up ({type(exc).__name__}); "
            "check the network and CRAMPCOACH_API_BASE_URL",
            file=sys.stderr,
        )
        return 1
    return 0


async def check_database(db: Store) -> None:
    """Open the database once before anything else (migrations included), then close it.

    Refusals come here, before the network is touched: one line, no traceback, and every
    connection closed so the process really exits.
    """
    try:
        await db.open()
    finally:
        await db.close()


if __name__ == "__main__":
    sys.exit(main())
