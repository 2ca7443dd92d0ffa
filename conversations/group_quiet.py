"""One answer per group per half minute for each thing a crowd can call up.

Anything posted in a group is read by every member, and Telegram allows a bot about 20
messages a minute per group (telegram-facts). Five members sending /cramp, or one member
sending /team five times, need the answer once: it stays in the chat for all of them. Each
kind of answer (a pointer to a cramp, to the help; a refusal of /team, /coach or /tip) has its
own half minute, so one kind never silences another that says something different.

The marks live in ``chat_data``, in memory: a restart forgets them, which costs at most one
extra answer per kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram.ext import ContextTypes

from conversations.services import services

GROUP_QUIET = timedelta(seconds=30)
_SAID_AT = "crampcoach.said_at"


def may_answer(context: ContextTypes.DEFAULT_TYPE, kind: str) -> bool:
    """Whether the group may get an answer of ``kind`` now; if so, the half minute starts."""
    now = services(context).now()
    chat_data = context.chat_data if context.chat_data is not None else {}
    said = chat_data.setdefault(_SAID_AT, {})
    last = said.get(kind)
    if isinstance(last, datetime) and now - last < GROUP_QUIET:
        return False
    said[kind] = now
    return True
