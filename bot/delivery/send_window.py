"""A sliding-window counter: at most ``limit`` events in any ``window`` seconds.

This is how the rate limiter counts Telegram's limits: a burst up to the limit goes out at once
(30 people's first replies in the same instant), and no window of ``window`` seconds, wherever
it starts, ever holds more than ``limit`` sends. A token bucket holding ``limit`` tokens would
let up to twice the limit through in its first second.
"""

from __future__ import annotations

from collections import deque


class SendWindow:
    __slots__ = ("_stamps", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a window needs a positive limit and length")
        self.limit = limit
        self.window = window
        self._stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0.0: it fits now)."""
        stamps = self._stamps
        while stamps and stamps[0] + self.window <= now:
            stamps.popleft()
        if len(stamps) < self.limit:
            return 0.0
        return stamps[0] + self.window - now

    def record(self, now: float) -> None:
        """Count an event at ``now``; those out of the window are forgotten here too (a send
        that did not wait, a reply, never asked ``wait`` to prune them)."""
        stamps = self._stamps
        while stamps and stamps[0] + self.window <= now:
            stamps.popleft()
        stamps.append(now)

    def __len__(self) -> int:
        """The instants it holds (at most those within the window, and the last recorded)."""
        return len(self._stamps)

    def is_idle(self, now: float) -> bool:
        """Nothing within the window any more: the window can be forgotten."""
        return not self._stamps or self._stamps[-1] + self.window <= now
