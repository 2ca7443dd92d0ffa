"""``python -m bot chat``: the real bot in a terminal, no Telegram and no token needed.

The same Application, handlers and database run against the in-memory Bot API. Type as you
would in Telegram; buttons are numbered: type the number to press one (``/buttons`` lists
them all). ``/quit`` leaves.

The terminal plays three people and a group, so the coach-team flow can be tried too:

* ``/as athlete`` (you, at start), ``/as coach``, ``/as friend`` (a second athlete): who you are;
* ``/group``: type in the team's group chat, "Riverside Runners", where the coach is an admin
  (the first time, the coach adds the bot to it, so it greets); ``/private``: back to the
  private chat of whoever you are.

``/wait 2d`` (or ``3h``, ``30m``) moves the chat's clock forward, running the scheduler every
hour of the way as the bot would: a reviewer can walk a recovery plan to day 14 and the
prevention programme's sessions and weekly check-ins without waiting for them.

The prompt shows both (``coach@group>``). A link button is numbered like the others; pressing
a ``t.me/<bot>?start=...`` link opens your private chat and sends ``/start <payload>`` there,
as Telegram does.

Buttons keep their numbers: every button still on a message (its keyboard not removed by an
edit) of the last few messages that have buttons is numbered, the newest message's one a line,
the older ones' on a line each, so a question pushed up by later ones can still be answered. A
number stays with its button while it is shown; a number is given again only once its button
is gone (its keyboard removed, or its message no longer among the last few).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from telegram import Update
from telegram.ext import Application

from bot.application import build_application
from bot.devtools.local_api import (
    LOCAL_TOKEN,
    ApiCall,
    ChatMessage,
    LocalBotAPI,
    LocalUser,
    _ApiError,
)
from bot.lifecycle import running
from bot.scheduler import tick
from bot.settings import Settings
from conversations.services import services_of

_BOLD, _ITALIC, _DIM, _RESET = "\033[1m", "\033[3m", "\033[2m", "\033[0m"


@dataclass(frozen=True)
class Persona:
    """Someone the terminal user can be: ``/as <key>``."""

    key: str
    user_id: int
    first_name: str
    role: str


ATHLETE = Persona("athlete", 1, "Alex", "an athlete")
COACH = Persona("coach", 2, "Casey", "the coach, an admin of the group")
FRIEND = Persona("friend", 3, "Jo", "a second athlete")
PERSONAS = {persona.key: persona for persona in (ATHLETE, COACH, FRIEND)}
USER_ID = ATHLETE.user_id

# The team's group: a supergroup (their ids are -100...), the coach its admin.
GROUP_ID = -1001234567890
GROUP_TITLE = "Riverside Runners"

# How many messages with buttons, newest first, have their buttons numbered in a chat.
NUMBERED_MESSAGES = 3

HELP = (
    "You are {athlete}, an athlete. To try a coach's team: /as coach, then /group (the group "
    f"chat {GROUP_TITLE}, where the coach is an admin) and /team there. /as athlete or "
    "/as friend switches back to an athlete, /private goes back to the private chat. "
    "/buttons lists every button you can still press, older messages' too. "
    "/wait 2d (or 3h) moves the clock forward, to the next check-in or session."
)

#: ``/wait``: how far the clock may move at once, and the scheduler's step on the way.
WAIT_AT_MOST = timedelta(days=60)
WAIT_STEP = timedelta(hours=1)
_WAIT = re.compile(r"^(\d{1,4})\s*([dhm])$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_wait(text: str) -> timedelta | None:
    """``2d``, ``3h``, ``30m``: how long ``/wait`` moves the clock; None for anything else (or
    nothing, or more than ``WAIT_AT_MOST``)."""
    found = _WAIT.match(text.strip().lower())
    if found is None:
        return None
    length = int(found.group(1)) * _UNITS[found.group(2)]
    return length if timedelta(0) < length <= WAIT_AT_MOST else None


class MovableClock:
    """The real time plus however far ``/wait`` moved it: the chat's clock."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, length: timedelta) -> None:
        self.offset += length


def to_terminal(text: str, *, colour: bool) -> str:
    """Telegram HTML to terminal text: bold and italic as ANSI styles, other tags dropped,
    entities decoded."""
    bold, italic, reset = (_BOLD, _ITALIC, _RESET) if colour else ("", "", "")
    text = re.sub(r"</?b>", lambda m: reset if m.group(0).startswith("</") else bold, text)
    text = re.sub(r"</?i>", lambda m: reset if m.group(0).startswith("</") else italic, text)
    # Any other tag (code, links, spoilers) as its plain text: in Telegram's HTML a "<" that is
    # not a tag must be written &lt;, so whatever looks like a tag is one.
    text = re.sub(r"<[^<>]+>", "", text)
    return html.unescape(text)


