"""The prevention programme after recovery: /prevent, its set-up, state and strength sessions
(``flow``), their buttons (``views``). ``handlers()`` is what conversations/handlers.py
registers."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    from conversations.prevention import flow

    return flow.handlers()
