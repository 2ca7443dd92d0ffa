"""Random updates thrown at the real Application, through the inbox (property-based).

Each example is a short story of updates from two athletes (one with a recovery plan, so
the scheduler's check-ins join in as time passes) and a team group: random unicode
and very long text, every kind of message, edited messages, presses of real buttons, forged
and oversized callback data, unknown chat types, commands with junk arguments, my_chat_member
changes and update ids delivered twice. Each goes through the inbox as Telegram would deliver
it (kept, de-duplicated, handed to the application). After each story:

- no handler raised: the error handler saw nothing, nothing was logged at ERROR;
- every private message and every button press got its answer (once per update id);
- nothing sent breaks Telegram's limits (4096 characters of text, 1024 of a caption, 64
  bytes of callback data, 200 characters of a callback answer);
- ``PRAGMA integrity_check`` says ok and no inbox row is left unfinished.

The run is bounded and deterministic (``derandomize``), so CI sees the same examples.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from bot.application import CrampCoachApplication, build_application
from bot.devtools.local_api import BOT_USERNAME, LOCAL_TOKEN, LocalBotAPI
from bot.lifecycle import running
from bot.scheduler import tick
from bot.settings import Settings
from conversations.commands import COMMANDS
from conversations.services import services_of
from conversations.texts import common
from tests.conftest import FAST, FakeClock
from tests.plan_helpers import seed_active_plans

USERS = (1001, 1002)
GROUP = -100_4242
TEXT_LIMIT, CAPTION_LIMIT, DATA_LIMIT, ANSWER_LIMIT = 4096, 1024, 64, 200

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- What users do -----------------------------------------------------------------------

unicode_text = st.text(min_size=0, max_size=60) | st.text(min_size=4000, max_size=5000)
command_names = st.sampled_from([name for name, _ in COMMANDS] + ["foo", "start", "cramp"])
junk_args = st.sampled_from(["", " sos", " junk", " sos extra", " " + "x" * 300, " \u202e"])
addressee = st.sampled_from(["", "@" + BOT_USERNAME, "@OtherBot", "@"])
command_text = st.builds(lambda n, a, j: f"/{n}{a}{j}", command_names, addressee, junk_args)
typed_text = (
    unicode_text
    | command_text
    | st.sampled_from(
        [
            common.SOS_BUTTON,
            "my calf is cramping",
            "3",
            "11",
            "-1",
            "08:30",
            "25:00",
            "Europe/Berlin",
            "localtime",
            "../../etc/passwd",
            "Tokyo",
            "none",
            "0",
        ]
    )
)
chat_kinds = st.sampled_from(
    ["private", "private", "private", "group", "supergroup", "channel", "secret_chat_of_the_future"]
)
message_kinds = st.sampled_from(
    [
        "text",
        "text",
        "text",
        "sticker",
        "photo",
        "voice",
        "location",
        "contact",
        "document",
        "dice",
        "venue",
        "poll",
        "new_chat_members",
        "edited",
    ]
)
scheme_parts = st.sampled_from(
    [
        "sos",
        "plan",
        "ci",
        "flag",
        "context",
        "muscle",
        "relief",
        "eased",
        "not_yet",
        "pain",
        "yday",
        "warn",
        "snooze",
        "offer",
        "start",
        "time",
        "zone",
        "none",
        "calf",
        "yes",
        "no",
    ]
)
forged_data = (
    st.builds(
        lambda f, r, s, c: f"{f}:{r}:{s}:{c}",
        scheme_parts,
        st.integers(min_value=0, max_value=10**18),
        scheme_parts,
        scheme_parts | st.integers(0, 12).map(str),
    )
    | st.text(max_size=80)
    | st.just("x" * 65)
    | st.just("sos:1:flag:none" + "🙂" * 20)
    | st.none()
)


@dataclass(frozen=True)
class Action:
    kind: str  # "message", "press", "forged", "member", "repeat", "tick"
    user: int
    chat: str = "private"
    message_kind: str = "text"
    text: str = ""
    pick: int = 0
    data: str | None = None
    lat: float = 0.0
    lon: float = 0.0


presses = st.builds(
    Action, kind=st.just("press"), user=st.sampled_from(USERS), pick=st.integers(0, 1000)
)
actions = st.one_of(
    presses,  # real buttons, weighted up: they are what moves flows and check-ins along
    presses,
    st.builds(
        Action,
        kind=st.just("message"),
        user=st.sampled_from(USERS),
        chat=chat_kinds,
        message_kind=message_kinds,
        text=typed_text,
        lat=st.floats(-200, 200, allow_nan=False),
        lon=st.floats(-200, 200, allow_nan=False),
    ),
    st.builds(
        Action,
        kind=st.just("forged"),
        user=st.sampled_from(USERS),
        chat=chat_kinds,
        data=forged_data,
    ),
    st.builds(
        Action,
        kind=st.just("member"),
        user=st.sampled_from(USERS),
        text=st.sampled_from(["kicked", "member"]),
    ),
    st.builds(Action, kind=st.just("repeat"), user=st.sampled_from(USERS)),
    # Time passes and the scheduler runs: check-ins, reminders and pauses join the story.
    st.builds(Action, kind=st.just("tick"), user=st.just(USERS[1]), pick=st.integers(1, 30)),
)
# Each story starts with a /cramp so that real buttons exist to press.
stories = st.lists(actions, min_size=1, max_size=20).map(
    lambda rest: [Action("message", USERS[0], text="/cramp"), *rest]
)


# --- Turning actions into updates ----------------------------------------------------------


@dataclass
class World:
    api: LocalBotAPI
    next_update_id: int = 1
    next_message_id: int = 10_000
    sent: list[dict[str, Any]] = field(default_factory=list)  # the updates, in order

    def chat(self, kind: str, user: int) -> dict[str, Any]:
        if kind == "private":
            return {"id": user, "type": "private", "first_name": "Fuzz"}
        if kind == "channel":
            return {"id": -100_777, "type": "channel", "title": "News"}
        return {"id": GROUP, "type": kind, "title": "Team"}

    def update(self, action: Action) -> dict[str, Any] | None:
        if action.kind == "repeat":
            return self.sent[-1] if self.sent else None  # the same update_id again
        payload = self._payload(action)
        if payload is None:
            return None
        update = {"update_id": self.next_update_id, **payload}
        self.next_update_id += 1
        self.sent.append(update)
        return update

    def _payload(self, action: Action) -> dict[str, Any] | None:
        user: dict[str, Any] = {"id": action.user, "is_bot": False, "first_name": "Fuzz"}
        if action.kind == "member":
            status: dict[str, Any] = {"status": action.text, "user": user}
            if action.text == "kicked":
                status["until_date"] = 0
            return {
                "my_chat_member": {
                    "chat": self.chat("private", action.user),
                    "from": user,
                    "date": 1,
                    "old_chat_member": {"status": "member", "user": user},
                    "new_chat_member": status,
                }
            }
        if action.kind in ("press", "forged"):
            return self._press(action, user)
        return self._message(action, user)

    def _press(self, action: Action, user: dict[str, Any]) -> dict[str, Any] | None:
        chat_kind = "private" if action.kind == "press" else action.chat
        chat = self.chat(chat_kind, action.user)
        shown = self.api.bot_messages(chat["id"])
        query: dict[str, Any] = {
            "id": f"q{self.next_update_id}",
            "from": user,
            "chat_instance": "ci",
        }
        if action.kind == "press":
            buttons = [
                (message, button["callback_data"])
                for message in shown
                for button in message.inline_buttons
                if "callback_data" in button
            ]
            if not buttons:
                return None
            message, data = buttons[action.pick % len(buttons)]
            query["data"] = data
            query["message"] = message.to_api(self.api.bot_user, chat)
        else:
            if action.data is not None:
                query["data"] = action.data
            if shown:
                query["message"] = shown[-1].to_api(self.api.bot_user, chat)
            else:
                query["inline_message_id"] = "inline-1"  # a press with no message at all
        return {"callback_query": query}

    def _message(self, action: Action, user: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(action.chat, action.user)
        self.next_message_id += 1
        message: dict[str, Any] = {"message_id": self.next_message_id, "date": 1, "chat": chat}
        if chat["type"] != "channel":
            message["from"] = user
        kind = action.message_kind
        content: dict[str, Any]
        if kind in ("text", "edited"):
            if not action.text:
                content = {"text": " "}
            else:
                content = {"text": action.text}
                if action.text.startswith("/"):
                    length = len(action.text.split()[0]) if action.text.split() else 1
                    content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        elif kind == "sticker":
            content = {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        elif kind == "photo":
            content = {
                "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
                "caption": action.text[:1024],
            }
        elif kind == "voice":
            content = {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}}
        elif kind == "location":
            content = {"location": {"latitude": action.lat, "longitude": action.lon}}
        elif kind == "contact":
            content = {"contact": {"phone_number": "+100", "first_name": "X"}}
        elif kind == "document":
            content = {"document": {"file_id": "d", "file_unique_id": "d"}}
        elif kind == "dice":
            content = {"dice": {"emoji": "🎲", "value": 3}}
        elif kind == "venue":
            content = {
                "venue": {
                    "location": {"latitude": 1.0, "longitude": 2.0},
                    "title": action.text[:50],
                    "address": "x",
                }
            }
        else:  # new_chat_members: a service message
            content = {"new_chat_members": [user]}
        message.update(content)
        if kind == "edited":
            message["edit_date"] = 2
            return {"edited_message": message}
        if chat["type"] == "channel":
            return {"channel_post": message}
        return {"message": message}


def reply_due(update: dict[str, Any]) -> tuple[str, Any] | None:
    """What the bot owes this update: an answer to a press, a message in a private chat."""
    if "callback_query" in update:
        return ("answer", update["callback_query"]["id"])
    message = update.get("message")
    if message is None or message["chat"]["type"] != "private" or "from" not in message:
        return None
    if "new_chat_members" in message:
        return None
    return ("message", message["chat"]["id"])


# --- The property ----------------------------------------------------------------------------


@FUZZ
@given(story=stories)
def test_random_updates_are_survived_answered_and_within_limits(story: list[Action]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_play(story, Path(folder) / "fuzz.sqlite3"))


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _play(story: list[Action], db_path: Path) -> None:
    api = LocalBotAPI()
    settings_ = Settings(_env_file=None, db_path=db_path)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2027, 3, 20, 17, 0, tzinfo=UTC))
    application = build_application(
        settings_,
        request=api,
        token=LOCAL_TOKEN,
        clock=clock,
        timings=FAST,
        send_rate=1_000_000.0,
        per_chat_interval=0.0,
        scheduler=False,
    )
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    seen: list[BaseException] = []

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        seen.append(context.error)

    application.add_error_handler(record)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    world = World(api)
    try:
        async with running(application):
            keeper = application.inbox
            db = services_of(application.bot_data).db
            # USERS[1] has a recovery plan from the start, so check-ins can be pressed.
            await seed_active_plans(db, [USERS[1]], now=clock.now, due=clock.now)
            handled: set[int] = set()
            for action in story:
                if action.kind == "tick":
                    clock.advance(hours=action.pick)
                    await tick(application)
                    event("action: tick")
                    continue
                update = world.update(action)
                if update is None:
                    continue
                # A repeated update_id is owed nothing more: it must not be handled again.
                due = None if update["update_id"] in handled else reply_due(update)
                handled.add(update["update_id"])
                before = _messages_by_chat(api)
                await keeper.keep_json([json.loads(json.dumps(update))])
                await keeper.dispatch_pending(application)
                await application.update_queue.join()
                await application.settled()
                _check_owed(api, update, due, before)
                event(f"action: {action.kind}")
            assert await _integrity(db) == "ok"
            unfinished = await db.fetch_all("SELECT update_id FROM inbox WHERE done_at IS NULL")
            assert unfinished == []
    finally:
        logging.getLogger().removeHandler(errors)
    assert seen == [], [repr(error) for error in seen]
    assert [r.getMessage() for r in errors.records] == []
    _check_limits(api)


def _messages_by_chat(api: LocalBotAPI) -> dict[int, int]:
    return {chat: len(api.bot_messages(chat)) for chat in api.messages}


def _check_owed(
    api: LocalBotAPI, update: dict[str, Any], due: tuple[str, Any] | None, before: dict[int, int]
) -> None:
    if due is None:
        return  # a repeat (already answered), or nothing owed
    what, key = due
    if what == "answer":
        assert key in api.answered_queries, f"press {update['update_id']} never answered"
    else:
        assert len(api.bot_messages(key)) > before.get(key, 0), (
            f"private message {update['update_id']} got no reply"
        )


def _check_limits(api: LocalBotAPI) -> None:
    for call in api.calls:
        params = call.params
        if "text" in params and call.method != "answerCallbackQuery":
            assert 1 <= len(str(params["text"])) <= TEXT_LIMIT
        if call.method == "answerCallbackQuery" and params.get("text"):
            assert len(str(params["text"])) <= ANSWER_LIMIT
        if "caption" in params:
            assert len(str(params["caption"])) <= CAPTION_LIMIT
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        assert 1 <= len(button["callback_data"].encode()) <= DATA_LIMIT


async def _integrity(db: Any) -> str:
    row = await db.fetch_one("PRAGMA integrity_check")
    return str(row[0])
