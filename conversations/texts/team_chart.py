"""Words drawn on the coach's team chart (a PNG sent with /roster, so plain text).

Pillow's bundled font draws ASCII and a few more signs ("…" among them) but no
accented letters or dashes, so these words stay in plain ASCII.

Like every text module these strings go through ``tests/test_content.py``: no bare
``&`` and only the placeholders it knows (``{count}`` here).
"""

from __future__ import annotations

from datetime import date

from rules.team_chart import DayMark

__all__ = [
    "EMPTY_HEADING",
    "EMPTY_NOTE",
    "LEGEND",
    "MONTHS",
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
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_range(first: date, last: date) -> str:
    """ "3 - 16 Mar", "24 Feb - 9 Mar" or "29 Dec 2026 - 11 Jan 2027"."""
    end = f"{last.day} {MONTHS[last.month - 1]}"
    if first.year != last.year:
        return f"{first.day} {MONTHS[first.month - 1]} {first.year} - {end} {last.year}"
    if first.month != last.month:
        return f"{first.day} {MONTHS[first.month - 1]} - {end}"
    if first.day != last.day:
        return f"{first.day} - {end}"
    return end
