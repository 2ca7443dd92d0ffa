"""Entry point: ``python -m bot`` (or the ``crampcoach`` command, the same) runs the bot;
``chat`` tries it in a terminal; ``check``, ``backup FILE`` and ``restore FILE`` are the
operator's (bot/operations/commands.py). ``--help`` on each says what it does; ``--version``.

Exit status 2 with one line on stderr, and nothing touched, when the bot cannot start as
configured: a missing or malformed setting, a database folder that does not exist or takes no
files, or a database it cannot use (not a database, written by a newer version, a path it
cannot read or write, another bot or a restore holding its run lock), a token Telegram rejects,
a webhook URL Telegram refuses, or an address the bot cannot listen on. Bad arguments:
argparse's usage line and exit status 2. systemd does not restart on 2. Exit status 1, one
line: Telegram could not be reached at start-up, or the port to listen on is taken (systemd
tries again). SIGTERM or SIGINT: a graceful stop, exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib import metadata
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot.logging_setup import configure_logging
from bot.operations import run_lock
from bot.settings import SettingsError, database_folder_problem, load_settings
from storage.store import DatabaseUnusable, Store

DISTRIBUTION = "crampcoach"  # [project] name in pyproject.toml
CONSOLE_COMMAND = "crampcoach"  # [project.scripts] in pyproject.toml

SETTINGS_NOTE = (
    "Settings come from the environment (CRAMPCOACH_*) and from .env in the working directory; "
    "see the README's Settings."
)


def version() -> str:
    """The installed distribution's version (pyproject.toml's), or a stand-in when the code
    runs from a checkout that was never installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def program_name() -> str:
    """``crampcoach`` when run as the console command, else ``python -m bot``."""
    return CONSOLE_COMMAND if Path(sys.argv[0]).stem == CONSOLE_COMMAND else "python -m bot"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    prog = prog or program_name()
    parser = argparse.ArgumentParser(
        prog=prog,
        allow_abbrev=False,  # --forc is not --force
        description="CrampCoach, a Telegram bot for exercise-induced leg cramps. Without a "
        "command it runs the bot (run).",
        epilog=SETTINGS_NOTE,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{DISTRIBUTION} {version()}",
        help="print the version and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, details: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            allow_abbrev=False,
            help=summary,
            description=f"{summary[0].upper()}{summary[1:]}. {details}",
            epilog=SETTINGS_NOTE,
        )

    command(
        "run",
        "run the bot (the default)",
        "Long polling or webhook, as CRAMPCOACH_MODE says; needs CRAMPCOACH_TOKEN. Exit status "
        "2 (one line): a setting, the database or the token is unusable; 1: Telegram "
        "unreachable at start-up, or the port taken; 0: stopped by SIGTERM or SIGINT.",
    )
    chat = command(
        "chat",
        "try the bot in this terminal, against an in-memory Bot API",
        "No token needed. It always uses a fresh database of its own, deleted when you leave, "
        "never CRAMPCOACH_DB_PATH: a bot's database and its users are never touched. Type as "
        "in Telegram; a number presses a button; /quit leaves.",
    )
    chat.add_argument(
        "--lang",
        metavar="CODE",
        default=None,
        help="the language of the players' Telegram apps (en, de, es, fr; any IETF tag such as "
        "de-AT): the bot answers in it as it would in Telegram",
    )
    command(
        "check",
        "check the settings, the database (read-only) and the token",
        "One line per check; creates and migrates nothing. Exit status 0 all good, 2 settings "
        "or database unusable, 3 token rejected, 4 Telegram unreachable (several: the lowest).",
    )
    backup = command(
        "backup",
        "copy the live database to FILE, safely while the bot runs",
        "The copy is checked (integrity, schema version) before it is put in place, mode 0600. "
        "Exit status 0 written, 1 failed (no partial file), 2 usage or settings.",
    )
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.add_argument("file", metavar="FILE", type=Path, help="where the copy goes")
    restore = command(
        "restore",
        "replace the database with the backup FILE (the bot stopped)",
        "Refused while the bot runs. FILE is checked first; the current database is kept as "
        "<database>.before-restore-<UTC time>. Exit status 0 restored, 1 refused or failed "
        "(database untouched), 2 usage or settings.",
    )
    restore.add_argument("file", metavar="FILE", type=Path, help="the backup to restore")
    command("help", "show this help", "The same as --help.")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help, --version (0); bad arguments: usage, 2
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    command = args.command or "run"
    if command == "help":
        parser.print_help()
        return 0
    if command in ("check", "backup", "restore"):
        from bot.operations import commands

        return commands.main(
            command, file=getattr(args, "file", None), force=getattr(args, "force", False)
        )
    try:
        settings = load_settings()
        if command == "chat":
            configure_logging("WARNING")
            from bot.devtools.terminal import chat

            asyncio.run(chat(settings, language_code=args.lang))
            return 0
        token = settings.require_token()
        secret = settings.webhook_secret
        configure_logging(
            settings.log_level, secrets=(token, secret.get_secret_value() if secret else "")
        )
        if not settings.uses_postgres:
            problem = database_folder_problem(settings.db_path)
            if problem:
                raise SettingsError(problem)
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
