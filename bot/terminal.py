"""``python -m bot chat``: the real bot in a terminal, no Telegram and no token needed.

The same Application, handlers and database run against the in-memory Bot API. Type as you
would in Telegram; buttons are numbered: type the number to press one. ``/quit`` leaves.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from pathlib import Path

from bot.application import build_application
from bot.lifecycle import running
from bot.local_api import LOCAL_TOKEN, ApiCall, ChatMessage, LocalBotAPI, LocalUser
from bot.settings import Settings

USER_ID = 1

_BOLD, _ITALIC, _DIM, _RESET = "\033[1m", "\033[3m", "\033[2m", "\033[0m"


def to_terminal(text: str, *, colour: bool) -> str:
    """Telegram HTML to terminal text: bold and italic as ANSI styles, entities decoded."""
    bold, italic, reset = (_BOLD, _ITALIC, _RESET) if colour else ("", "", "")
    text = re.sub(r"</?b>", lambda m: reset if m.group(0).startswith("</") else bold, text)
    text = re.sub(r"</?i>", lambda m: reset if m.group(0).startswith("</") else italic, text)
    return html.unescape(text)


class TerminalChat:
    """Prints what the bot sends and keeps the numbered buttons the user can press."""

    def __init__(self, api: LocalBotAPI, *, colour: bool) -> None:
        self.api = api
        self.colour = colour
        self.buttons: list[tuple[str, ChatMessage | None, str]] = []  # label, message, data
        api.listeners.append(self.on_call)

    def on_call(self, call: ApiCall, message: ChatMessage | None) -> None:
        if message is None or message.chat_id != USER_ID:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                print(f"  ({call.params['text']})")
            return
        prefix = "✎ (edited) " if call.method.startswith("edit") else ""
        if message.photo:
            prefix += "[picture] "
        print(f"\n{prefix}{to_terminal(message.text, colour=self.colour)}")
        self._show_buttons(message)

    def _show_buttons(self, message: ChatMessage) -> None:
        inline = [
            (b["text"], message, b["callback_data"])
            for b in message.inline_buttons
            if "callback_data" in b
        ]
        keyboard = self.api.reply_keyboards.get(USER_ID) or {}
        typed: list[tuple[str, ChatMessage | None, str]] = [
            (button["text"] if isinstance(button, dict) else str(button), None, "")
            for row in keyboard.get("keyboard", [])
            for button in row
            if not (isinstance(button, dict) and button.get("request_location"))
        ]
        if any(
            isinstance(button, dict) and button.get("request_location")
            for row in keyboard.get("keyboard", [])
            for button in row
        ):
            print("  (to share a location, type: /location 52.52 13.40)")
        for button in message.inline_buttons:
            if "url" in button:
                print(f"  ({button['text']}: {button['url']})")
        self.buttons = inline + typed
        for number, (label, _, _) in enumerate(self.buttons, start=1):
            print(f"  [{number}] {label}")

    async def act(self, user: LocalUser, line: str) -> None:
        if (location := _parse_location(line)) is not None:
            await user.send_location(*location)
        elif line.isdigit() and 1 <= int(line) <= len(self.buttons):
            label, message, data = self.buttons[int(line) - 1]
            if message is None:
                await user.send(label)  # a reply-keyboard button sends its label as text
            else:
                await user.press_data(data, message)
        else:
            await user.send(line)


CHAT_DB_PATH = Path("crampcoach-chat.sqlite3")


async def chat(settings: Settings, *, colour: bool | None = None) -> None:
    # The terminal user must not mix with real users: unless a database is named explicitly,
    # the chat keeps its own file.
    if "db_path" not in settings.model_fields_set:
        settings = settings.model_copy(update={"db_path": CHAT_DB_PATH})
    api = LocalBotAPI()
    application = build_application(settings, request=api, token=LOCAL_TOKEN)
    terminal = TerminalChat(api, colour=sys.stdout.isatty() if colour is None else colour)
    print(
        f"{_DIM if terminal.colour else ''}CrampCoach in your terminal (database: "
        f"{settings.db_path}). Type like in Telegram; a number presses a button; /quit leaves."
        f"{_RESET if terminal.colour else ''}"
    )
    async with running(application):
        user = LocalUser(application, api, USER_ID, first_name="You")
        await user.send("/start")
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            if line.strip():
                await terminal.act(user, line.strip())
            # Let job-queue edits (the countdown) print before the next prompt.
            await asyncio.sleep(0)


def _parse_location(line: str) -> tuple[float, float] | None:
    """``/location LAT LON``: the terminal's stand-in for Telegram's share-location button."""
    parts = line.split()
    if len(parts) != 3 or parts[0] != "/location":
        return None
    try:
        return float(parts[1]), float(parts[2])
    except ValueError:
        return None


def _read_line() -> str | None:
    try:
        return input("\n> ")
    except EOFError:
        return None
