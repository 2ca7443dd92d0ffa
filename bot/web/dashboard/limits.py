"""Requests per user to the dashboard's API: a token bucket each, in this worker's memory.

A page load costs a few calls (the session, the teams, one per team); a coach refreshing by
hand never comes near the limit, a script hammering the API does. Behind several workers each
keeps its own buckets, so the limit is per worker: enough to stop abuse, not an exact quota.
"""

from __future__ import annotations

from collections import OrderedDict

RATE = 1.0  # tokens a second: 60 calls a minute
BURST = 30.0  # calls at once
MAX_USERS = 10_000  # buckets kept; the least recently used go first


class PerUserLimit:
    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()

    def take(self, user_id: int, now: float) -> float:
        """0 when the call may go ahead (and it is counted); else seconds until it could."""
        tokens, then = self._buckets.pop(user_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self._buckets[user_id] = (tokens - 1 if wait == 0 else tokens, now)
        while len(self._buckets) > MAX_USERS:
            self._buckets.popitem(last=False)
        return wait
