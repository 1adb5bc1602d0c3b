"""A shared async limiter: requests to one service start at least `interval` seconds apart.

MusicBrainz asks every client for one request a second at most. One Pacer per process and
service (the daemon keeps it in its app state, a command makes one), so two look-ups running at
once still share the budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = asyncio.Lock()
        self._next = 0.0

    async def wait(self) -> None:
        """Return when the next request may start (and book that slot)."""
        async with self._lock:
            delay = self._next - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = self.clock() + self.interval
