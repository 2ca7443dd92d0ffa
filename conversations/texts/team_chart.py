"""Words drawn on the coach's team chart (a PNG sent with /roster, so plain text).

Pillow's bundled font draws ASCII and a few more signs ("…" among them) but no
accented letters or dashes, so these words stay in plain ASCII.

Like every text module these strings go through ``tests/test_content.py``: no bare
``&`` and only the placeholders it knows (``{count}`` here).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_interval

from conversations.i18n.current import language
from conversations.i18n.localized import localize
from rules.languages import ENGLISH
from rules.team_chart import DayMark

__all__ = [
    "EMPTY_HEADING",
    "EMPTY_NOTE",
    "LEGEND",
    "MORE",
    "TITLE",
    "TOTAL_HEADING",
    "WEEKDAY_INITIALS",
    "date_range",
]

#: Filled with the number of days shown.
TITLE = "Last {count} days"
#: Heading of the "checked in x/y days" column.
TOTAL_HEADING = "Checked in"
#: Under the last row drawn, filled with the number of athletes left out.
MORE = "and {count} more"

EMPTY_HEADING = "No athletes yet"
EMPTY_NOTE = "Athletes appear here once they join the team."

LEGEND: dict[DayMark, str] = {
    DayMark.CHECKED_IN: "Checked in",
    DayMark.MISSED: "Missed check-in",
    DayMark.ATTENTION: "Needs attention",
    DayMark.NO_PLAN: "Nothing due",
}

#: Monday first, as ``date.weekday()``.
WEEKDAY_INITIALS = ("M", "T", "W", "T", "F", "S", "S")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_range(first: date, last: date) -> str:
    """ "3 - 16 Mar", "24 Feb - 9 Mar" or "29 Dec 2026 - 11 Jan 2027" (in another language,
    its own pattern, from CLDR through Babel)."""
    spoken = language()
    if spoken != ENGLISH:
        skeleton = "yMMMd" if first.year != last.year else "MMMd"
        return str(format_interval(first, last, skeleton, locale=spoken))
    end = f"{last.day} {_MONTHS[last.month - 1]}"
    if first.year != last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} {first.year} - {end} {last.year}"
    if first.month != last.month:
        return f"{first.day} {_MONTHS[first.month - 1]} - {end}"
    if first.day != last.day:
        return f"{first.day} - {end}"
    return end


_here = localize(__name__)
