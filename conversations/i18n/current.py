"""The language the bot is writing in right now: one per update, or per message it sends on
its own (set for the recipient), held in a context variable so each task has its own."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from rules.languages import ENGLISH

_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=ENGLISH)


def language() -> str:
    return _CURRENT.get()


def set_language(code: str) -> None:
    """Speak ``code`` for the rest of this task (an update's handlers)."""
    _CURRENT.set(code)


@contextlib.contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak ``code`` inside the block (a message to someone else: a coach, a group)."""
    token = _CURRENT.set(code)
    try:
        yield
    finally:
        _CURRENT.reset(token)
