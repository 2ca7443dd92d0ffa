"""python-telegram-bot persistence backed by the bot's SQLite database.

Only conversation states are persisted here. Everything else a flow needs (the episode, the
plan, the check-in) lives in the project's own tables, so start-up does not load per-user data
and its time and memory do not grow with the number of users. A finished conversation's row is
deleted, so the table holds only conversations in progress.
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

NOTHING_BUT_CONVERSATIONS = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores ConversationHandler states in the ``ptb_conversations`` table.

    python-telegram-bot hands changed states over in ``update_persistence``, which the
    application calls after every update (see ``bot.application``); they are written in one
    transaction together with the update's inbox row being marked done, so a hard kill keeps
    both or neither.
    """

    def __init__(self, db: Database) -> None:
        # The interval only matters as a safety net: states are flushed after every update.
        super().__init__(store_data=NOTHING_BUT_CONVERSATIONS, update_interval=5)
        self.db = db
        # States handed over and not yet written: (name, key) -> state JSON (None: deleted).
        # They are written by write_pending, in the transaction that also marks the update
        # done in the inbox (bot.application), so a crash keeps both or neither.
        self._unwritten: dict[tuple[str, str], str | None] = {}

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.db.fetch_all(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        )
        return {_decode_key(row["key"]): json.loads(row["state"]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Take a changed state; :meth:`write_pending` (or :meth:`flush`) writes it."""
        state = None if new_state is None else json.dumps(new_state)
        self._unwritten[(name, json.dumps(list(key)))] = state

    @property
    def has_unwritten(self) -> bool:
        return bool(self._unwritten)

    async def write_pending(self, conn: aiosqlite.Connection) -> None:
        """Write the states taken so far, inside the caller's write transaction."""
        pending, self._unwritten = self._unwritten, {}
        try:
            for (name, key), state in pending.items():
                if state is None:
                    await conn.execute(
                        "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, key)
                    )
                else:
                    await conn.execute(
                        "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                        "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                        (name, key, state),
                    )
        except BaseException:
            # The transaction rolls back: keep them for the next write (newer states win).
            self._unwritten = {**pending, **self._unwritten}
            raise

    async def flush(self) -> None:
        """Write whatever states are still pending, in one transaction."""
        if self._unwritten:
            async with self.db.write() as conn:
                await self.write_pending(conn)

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
