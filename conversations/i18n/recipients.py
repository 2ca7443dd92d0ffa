"""Writing to someone other than the update's sender, or on the bot's own initiative: in the
recipient's language (kept in the database: chosen with /language, or their Telegram app's)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

from conversations.i18n.current import speaking
from conversations.i18n.offered import offered
from rules.languages import ENGLISH
from storage import users
from storage.store import Store


@contextlib.asynccontextmanager
async def speaking_to(db: Store, user_id: int) -> AsyncIterator[None]:
    """Write what the block sends in ``user_id``'s language."""
    spoken = await users.language_of(db, user_id)
    with speaking(spoken if spoken in offered() else ENGLISH):
        yield


@contextlib.contextmanager
def speaking_in(language: str) -> Iterator[None]:
    """Write what the block sends in ``language`` (a team's, for its group)."""
    with speaking(language if language in offered() else ENGLISH):
        yield
