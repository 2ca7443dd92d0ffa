"""What the handlers need from outside: the database, the clock, settings and timings.

The application factory (``bot.application``) builds one :class:`Services` and stores it in
``bot_data``; handlers get it with :func:`services`. Passing the clock in lets tests move time
without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import ContextTypes

from storage.store import Store

Clock = Callable[[], datetime]

_KEY = "crampcoach.services"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timings:
    """How long things take. Tests shorten them; production uses the defaults."""

    # A mild stretch held for about half a minute, counted down in a few edits: each edit is an
    # API call, and Telegram allows about one message a second per chat.
    stretch_hold: timedelta = timedelta(seconds=30)
    countdown_edits: int = 3
    # NHS leg cramps page: a cramp lasting more than about ten minutes needs medical advice.
    medical_help_after: timedelta = timedelta(minutes=10)
    # A flow untouched this long is treated as abandoned, not resumed.
    abandoned_after: timedelta = timedelta(hours=2)


@dataclass
class Services:
    db: Store
    emergency_number: str
    clock: Clock = system_clock
    timings: Timings = field(default_factory=Timings)
    # The coach's dashboard (a Mini App), {CRAMPCOACH_PUBLIC_URL}/app/; None when it is off.
    dashboard_url: str | None = None

    def now(self) -> datetime:
        return self.clock()


def install(bot_data: dict[Any, Any], svc: Services) -> None:
    bot_data[_KEY] = svc


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return services_of(context.bot_data)


def services_of(bot_data: dict[Any, Any]) -> Services:
    svc = bot_data[_KEY]
    assert isinstance(svc, Services)
    return svc
