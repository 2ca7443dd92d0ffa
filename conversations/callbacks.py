"""The callback-data scheme: ``flow:ref:step:choice``, e.g. ``sos:42:relief:eased``.

``ref`` ties a button to the record it acts on (an episode, a check-in), so a press on an old
message can be told from a press on the current one. Callback data comes from the client and
can be forged: :func:`parse` rejects anything :func:`build` could not have made, and handlers
re-check ``ref`` against the database before acting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

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


def matcher(flow: str, step: str, choices: Collection[str]) -> Callable[[object], bool]:
    """A pattern for ``CallbackQueryHandler``: presses of this step with a known choice."""

    def matches(data: object) -> bool:
        press = parse(data)
        return (
            press is not None
            and press.flow == flow
            and press.step == step
            and press.choice in choices
        )

    return matches
