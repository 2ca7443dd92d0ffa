"""An in-memory Telegram Bot API, for ``python -m bot chat`` and for the tests.

:class:`LocalBotAPI` is a python-telegram-bot ``BaseRequest``: the real ``Bot`` and
``Application`` talk to it exactly as to Telegram, but nothing leaves the process. It keeps the
chats' messages (with their edits and buttons), answers the methods the bot uses, and can be
told to fail a method the way Telegram and networks do (a 403 for a blocked user, a 429 with
retry_after for one chat, a 5xx, a connection refused, a reply lost to a read timeout), and to
answer after a delay (a round trip), for tests and benchmarks.

:class:`LocalUser` plays a Telegram user: it turns "send this text" or "press that button" into
real ``Update`` objects and hands them to the application.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "CrampCoachLocalBot"
LOCAL_TOKEN = f"{BOT_ID}:local-api-needs-no-real-token-xxxxxxxxxx"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    # Uploaded files by field name (a document's JSON, a picture): (file name, bytes).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class ChatMessage:
    """A message as the local server keeps it: the latest text and buttons, and past texts."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    from_bot: bool
    date: int
    edits: list[str] = field(default_factory=list)
    photo: bool = False
    document: tuple[str, bytes] | None = None  # (file name, content) of a sent document

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [button for row in self.reply_markup["inline_keyboard"] for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for button in self.inline_buttons]

    def to_api(self, bot_user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat,
            "from": bot_user,
        }
        if self.photo:
            data["photo"] = [
                {
                    "file_id": f"photo{self.message_id}",
                    "file_unique_id": f"u{self.message_id}",
                    "width": 1000,
                    "height": 600,
                }
            ]
            if self.text:
                data["caption"] = self.text
        elif self.document is not None:
            name, content = self.document
            data["document"] = {
                "file_id": f"document{self.message_id}",
                "file_unique_id": f"d{self.message_id}",
                "file_name": name,
                "file_size": len(content),
            }
            if self.text:
                data["caption"] = self.text
        else:
            data["text"] = self.text
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edits:
            data["edit_date"] = self.date
        return data


@dataclass
class Fault:
    """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

    ``kind`` says how: ``"answer"`` (the default) answers with ``error_code`` and
    ``description`` (and ``retry_after`` for a 429); ``"connect"`` fails as a refused connection
    does over HTTP (the request never reached the server); ``"read_timeout"`` handles the request
    (the message is delivered) and then times out as if the answer were lost on the way back.
    """

    method: str
    error_code: int = 0
    description: str = ""
    times: int = 1
    chat_id: int | None = None
    retry_after: int | None = None
    kind: Literal["answer", "connect", "read_timeout"] = "answer"
    # Also: "read": the call is carried out, then its answer is lost (httpx.ReadTimeout: the
    # message was delivered); "connect": it never arrives (httpx.ConnectTimeout). Both raise
    # TimedOut.
    timeout: str | None = None


