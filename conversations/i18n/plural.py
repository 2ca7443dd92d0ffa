"""A text whose words depend on a number: one form per plural category of the language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _english(n: int) -> int:
    return 0 if n == 1 else 1


@dataclass(frozen=True)
class Plural:
    """``Plural("{days} day ago", "{days} days ago", count="days").format(days=3)``.

    ``forms`` are gettext's, in the order of the language's plural rule (English: one, other);
    ``count`` names the placeholder whose number picks the form.
    """

    one: str
    other: str
    count: str
    forms: tuple[str, ...] = ()
    rule: Callable[[int], int] = _english

    def format(self, **values: Any) -> str:
        forms = self.forms or (self.one, self.other)
        index = self.rule(int(values[self.count]))
        return forms[min(index, len(forms) - 1)].format(**values)

    def __str__(self) -> str:
        return self.other