def deep_link_payload(url: str, bot_username: str) -> str | None:
    """The ``start`` payload of a ``https://t.me/<bot>?start=<payload>`` link to this bot
    ("" for a link to the bot without one); None for any other link."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http", "tg") or parts.netloc.lower() not in (
        "t.me",
        "telegram.me",
    ):
        return None
    if parts.path.strip("/").lower() != bot_username.lower():
        return None
    return parse_qs(parts.query).get("start", [""])[0]


class TerminalBotAPI(LocalBotAPI):
    """The in-memory Bot API, knowing the terminal's people and group: names and titles in
    chats, and getChatMember answered for the group (the coach is its admin)."""

    def chat_dict(self, chat_id: int) -> dict[str, Any]:
        if chat_id == GROUP_ID:
            return {"id": GROUP_ID, "type": "supergroup", "title": GROUP_TITLE}
        for persona in PERSONAS.values():
            if chat_id == persona.user_id:
                return {"id": chat_id, "type": "private", "first_name": persona.first_name}
        return super().chat_dict(chat_id)

    def _getChatMember(self, params: dict[str, Any]) -> tuple[Any, None]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        if chat_id != GROUP_ID:
            fallback = getattr(super(), "_getChatMember", None)
            if fallback is None:
                raise _ApiError("Bad Request: chat not found")
            result: tuple[Any, None] = fallback(params)
            return result
        return group_member(user_id, self.bot_user), None


def group_member(user_id: int, bot_user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember of the terminal's group, as Telegram's getChatMember gives it."""
    if user_id == bot_user["id"]:
        return {"status": "member", "user": bot_user}
    persona = next((p for p in PERSONAS.values() if p.user_id == user_id), None)
    if persona is None:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        return {"status": "left", "user": user}
    user = {"id": user_id, "is_bot": False, "first_name": persona.first_name}
    if persona is not COACH:
        return {"status": "member", "user": user}
    rights = (
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_pin_messages",
    )
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "is_anonymous": False,
        "can_promote_members": False,
        **{right: True for right in rights},
    }


@dataclass
class Button:
    """A numbered button: inline (callback data or a link) or on the reply keyboard."""

    label: str
    message: ChatMessage | None = None
    data: str | None = None
    url: str | None = None
    mini_app: bool = False  # the url opens a Mini App inside Telegram (a web_app button)

    @property
    def key(self) -> tuple[object, ...]:
        """What the button is, for keeping its number: the same button on the same message
        (edited or not), or the same label on the reply keyboard."""
        if self.message is None:
            return ("reply", self.label)
        return ("inline", self.message.message_id, self.label, self.data, self.url)


class ButtonNumbers:
    """The numbered buttons of one chat: numbers kept while their buttons last."""

    def __init__(self) -> None:
        self.by_number: dict[int, Button] = {}

    def update(self, buttons: list[Button]) -> None:
        """The chat's buttons now, in order: known ones keep their numbers, gone ones give
        theirs up, new ones take the lowest free."""
        kept = {button.key: number for number, button in self.by_number.items()}
        numbered: dict[int, Button] = {}
        new: list[Button] = []
        for button in buttons:
            number = kept.get(button.key)
            if number is None or number in numbered:
                new.append(button)
            else:
                numbered[number] = button  # the fresh Button: an edit's latest message
        free = (n for n in itertools.count(1) if n not in numbered)
        for button in new:
            numbered[next(free)] = button
        self.by_number = numbered

    def number_of(self, button: Button) -> int:
        return next(n for n, b in self.by_number.items() if b.key == button.key)


