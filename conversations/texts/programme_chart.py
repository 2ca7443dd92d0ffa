"""Words on the prevention programme's fortnightly summary picture (a PNG, so plain text, no
HTML) and its caption."""

from __future__ import annotations

from conversations.i18n.localized import localize
from rules.programme_chart import Row

TITLE = "Your last two weeks"
ROW_LABELS: dict[Row, str] = {
    Row.SESSIONS: "Sessions done",
    Row.CRAMPS: "Cramps",
    Row.HOT: "Hot days",
}
EMPTY_NOTE = "Nothing yet: sessions, cramps and hot days will show up here."
CAPTION = (
    "Your strength programme over the last 14 days: sessions done, cramps and hot days "
    "(a heat warning, or a cramp on a hot day)."
)


_here = localize(__name__)
