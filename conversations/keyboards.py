"""Keyboard builders: each returns the markup for one kind of step."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from conversations import callbacks
from conversations.texts import common


@functools.cache  # the same for everyone: built once
def sos_reply_keyboard() -> ReplyKeyboardMarkup:
    """The persistent "🆘 Cramp" button under the text field."""
    return ReplyKeyboardMarkup(
        [[common.SOS_BUTTON]],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder="Tap 🆘 Cramp when a cramp starts",
    )


def choices(
    flow: str,
    ref: int,
    step: str,
    options: Iterable[tuple[str, str]],
    *,
    per_row: int = 1,
) -> InlineKeyboardMarkup:
    """One button per (choice, label), ``per_row`` to a row."""
    return _choices(flow, ref, step, tuple(options), per_row)


# Built once per (step, record): a step's buttons are sent, then edited by the countdown and
# shown again after a nudge. Markups are immutable, so sharing one is safe.
@functools.lru_cache(maxsize=256)
def _choices(
    flow: str, ref: int, step: str, options: tuple[tuple[str, str], ...], per_row: int
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.build(flow, ref, step, choice))
        for choice, label in options
    ]
    rows: list[Sequence[InlineKeyboardButton]] = [
        buttons[i : i + per_row] for i in range(0, len(buttons), per_row)
    ]
    return InlineKeyboardMarkup(rows)


def link(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])
