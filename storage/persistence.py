"""python-telegram-bot persistence backed by the bot's SQLite database.

Only conversation states are persisted here. Everything else a flow needs (the episode, the
plan, the check-in) lives in the project's own tables, so start-up does not load per-user data
and its time and memory do not grow with the number of users. A finished conversation's row is
deleted, so the table holds only conversations in progress.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

NOTHING_BUT_CONVERSATIONS = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores ConversationHandler states in the ``ptb_conversations`` table.

    Each state change is written in its own transaction when python-telegram-bot hands it
    over; the application calls ``update_persistence`` after every update (see
    ``bot.application``), so a hard kill loses at most the update being handled.
    """

    def __init__(self, db: Database) -> None:
        # The interval only matters as a safety net: states are flushed after every update.
        super().__init__(store_data=NOTHING_BUT_CONVERSATIONS, update_interval=5)
        self.db = db

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.db.fetch_all(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        )
        return {_decode_key(row["key"]): json.loads(row["state"]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded_key = json.dumps(list(key))
        async with self.db.write() as conn:
            if new_state is None:
                await conn.execute(
                    "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, encoded_key)
                )
            else:
                await conn.execute(
                    "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                    (name, encoded_key, json.dumps(new_state)),
                )

    async def flush(self) -> None:
        """Nothing is buffered: every change is already committed."""

    # The data kinds below are switched off (see NOTHING_BUT_CONVERSATIONS); python-telegram-bot
    # never calls them, but the base class requires them.
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None


def _decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))