class TerminalChat:
    """Prints what the bot sends and keeps the numbered buttons the user can press; knows who
    the user plays and in which chat they type."""

    def __init__(
        self,
        api: LocalBotAPI,
        *,
        colour: bool,
        application: Application | None = None,  # type: ignore[type-arg]
        advance: Callable[[timedelta], None] | None = None,
        language_code: str | None = None,
    ) -> None:
        self.api = api
        self.language_code = language_code  # the players' Telegram apps' (--lang)
        self.advance = advance  # moves the application's clock (``/wait``)
        self.colour = colour
        self.application = application
        self.persona = ATHLETE
        self.in_group = False
        self.numbers: dict[int, ButtonNumbers] = {}
        self.opened: set[int] = set()  # chats entered: private chats started, the group joined
        self._update_ids = itertools.count(1_000_000)
        api.listeners.append(self.on_call)

    # --- Where the user is -----------------------------------------------------------------

    @property
    def chat_id(self) -> int:
        return GROUP_ID if self.in_group else self.persona.user_id

    @property
    def buttons(self) -> dict[int, Button]:
        """The buttons the user can press where they are, by number."""
        numbers = self.numbers.get(self.chat_id)
        return {} if numbers is None else numbers.by_number

    def prompt(self) -> str:
        return f"{self.persona.key}@{'group' if self.in_group else 'private'}> "

    def user(self) -> LocalUser:
        assert self.application is not None
        return LocalUser(
            self.application,
            self.api,
            self.persona.user_id,
            first_name=self.persona.first_name,
            chat_id=self.chat_id,
            language_code=self.language_code,
        )

    def _elsewhere(self, chat_id: int) -> str:
        """Where a message you are not looking at went, and how to get there."""
        if chat_id == GROUP_ID:
            return f"(in the group {GROUP_TITLE}; /group to be there)"
        for persona in PERSONAS.values():
            if persona.user_id == chat_id:
                return (
                    f"(to {persona.first_name}, the {persona.key}, in their private chat; "
                    f"/as {persona.key} and /private to be there)"
                )
        return f"(in chat {chat_id})"

    # --- What the bot sends ----------------------------------------------------------------

    def on_call(self, call: ApiCall, message: ChatMessage | None) -> None:
        if message is None:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                print(f"  ({call.params['text']})")
            return
        prefix = "✎ (edited) " if call.method.startswith("edit") else ""
        if message.photo:
            prefix += "[picture] "
        if message.document is not None:
            name, content = message.document
            prefix += f"[file {name}, {len(content):,} bytes] "
        if message.chat_id != self.chat_id:
            # Someone else's chat (a coach's alert while you play the athlete): shown, marked.
            self._dim(f"\n{self._elsewhere(message.chat_id)}")
        print(f"\n{prefix}{to_terminal(message.text, colour=self.colour)}")
        self._number_buttons(message.chat_id)
        if message.chat_id == self.chat_id:
            self._show_buttons(message)

    def _number_buttons(self, chat_id: int) -> None:
        """Number the chat's buttons as they are now (after every message and edit, in any
        chat, so numbers do not depend on where the user was looking)."""
        buttons = [
            button for message in self._numbered_messages(chat_id) for button in _inline(message)
        ]
        self.numbers.setdefault(chat_id, ButtonNumbers()).update(
            buttons + self._reply_buttons(chat_id)
        )

    def _numbered_messages(self, chat_id: int) -> list[ChatMessage]:
        """The last few bot messages of the chat that still have buttons, oldest first."""
        with_buttons = [m for m in self.api.bot_messages(chat_id) if _inline(m)]
        return with_buttons[-NUMBERED_MESSAGES:]

    def _reply_buttons(self, chat_id: int) -> list[Button]:
        keyboard = self.api.reply_keyboards.get(chat_id) or {}
        return [
            Button(button["text"] if isinstance(button, dict) else str(button))
            for row in keyboard.get("keyboard", [])
            for button in row
            if not (isinstance(button, dict) and button.get("request_location"))
        ]

    def _show_buttons(self, current: ChatMessage | None = None, *, full: bool = False) -> None:
        """The numbered buttons where the user is: those of ``current`` (the message just
        shown) a line each; then older messages' (still numbered), a line per message with a
        few of its words and its numbers (``full``: with their labels too, as ``/buttons``
        lists them); then the reply keyboard's."""
        keyboard = self.api.reply_keyboards.get(self.chat_id) or {}
        if any(
            isinstance(button, dict) and button.get("request_location")
            for row in keyboard.get("keyboard", [])
            for button in row
        ):
            print("  (to share a location, type: /location 52.52 13.40)")
        numbers = self.numbers.get(self.chat_id)
        if numbers is None:
            return
        for message in self._numbered_messages(self.chat_id):
            if current is not None and message.message_id == current.message_id:
                continue
            buttons = _inline(message)
            if full:
                print(f"  ↑ «{_snippet(message.text)}»:")
                shown = [self._numbered(numbers, b, link=False) for b in buttons]
                for line in _pack(shown):
                    print(f"      {line}")
            else:
                spans = _spans(sorted(numbers.number_of(b) for b in buttons))
                self._dim(f"  ↑ «{_snippet(message.text)}» {spans}")
        if current is not None:
            for button in _inline(current):
                print(f"  {self._numbered(numbers, button, link=True)}")
        for button in self._reply_buttons(self.chat_id):
            print(f"  {self._numbered(numbers, button, link=False)}")

    @staticmethod
    def _numbered(numbers: ButtonNumbers, button: Button, *, link: bool) -> str:
        target = f" → {button.url}" if link and button.url else ""
        if button.mini_app:
            target = f" → Mini App {button.url}"
        return f"[{numbers.number_of(button)}] {button.label}{target}"

    def _dim(self, text: str) -> None:
        print(f"{_DIM}{text}{_RESET}" if self.colour else text)

    # --- What the user does ----------------------------------------------------------------

    async def act(self, line: str) -> None:
        words = line.split()
        if words[0] == "/as":
            await self.switch_persona(words[1] if len(words) == 2 else "")
        elif words == ["/group"]:
            await self.enter(group=True)
        elif words == ["/private"]:
            await self.enter(group=False)
        elif words == ["/buttons"]:
            self._show_buttons(full=True)
        elif words[0] == "/wait":
            await self.wait(" ".join(words[1:]))
        elif (location := _parse_location(line)) is not None:
            await self.user().send_location(*location)
        elif line.isdigit() and int(line) in self.buttons:
            await self.press(self.buttons[int(line)])
        else:
            await self.user().send(line)

    async def wait(self, text: str) -> None:
        """``/wait 2d``: the clock moves forward an hour at a time, the scheduler ticking after
        each step, so what falls due on the way (check-ins, sessions) is sent as it would be."""
        length = parse_wait(text)
        if length is None or self.advance is None or self.application is None:
            self._dim("(/wait 2d, /wait 3h or /wait 30m: moves the clock forward, 60 days at most)")
            return
        svc = services_of(self.application.bot_data)
        left = length
        while left > timedelta(0):
            step = min(WAIT_STEP, left)
            self.advance(step)
            left -= step
            await tick(self.application)
        self._dim(f"(The clock is now {svc.now():%a %d %b %Y, %H:%M} UTC.)")

    async def press(self, button: Button) -> None:
        if button.mini_app:
            self._dim(f"(in Telegram this opens a Mini App inside the chat: {button.url})")
        elif button.url is not None:
            await self.open_link(button.url)
        elif button.message is None:
            await self.user().send(button.label)  # a reply-keyboard button sends its label
        else:
            await self.user().press_data(button.data or "", button.message)

    async def open_link(self, url: str) -> None:
        """A link button: a deep link to this bot opens the private chat with ``/start``."""
        payload = deep_link_payload(url, str(self.api.bot_user["username"]))
        if payload is None:
            self._dim(f"(a link outside Telegram: {url})")
            return
        self._dim(f"(the link opens {self.persona.first_name}'s private chat with the bot)")
        self.in_group = False
        start = f"/start {payload}".strip()
        if self.chat_id in self.opened and not payload:
            self._show_place()
            return
        self.opened.add(self.chat_id)
        await self.user().send(start)

    async def switch_persona(self, key: str) -> None:
        persona = PERSONAS.get(key.lower())
        if persona is None:
            choices = ", ".join(
                f"/as {p.key} ({p.first_name}, {p.role})" for p in PERSONAS.values()
            )
            print(f"Who? {choices}.")
            return
        self.persona = persona
        await self.enter(group=self.in_group)

    async def enter(self, *, group: bool) -> None:
        """Type in the group or in the current person's private chat from now on."""
        self.in_group = group
        self._show_place()
        if self.chat_id in self.opened:
            if self.buttons:
                self._dim("(buttons here:)")
                messages = self._numbered_messages(self.chat_id)
                self._show_buttons(messages[-1] if messages else None)
            return
        self.opened.add(self.chat_id)
        if group:
            self._dim(f"({COACH.first_name}, the coach, adds the bot to {GROUP_TITLE}.)")
            await self._bot_added_to_group()
        else:
            self._dim(f"({self.persona.first_name} opens the bot's private chat: /start)")
            await self.user().send("/start")

    def _show_place(self) -> None:
        self._dim(
            f"(You are {self.persona.first_name}, {self.persona.role}, in "
            f"{'the group ' + GROUP_TITLE if self.in_group else 'your private chat with the bot'}.)"
        )

    async def _bot_added_to_group(self) -> None:
        """Telegram's my_chat_member update: the coach added the bot to the group."""
        assert self.application is not None
        coach = {"id": COACH.user_id, "is_bot": False, "first_name": COACH.first_name}
        change = {
            "chat": self.api.chat_dict(GROUP_ID),
            "from": coach,
            "date": self.api._now(),
            "old_chat_member": {"status": "left", "user": self.api.bot_user},
            "new_chat_member": {"status": "member", "user": self.api.bot_user},
        }
        payload = {"update_id": next(self._update_ids), "my_chat_member": change}
        update = Update.de_json(payload, self.application.bot)
        assert update is not None
        await self.application.process_update(update)


