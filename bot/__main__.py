"""Entry point: ``python -m bot`` runs the bot; ``python -m bot chat`` tries it in a terminal."""

from __future__ import annotations

import asyncio
import sys

from bot.logging_setup import configure_logging
from bot.settings import SettingsError, load_settings

USAGE = "usage: python -m bot [run | chat]"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if command not in ("run", "chat"):
        print(f"crampcoach: unknown command {command!r}; {USAGE}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        if command == "chat":
            configure_logging("WARNING")
            from bot.terminal import chat

            asyncio.run(chat(settings))
            return 0
        token = settings.require_token()
        configure_logging(settings.log_level, secrets=(token,))
    except SettingsError as exc:
        print(f"crampcoach: {exc}", file=sys.stderr)
        return 2
    from bot.runner import run_polling

    run_polling(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
