"""What an athlete's past cramps say: whether they come often, and their strongest pattern."""

from __future__ import annotations

from datetime import datetime

from conversations.services import Services
from conversations.texts import sos as texts
from rules import patterns
from storage import episodes
from storage.episodes import Episode, Outcome


async def cramps_are_frequent(svc: Services, episode: Episode, now: datetime) -> bool:
    """A third cramp within a week, or a recurrence during a plan (see rules.patterns)."""
    starts = await episodes.starts_since(svc.db, episode.user_id, now - patterns.FREQUENT_WINDOW)
    return patterns.is_frequent(starts, now, during_plan=episode.is_recurrence)


async def personal_pattern(svc: Services, user_id: int) -> str | None:
    """The athlete's strongest pattern over their exercise cramps, once there are two."""
    history = [
        patterns.Circumstances(e.activity, e.time_into, e.hot_conditions, e.heavy_clothing)
        for e in await episodes.episodes_of(svc.db, user_id)
        if e.context == "exercise" and e.outcome is not Outcome.CANCELLED
    ]
    pattern = patterns.strongest_pattern(history)
    return None if pattern is None else texts.pattern_line(pattern)
