"""Inline buttons: one declaration per family, and one guard for every press.

Callback data is ``flow:ref:step:choice``, e.g. ``sos:42:relief:eased``. ``ref`` ties a button
to the record it acts on (an episode, a plan, a check-in), so a press on an old message can be
told from a press on the current one. Callback data comes from the client and can be forged:
:func:`parse` rejects anything :func:`build` could not have made, and :func:`pressed` loads the
record, checks that it belongs to the presser and asks the flow whether the press fits the
current step, before any handler acts.

A new family of buttons (team invites, consent) is one :class:`ButtonFamily` declaration: it
builds the markup and the handler from the same flow, step and choices, so they cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler

from conversations.replies import InlineKeyboard, WireButton, from_private_chat, user_id_of
from conversations.replies import answer as answer_press
from conversations.texts import common

_PART = re.compile(r"^[a-z0-9_-]{1,20}$")
_MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class Press:
    flow: str
    ref: int
    step: str
    choice: str


def build(flow: str, ref: int, step: str, choice: str) -> str:
    for part in (flow, step, choice):
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} is not of the scheme")
    if ref < 0:
        raise ValueError("ref must not be negative")
    data = f"{flow}:{ref}:{step}:{choice}"
    if len(data.encode()) > _MAX_BYTES:
        raise ValueError("callback data longer than Telegram allows")
    return data


def parse(data: object) -> Press | None:
    """The press encoded in ``data``, or None for anything that is not of the scheme."""
    if not isinstance(data, str) or len(data.encode()) > _MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) != 4:
        return None
    flow, ref, step, choice = parts
    if not (ref.isascii() and ref.isdigit() and len(ref) <= 18):
        return None
    if not all(_PART.match(part) for part in (flow, step, choice)):
        return None
    return Press(flow, int(ref), step, choice)


def of_flow(flow: str) -> Callable[[object], bool]:
    """A pattern for presses of any step of ``flow``, or data we never built (forged)."""

    def matches(data: object) -> bool:
        press = parse(data)
        return press is None or press.flow == flow

    return matches


@dataclass(frozen=True)
class ButtonFamily:
    """The buttons of one step: ``flow:<ref>:step:<choice>`` for a known set of choices.

    Its buttons are built straight into the JSON the Bot API reads (see
    :class:`conversations.replies.InlineKeyboard`): a step's keyboard differs per record, so it
    is built for every message, on the path every press takes.
    """

    flow: str
    step: str
    choices: frozenset[str]

    def __post_init__(self) -> None:
        # Each part checked once, here, as build() would check it for every button.
        for part in (self.flow, self.step, *self.choices):
            if not _PART.match(part):
                raise ValueError(f"callback part {part!r} is not of the scheme")

    @classmethod
    def of(cls, flow: str, step: str, choices: Collection[str]) -> ButtonFamily:
        return cls(flow, step, frozenset(choices))

    def only(self, choices: Collection[str]) -> ButtonFamily:
        """The same buttons, matching only some of their choices (for a narrower handler)."""
        return ButtonFamily(self.flow, self.step, self.choices & frozenset(choices))

    def data(self, ref: int, choice: str) -> str:
        """``build(flow, ref, step, choice)``, its parts already checked (``__post_init__``)."""
        if choice not in self.choices:
            raise ValueError(f"{choice!r} is not a choice of {self.flow}:{self.step}")
        if ref < 0:
            raise ValueError("ref must not be negative")
        data = f"{self.flow}:{ref}:{self.step}:{choice}"
        if len(data) > _MAX_BYTES:  # all of it ASCII: its parts are of the scheme
            raise ValueError("callback data longer than Telegram allows")
        return data

    def rows(
        self, ref: int, options: Iterable[tuple[str, str]], *, per_row: int = 1
    ) -> list[list[WireButton]]:
        """One button per (choice, label), ``per_row`` to a row, each as the Bot API reads it."""
        buttons = [
            {"text": label, "callback_data": self.data(ref, choice)} for choice, label in options
        ]
        if per_row == 1:
            return [[button] for button in buttons]
        return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]

    def keyboard(
        self, ref: int, options: Iterable[tuple[str, str]], *, per_row: int = 1
    ) -> InlineKeyboard:
        return InlineKeyboard(self.rows(ref, options, per_row=per_row))

    def matches(self, data: object) -> bool:
        """Presses of this step with a known choice."""
        press = parse(data)
        return (
            press is not None
            and press.flow == self.flow
            and press.step == self.step
            and press.choice in self.choices
        )

    def handler(
        self, callback: Callable[[Update, Any], Coroutine[Any, Any, Any]]
    ) -> CallbackQueryHandler[Any, Any]:
        """The handler that takes this family's presses (and nothing else)."""
        return CallbackQueryHandler(callback, pattern=self.matches)


# --- The guard -------------------------------------------------------------------------------


class Refusal(Enum):
    """Why a press was not handed to its handler. Each is answered on the button itself."""

    EXPIRED = "expired"  # forged, someone else's, or no longer the current step
    ALREADY_ANSWERED = "already_answered"  # a question that has its answer
    ABANDONED = "abandoned"  # a flow left untouched for hours: closed, not resumed

    @property
    def answer(self) -> str:
        """The short text shown on the pressed button."""
        return (
            common.ALREADY_ANSWERED if self is Refusal.ALREADY_ANSWERED else common.BUTTON_EXPIRED
        )


R = TypeVar("R")


@dataclass(frozen=True)
class Pressed(Generic[R]):
    """A press that passed the guard: the record it acts on and the choice made."""

    record: R
    step: str
    choice: str


async def pressed(
    update: Update,
    *,
    load: Callable[[int], Awaitable[R | None]],
    owner: Callable[[R], int],
    check: Callable[[R, Press], Awaitable[Refusal | None]] | None = None,
    answer: bool = True,
) -> Pressed[R] | Refusal:
    """Parse a press, load its record by ``ref``, check the owner, then ask ``check``.

    The query is always answered (so the client stops spinning): quietly for a press that
    passes (unless ``answer`` is False: the handler answers it with a text of its own), with
    the refusal's text for one that does not. A refused press changes nothing. A press outside
    the presser's private chat is always refused.
    """
    query = update.callback_query
    assert query is not None
    press = parse(query.data)
    # Every inline button of ours lives in a private chat: a press from a group (forged) must
    # never post someone's answers there.
    private = from_private_chat(update, user_id_of(update))
    record = None if press is None or not private else await load(press.ref)
    refusal: Refusal | None
    if press is None or record is None or owner(record) != user_id_of(update):
        refusal = Refusal.EXPIRED
    else:
        refusal = None if check is None else await check(record, press)
    if refusal is not None:
        await answer_press(query, refusal.answer)
        return refusal
    assert press is not None and record is not None
    if answer:
        await answer_press(query)
    return Pressed(record, press.step, press.choice)