class LocalBotAPI(BaseRequest):
    """Answers Bot API calls in memory. Listeners see every call (the terminal prints them)."""

    def __init__(
        self,
        *,
        bot_username: str = BOT_USERNAME,
        bot_id: int = BOT_ID,
        keep_calls: bool = True,
        keep_messages: int | None = None,
    ) -> None:
        """``keep_calls=False`` and ``keep_messages=N`` (the last N per chat) bound the memory
        the server itself uses, for long benchmarks."""
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "CrampCoach",
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self.messages: dict[int, list[ChatMessage]] = {}
        self.reply_keyboards: dict[int, dict[str, Any] | None] = {}
        # setMyCommands by scope (its JSON, keys sorted: menu_key); the profile's descriptions.
        self.commands: dict[str, list[dict[str, Any]]] = {}
        # setMyDescription and setMyShortDescription for apps in one language, by its code.
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        # setChatMenuButton, by chat: the button's JSON ({"type": "default"} once reset).
        self.menu_buttons: dict[int, dict[str, Any]] = {}
        self.description = ""
        self.short_description = ""
        self.answered_queries: dict[str, str | None] = {}
        self.faults: list[Fault] = []
        self.keep_calls = keep_calls
        self.keep_messages = keep_messages
        self.listeners: list[Callable[[ApiCall, ChatMessage | None], None]] = []
        # Awaited before a call is answered: a network round trip, a slow server, a gate.
        self.delay: Callable[[ApiCall], Awaitable[None]] | None = None
        self._message_ids = itertools.count(1)
        self._clock: Callable[[], float] = time.time
        # Groups and channels: who administers each (getChatMember), channels' @usernames
        # (getChat), and chats whose type is set by hand (a basic group before its migration).
        self.admins: dict[int, set[int]] = {}
        self.creators: dict[int, int] = {}
        self.channels: dict[str, int] = {}
        self.chat_types: dict[int, str] = {}
        self.chat_titles: dict[int, str] = {}
        # getUpdates: updates waiting for the bot; a fetch with an offset confirms those below.
        self.incoming_updates: list[dict[str, Any]] = []
        # setWebhook's parameters (None: no webhook, updates go to getUpdates).
        self.webhook: dict[str, Any] | None = None

    # --- BaseRequest -----------------------------------------------------------------------

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if api_method == "getUpdates" and not self._updates_after(params):
            await asyncio.sleep(0.005)  # a long poll with nothing to fetch: don't spin
        call = ApiCall(api_method, params, _files_of(request_data))
        if self.keep_calls:
            self.calls.append(call)
        if self.delay is not None:
            await self.delay(call)
        fault = self._take_fault(api_method, params)
        if fault is not None and fault.timeout == "connect":
            raise TimedOut() from httpx.ConnectTimeout("connect timed out")
        if fault is not None and (fault.timeout == "read" or fault.kind == "read_timeout"):
            self._carry_out(call, api_method, params)  # done on the server, the answer lost
            raise TimedOut() from httpx.ReadTimeout("read timed out")
        if fault is not None and fault.kind == "connect":
            # What python-telegram-bot's HTTPXRequest raises when no connection could be made.
            cause = httpx.ConnectError("[Errno 111] Connection refused")
            raise NetworkError(f"httpx.ConnectError: {cause}") from cause
        if fault is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.error_code,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.error_code, json.dumps(body).encode()
        return self._carry_out(call, api_method, params)

    def _carry_out(
        self, call: ApiCall, api_method: str, params: dict[str, Any]
    ) -> tuple[int, bytes]:
        # Interned: Python's attribute cache keeps every name looked up, and a fresh string per
        # call stayed alive there, strewn across the allocator's memory (the memory benchmark).
        handler = getattr(self, sys.intern(f"_{api_method}"), None)
        if handler is None:
            error = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            return 404, json.dumps(error).encode()
        try:
            result, message = handler({**params, **call.files})
        except _ApiError as exc:
            error = {"ok": False, "error_code": 400, "description": exc.description}
            return 400, json.dumps(error).encode()
        for listener in self.listeners:
            listener(call, message)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- Test and terminal helpers ---------------------------------------------------------

    def fail(self, fault: Fault) -> None:
        self.faults.append(fault)

    def chat(self, chat_id: int) -> list[ChatMessage]:
        return self.messages.get(chat_id, [])

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        return [message for message in self.chat(chat_id) if message.from_bot]

    def last_bot_message(self, chat_id: int) -> ChatMessage:
        sent = self.bot_messages(chat_id)
        if not sent:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return sent[-1]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def chat_dict(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        kind = self.chat_types.get(chat_id, "supergroup")
        title = self.chat_titles.get(chat_id, f"Group {chat_id}")
        data: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        for username, channel_id in self.channels.items():
            if channel_id == chat_id:
                data |= {"username": username.lstrip("@")}
        return data

    def set_admins(self, chat_id: int, user_ids: set[int], *, creator: int | None = None) -> None:
        """Who getChatMember says administers ``chat_id`` (the creator is one of them too)."""
        self.admins[chat_id] = set(user_ids) | ({creator} if creator is not None else set())
        if creator is None:
            self.creators.pop(chat_id, None)
        else:
            self.creators[chat_id] = creator

    def add_channel(self, username: str, chat_id: int) -> None:
        """A channel getChat finds by its ``@username``."""
        self.channels[username] = chat_id
        self.chat_types[chat_id] = "channel"

    def add_incoming(self, chat_id: int, text: str) -> ChatMessage:
        """Record a message the user sent, so it has a message id like on Telegram."""
        message = ChatMessage(
            chat_id, next(self._message_ids), text, None, from_bot=False, date=self._now()
        )
        self._keep(chat_id, message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        for message in self.chat(chat_id):
            if message.message_id == message_id:
                return message
        return None

    # --- Bot API methods -------------------------------------------------------------------

    def _getMe(self, params: dict[str, Any]) -> tuple[Any, None]:
        return {**self.bot_user, "can_join_groups": True, "supports_inline_queries": False}, None

    def _setMyCommands(self, params: dict[str, Any]) -> tuple[Any, None]:
        commands = list(params.get("commands", []))
        if len(commands) > 100:
            raise _ApiError("Bad Request: too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError("Bad Request: command description is empty or too long")
        self.commands[_scope_key(params)] = commands
        return True, None

    def _deleteMyCommands(self, params: dict[str, Any]) -> tuple[Any, None]:
        self.commands.pop(_scope_key(params), None)
        return True, None

    def _setChatMenuButton(self, params: dict[str, Any]) -> tuple[Any, None]:
        button = params.get("menu_button") or {"type": "default"}
        if button.get("type") == "web_app":
            _check_web_app_url(str(button.get("web_app", {}).get("url", "")))
            if not 1 <= len(str(button.get("text", ""))) <= 64:
                raise _ApiError("Bad Request: BUTTON_TEXT_INVALID")
        self.menu_buttons[int(params["chat_id"])] = button
        return True, None

    def _setMyDescription(self, params: dict[str, Any]) -> tuple[Any, None]:
        description = str(params.get("description") or "")
        if len(description) > 512:
            raise _ApiError("Bad Request: description is too long")
        if params.get("language_code"):
            self.descriptions[str(params["language_code"])] = description
        else:
            self.description = description
        return True, None

    def _setMyShortDescription(self, params: dict[str, Any]) -> tuple[Any, None]:
        short_description = str(params.get("short_description") or "")
        if len(short_description) > 120:
            raise _ApiError("Bad Request: short description is too long")
        if params.get("language_code"):
            self.short_descriptions[str(params["language_code"])] = short_description
        else:
            self.short_description = short_description
        return True, None

    def menu(self, scope_type: str = "default", **scope: Any) -> list[str] | None:
        """The command names set for a scope (``menu("chat", chat_id=501)``); None if unset."""
        commands = self.commands.get(menu_key({"type": scope_type, **scope}))
        return None if commands is None else [str(c["command"]) for c in commands]

    def _getUpdates(self, params: dict[str, Any]) -> tuple[Any, None]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.incoming_updates = [u for u in self.incoming_updates if u["update_id"] >= offset]
        return self._updates_after(params)[: int(params.get("limit") or 100)], None

    def _updates_after(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        return [u for u in self.incoming_updates if u["update_id"] >= offset]

    def _deleteWebhook(self, params: dict[str, Any]) -> tuple[Any, None]:
        self.webhook = None
        return True, None

    def _setWebhook(self, params: dict[str, Any]) -> tuple[Any, None]:
        self.webhook = dict(params)
        return True, None

    def _sendChatAction(self, params: dict[str, Any]) -> tuple[Any, None]:
        return True, None

    def _getChat(self, params: dict[str, Any]) -> tuple[Any, None]:
        chat_id = self._chat_id(params["chat_id"])
        return {
            **self.chat_dict(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }, None

    def _getChatMember(self, params: dict[str, Any]) -> tuple[Any, None]:
        """From the admin table the test set: creator, administrator, or a plain member."""
        chat_id = self._chat_id(params["chat_id"])
        user_id = int(params["user_id"])
        user = (
            self.bot_user
            if user_id == self.bot_user["id"]
            else {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if self.creators.get(chat_id) == user_id:
            return {"user": user, "status": "creator", "is_anonymous": False}, None
        if user_id in self.admins.get(chat_id, set()):
            return {"user": user, "status": "administrator", **ADMIN_RIGHTS}, None
        return {"user": user, "status": "member"}, None

    def _answerCallbackQuery(self, params: dict[str, Any]) -> tuple[Any, None]:
        query_id = str(params["callback_query_id"])
        if query_id in self.answered_queries:
            raise _ApiError("Bad Request: query is too old and response timeout expired")
        self.answered_queries[query_id] = params.get("text")
        return True, None

    def _sendMessage(self, params: dict[str, Any]) -> tuple[Any, ChatMessage]:
        text = str(params.get("text", ""))
        if not 1 <= len(text) <= 4096:
            raise _ApiError("Bad Request: message text is empty or too long")
        _check_html(params, text)
        return self._store(params, text, photo=False)

    def _sendPhoto(self, params: dict[str, Any]) -> tuple[Any, ChatMessage]:
        caption = str(params.get("caption", ""))
        _check_html(params, caption)
        return self._store(params, caption, photo=True)

    def _sendDocument(self, params: dict[str, Any]) -> tuple[Any, ChatMessage]:
        """A document uploaded from memory; its bytes are kept (tests read an export back)."""
        caption = str(params.get("caption", ""))
        if len(caption) > 1024:
            raise _ApiError("Bad Request: message caption is too long")
        _check_html(params, caption)
        document = params.get("document")
        if not isinstance(document, tuple):
            raise _ApiError("Bad Request: there is no document in the request")
        if len(document[1]) > 50 * 1024 * 1024:
            raise _ApiError("Request Entity Too Large")
        _, message = self._store(params, caption, photo=False)
        message.document = document
        return message.to_api(self.bot_user, self.chat_dict(message.chat_id)), message

    def _editMessageText(self, params: dict[str, Any]) -> tuple[Any, ChatMessage]:
        message = self._message_for_edit(params)
        text = str(params["text"])
        _check_html(params, text)
        markup = params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            raise _ApiError(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        message.edits.append(message.text)
        message.text, message.reply_markup = text, markup
        return message.to_api(self.bot_user, self.chat_dict(message.chat_id)), message

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> tuple[Any, ChatMessage]:
        message = self._message_for_edit(params)
        message.reply_markup = params.get("reply_markup")
        return message.to_api(self.bot_user, self.chat_dict(message.chat_id)), message

    # --- Internals -------------------------------------------------------------------------

    def _store(self, params: dict[str, Any], text: str, *, photo: bool) -> tuple[Any, ChatMessage]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        message = ChatMessage(
            chat_id,
            next(self._message_ids),
            text,
            None,
            from_bot=True,
            date=self._now(),
            photo=photo,
        )
        if isinstance(markup, dict):
            if "inline_keyboard" in markup:
                for row in markup["inline_keyboard"]:
                    for button in row:
                        if "web_app" in button:
                            # Telegram: Mini App buttons only in private chats, https only.
                            if chat_id < 0:
                                raise _ApiError("Bad Request: BUTTON_TYPE_INVALID")
                            _check_web_app_url(str(button["web_app"].get("url", "")))
                message.reply_markup = markup
            elif "keyboard" in markup or "remove_keyboard" in markup:
                self.reply_keyboards[chat_id] = markup if "keyboard" in markup else None
        self._keep(chat_id, message)
        return message.to_api(self.bot_user, self.chat_dict(chat_id)), message

    def _message_for_edit(self, params: dict[str, Any]) -> ChatMessage:
        message = self.find_message(int(params["chat_id"]), int(params["message_id"]))
        if message is None or not message.from_bot:
            raise _ApiError("Bad Request: message to edit not found")
        return message

    def _keep(self, chat_id: int, message: ChatMessage) -> None:
        chat = self.messages.setdefault(chat_id, [])
        chat.append(message)
        if self.keep_messages is not None and len(chat) > self.keep_messages:
            del chat[: len(chat) - self.keep_messages]

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.method != method:
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    def _now(self) -> int:
        return int(self._clock())

    def _chat_id(self, value: Any) -> int:
        """A chat id, or a channel's ``@username`` (unknown ones: "chat not found")."""
        if isinstance(value, str) and value.startswith("@"):
            if value not in self.channels:
                raise _ApiError("Bad Request: chat not found")
            return self.channels[value]
        return int(value)


def menu_key(scope: dict[str, Any]) -> str:
    """How :attr:`LocalBotAPI.commands` names a scope: its JSON with sorted keys."""
    return json.dumps(scope, sort_keys=True)


def _scope_key(params: dict[str, Any]) -> str:
    """A scope's key; a menu for apps in one language is kept apart (``menu_key`` with
    ``language_code`` among the scope's fields)."""
    scope = dict(params.get("scope") or {"type": "default"})
    if params.get("language_code"):
        scope["language_code"] = str(params["language_code"])
    return menu_key(scope)


def _files_of(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    """The files a request uploads, by field name: (file name, content)."""
    if request_data is None or not request_data.contains_files:
        return {}
    files: dict[str, tuple[str, bytes]] = {}
    for name, value in request_data.multipart_data.items():
        filename, content = value[0], value[1]
        data = content if isinstance(content, bytes) else content.read()
        files[name] = (str(filename), bytes(data))
    return files


# What getChatMember says of an administrator's rights (every field Telegram sends).
ADMIN_RIGHTS: dict[str, Any] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}

# Telegram's HTML: these tags; any other "<" fails the whole message.
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
    | {"span", "tg-spoiler", "tg-emoji", "blockquote"}
)
_TAG = re.compile(r"<(/?)([a-z-]+)(?:\s[^<>]*)?>")


def _check_html(params: dict[str, Any], text: str) -> None:
    """Reject what Telegram's HTML parser surely rejects: a "<" that opens no supported tag,
    a tag closed out of order or never closed. (Telegram is lenient with a bare "&" or ">".)"""
    if params.get("parse_mode") != "HTML":
        return
    open_tags: list[str] = []
    position = text.find("<")  # from one "<" to the next: Telegram's parsing, not the bot's
    while position != -1:
        tag = _TAG.match(text, position)
        if tag is None or tag.group(2) not in _HTML_TAGS:
            raise _ApiError(f"Bad Request: can't parse entities: unsupported tag at {position}")
        closing, name = tag.group(1) == "/", tag.group(2)
        if closing:
            if not open_tags or open_tags.pop() != name:
                raise _ApiError(f"Bad Request: can't parse entities: unexpected </{name}>")
        else:
            open_tags.append(name)
        position = text.find("<", tag.end())
    if open_tags:
        raise _ApiError(f"Bad Request: can't parse entities: <{open_tags[-1]}> not closed")


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class LocalUser:
    """A Telegram user talking to the bot in a private chat (or in a group, with ``chat_id``)."""

    _update_ids = itertools.count(1)
    _query_ids = itertools.count(1)

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        api: LocalBotAPI,
        user_id: int,
        *,
        first_name: str = "Alex",
        chat_id: int | None = None,
        via_get_updates: bool = False,
        language_code: str | None = None,
    ) -> None:
        self.application = application
        # True: updates wait in ``api.incoming_updates`` for getUpdates, as on Telegram.
        self.via_get_updates = via_get_updates
        self.api = api
        self.user_id = user_id
        self.chat_id = user_id if chat_id is None else chat_id
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:  # the language of the user's app ("de", "pt-br")
            self.user["language_code"] = language_code
        # True: updates go into the application's update queue, as the updater puts them, and
        # the user does not wait for them to be handled.
        self.through_queue = False

    @classmethod
    def next_update_id(cls) -> int:
        """An update id after every one delivered so far (Telegram's ids only grow)."""
        return next(cls._update_ids)

    # What the user does ---------------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Type and send a text (a command if it starts with /)."""
        message = self._incoming_message(text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._deliver({"message": message})

    async def send_sticker(self) -> None:
        sticker = {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        await self._deliver({"message": self._incoming_message(sticker=sticker)})

    async def send_photo(self) -> None:
        photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]
        await self._deliver({"message": self._incoming_message(photo=photo)})

    async def send_voice(self) -> None:
        voice = {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}
        await self._deliver({"message": self._incoming_message(voice=voice)})

    async def send_location(self, latitude: float, longitude: float) -> None:
        location = {"latitude": latitude, "longitude": longitude}
        await self._deliver({"message": self._incoming_message(location=location)})

    async def press(self, label: str) -> None:
        """Press the newest button with this label in the chat."""
        for message in reversed(self.api.bot_messages(self.chat_id)):
            for button in message.inline_buttons:
                if button["text"] == label and "callback_data" in button:
                    await self.press_data(button["callback_data"], message)
                    return
        raise LookupError(f"no button {label!r} in chat {self.chat_id}")

    async def press_data(self, data: str, message: ChatMessage | None = None) -> str:
        """Press a button with any callback data (a forged or stale one, too)."""
        message = message or self.api.last_bot_message(self.chat_id)
        query_id = str(next(self._query_ids))
        query = {
            "id": query_id,
            "from": self.user,
            "chat_instance": f"ci{self.chat_id}",
            "data": data,
            "message": message.to_api(self.api.bot_user, self.api.chat_dict(self.chat_id)),
        }
        await self._deliver({"callback_query": query})
        return query_id

    # Internals ------------------------------------------------------------------------------

    def _incoming_message(self, **content: Any) -> dict[str, Any]:
        stored = self.api.add_incoming(self.chat_id, str(content.get("text", "")))
        return {
            "message_id": stored.message_id,
            "date": stored.date,
            "chat": self.api.chat_dict(self.chat_id),
            "from": self.user,
            **content,
        }

    async def _deliver(self, payload: dict[str, Any]) -> None:
        data = {"update_id": next(self._update_ids), **payload}
        if self.via_get_updates:
            self.api.incoming_updates.append(data)
            return
        update = Update.de_json(data, self.application.bot)
        assert update is not None
        if self.through_queue:
            await self.application.update_queue.put(update)
            return
        # Through the application's update processor, as updates from Telegram go: in order
        # within the chat, beside other chats' updates.
        application = self.application
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        # What the update committed is sent by the outbox sender: wait for it, as a person
        # waits for the reply.
        settled = getattr(application, "settled", None)
        if settled is not None:
            await settled()


def _check_web_app_url(url: str) -> None:
    """Telegram opens a Mini App only at an https URL."""
    if not url.startswith("https://"):
        raise _ApiError(
            "Bad Request: inline keyboard button Web App URL is invalid: "
            "Only HTTPS links are allowed"
        )