CHAT_DB_NAME = "crampcoach-chat.sqlite3"


async def chat(
    settings: Settings, *, colour: bool | None = None, language_code: str | None = None
) -> None:
    """The terminal chat, on a fresh database of its own in a temporary folder, removed when it
    ends: never ``settings.db_path`` (CRAMPCOACH_DB_PATH), whatever it says. The chat runs the
    scheduler like the bot, so on a bot's database it would send real athletes' check-ins to
    the terminal and mark them sent; and the terminal's people would mix with real users."""
    ignored = settings.db_path if "db_path" in settings.model_fields_set else None
    with tempfile.TemporaryDirectory(prefix="crampcoach-chat-") as folder:
        own = settings.model_copy(update={"db_path": Path(folder) / CHAT_DB_NAME})
        await _chat(own, colour=colour, ignored=ignored, language_code=language_code)


async def _chat(
    settings: Settings, *, colour: bool | None, ignored: Path | None, language_code: str | None
) -> None:
    api = TerminalBotAPI()
    clock = MovableClock()
    application = build_application(settings, request=api, token=LOCAL_TOKEN, clock=clock)
    terminal = TerminalChat(
        api,
        colour=sys.stdout.isatty() if colour is None else colour,
        application=application,
        advance=clock.advance,
        language_code=language_code,
    )
    if ignored is not None:
        terminal._dim(
            f"(CRAMPCOACH_DB_PATH={ignored} is not used: the terminal chat never touches a "
            "bot's database.)"
        )
    terminal._dim(
        "CrampCoach in your terminal, on a fresh database of its own, deleted when you leave. "
        "Type like in Telegram; a number presses a button; /quit leaves.\n"
        + HELP.format(athlete=ATHLETE.first_name)
    )
    async with running(application):
        terminal.opened.add(ATHLETE.user_id)
        await terminal.user().send("/start")
        while True:
            line = await asyncio.to_thread(_read_line, terminal.prompt())
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            if line.strip():
                await terminal.act(line.strip())
            # Let job-queue edits (the countdown) print before the next prompt.
            await asyncio.sleep(0)


