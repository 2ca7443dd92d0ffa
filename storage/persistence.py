"""python-telegram-bot persistence backed by the bot's SQLite database.

Only conversation states are persisted here. Everything else a flow needs (the episode, the
plan, the check-in) lives in the project's own tables, so start-up does not load per-user data
and its time and memory do not grow with the number of users. A finished conversation's row is
deleted, so the table holds only conversations in progress.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage import inbox
from storage.db import Database

NOTHING_BUT_CONVERSATIONS = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)


_Slot = tuple[str, ConversationKey]  # (conversation name, key)
_DELETE = "DELETE FROM ptb_conversations WHERE name = ? AND key = ?"
_UPSERT = (
    "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state"
)


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores ConversationHandler states in the ``ptb_conversations`` table.

    python-telegram-bot hands over each changed state (:meth:`update_conversation`); they are
    collected and committed together by :meth:`write_pending`, which the application awaits
    after every update (see ``bot.application``). Updates handled at the same time share one
    transaction (a group commit), and a state equal to the one last written is not written
    again. An update's inbox row is marked done (:meth:`note_done`) in the same transaction as
    the states it changed, so a hard kill keeps both or neither (see ``bot.delivery.inbox``).
    """

    def __init__(self, db: Database) -> None:
        # The interval only matters as a safety net: states are flushed after every update.
        super().__init__(store_data=NOTHING_BUT_CONVERSATIONS, update_interval=5)
        self.db = db
        self._written: dict[_Slot, object] = {}  # what the table holds (conversations open)
        self._pending: dict[_Slot, object | None] = {}  # handed over, not yet committed
        self._done: dict[int, datetime] = {}  # inbox rows to mark done with _pending
        self._open_batch = 1  # the batch that _pending will be committed in
        self._committed_batch = 0
        self._commit_lock = asyncio.Lock()

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.db.fetch_all(
            "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
        )
        states = {_decode_key(row["key"]): json.loads(row["state"]) for row in rows}
        self._written.update(((name, key), state) for key, state in states.items())
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        slot = (name, key)
        if slot not in self._pending and self._written.get(slot) == new_state:
            return  # unchanged: nothing to encode or write
        self._pending[slot] = new_state

    def note_done(self, update_id: int, now: datetime) -> None:
        """Mark the update's inbox row done with the next commit of states."""
        self._done[update_id] = now

    async def write_pending(self) -> None:
        """Commit every state handed over so far, in one transaction.

        Returns once the states handed over before the call are committed, by this call or by
        a concurrent one that took them into its transaction.
        """
        mine = self._open_batch
        async with self._commit_lock:
            if self._committed_batch >= mine:
                return  # a concurrent call committed our states with its own
            batch, self._pending = self._pending, {}
            done, self._done = self._done, {}
            self._open_batch += 1
            try:
                await self._write(batch, done)
            except BaseException:
                for slot, state in batch.items():  # handed back for the next try
                    self._pending.setdefault(slot, state)
                self._done = {**done, **self._done}
                raise
            self._committed_batch = mine
            for slot, state in batch.items():
                if state is None:
                    self._written.pop(slot, None)
                else:
                    self._written[slot] = state

    async def _write(self, batch: dict[_Slot, object | None], done: dict[int, datetime]) -> None:
        if not batch and not done:
            return
        if len(batch) == 1 and not done:  # one statement, its own transaction, one trip
            [((name, key), state)] = batch.items()
            params: tuple[str, ...]
            if state is None:
                sql, params = _DELETE, (name, _encode_key(key))
            else:
                sql, params = _UPSERT, (name, _encode_key(key), json.dumps(state))
            await self.db.execute_write(sql, params)
            return
        deleted = [
            (name, _encode_key(key)) for (name, key), state in batch.items() if state is None
        ]
        upserted = [
            (name, _encode_key(key), json.dumps(state))
            for (name, key), state in batch.items()
            if state is not None
        ]
        async with self.db.write() as conn:
            if deleted:
                await conn.executemany(_DELETE, deleted)
            if upserted:
                await conn.executemany(_UPSERT, upserted)
            for update_id, now in done.items():
                await inbox.mark_done_in(conn, update_id, now)

    async def flush(self) -> None:
        """At shutdown: commit what is still pending."""
        await self.write_pending()

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


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key))


def _decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))
