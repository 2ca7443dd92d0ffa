"""The prevention programme after recovery: /prevent, its set-up, state and strength sessions
(``flow``), their buttons (``views``), the weekly check-in (``weekly``), the fortnightly
picture (``summary``). ``handlers()`` is what conversations/handlers.py
registers."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    from conversations.prevention import flow, weekly

    return [*flow.handlers(), *weekly.handlers()]
