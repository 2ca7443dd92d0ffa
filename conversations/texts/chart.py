"""Words drawn on the recovery-progress chart (a PNG, so plain text, no HTML).

The stages are named by ``conversations.texts.recovery.stage_name``, as in the
``/progress`` text, so the chart and the message never disagree.

Like every text module these strings go through ``tests/test_content.py``: no bare
``&`` (they must also be valid Telegram HTML), and a line that mentions massage says
"24 hours".
"""

from __future__ import annotations

from conversations.i18n.localized import localize
from rules.chart_layout import ChartPhase

__all__ = [
    "DAY_AXIS",
    "EMPTY_HEADING",
    "EMPTY_NOTE",
    "PAIN_AXIS",
    "PHASE_LABELS",
    "STAGE_AXIS",
    "TITLE",
]

TITLE = "Recovery progress"
PAIN_AXIS = "Pain (0-10)"
STAGE_AXIS = "Stage"
DAY_AXIS = "Day"

EMPTY_HEADING = "No check-ins yet"
EMPTY_NOTE = "Your pain and recovery stage will appear here after your first check-in."

PHASE_LABELS: dict[ChartPhase, str] = {
    ChartPhase.REST: "Rest and ice",
    ChartPhase.MASSAGE: "Massage OK after 24 hours",
    ChartPhase.RETURN_TO_EXERCISE: "Return to exercise",
    ChartPhase.STRENGTH: "Strength OK",
}


_here = localize(__name__)