def _inline(message: ChatMessage) -> list[Button]:
    """A message's pressable inline buttons (callback data, a link or a Mini App)."""
    return [
        Button(
            b["text"],
            message,
            data=b.get("callback_data"),
            url=b["web_app"]["url"] if "web_app" in b else b.get("url"),
            mini_app="web_app" in b,
        )
        for b in message.inline_buttons
        if "callback_data" in b or "url" in b or "web_app" in b
    ]


def _snippet(text: str, length: int = 40) -> str:
    """The first words of a message, on one line, to say which message older buttons are on."""
    plain = " ".join(to_terminal(text, colour=False).split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"


def _spans(numbers: list[int]) -> str:
    """``[2]-[9] [12]``: sorted numbers, runs shortened."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return " ".join(f"[{r[0]}]-[{r[-1]}]" if len(r) > 1 else f"[{r[0]}]" for r in runs)


def _pack(items: list[str], width: int = 72) -> list[str]:
    """Items joined by " · " on as few lines of about ``width`` characters as fit them."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 3 + len(item) <= width:
            lines[-1] += f" · {item}"
        else:
            lines.append(item)
    return lines


def _parse_location(line: str) -> tuple[float, float] | None:
    """``/location LAT LON``: the terminal's stand-in for Telegram's share-location button."""
    parts = line.split()
    if len(parts) != 3 or parts[0] != "/location":
        return None
    try:
        return float(parts[1]), float(parts[2])
    except ValueError:
        return None


def _read_line(prompt: str = "> ") -> str | None:
    try:
        return input(f"\n{prompt}")
    except EOFError:
        return None
