"""A shared async limiter: requests to one service start at least `interval` seconds apart.

MusicBrainz asks every client for one request a second at most. One Pacer per process and
service (the daemon keeps it in its app state, a command makes one), so two look-ups running at
once still share the budget. With Redis (several worker processes, on several machines, looking
releases up at once) the budget is the instance's: `RedisPacer` books each slot with one
`SET NX PX` on a key every process shares, so whichever process gets it sends, the others wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis


class Pace(Protocol):
    async def wait(self) -> None: ...


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


class RedisPacer:
    """The same promise across processes: the key lives `interval` seconds after each booking."""

    def __init__(self, redis: aioredis.Redis, key: str, interval: float) -> None:
        self.redis = redis
        self.key = key
        self.interval_ms = max(1, round(interval * 1000))
        self._local = asyncio.Lock()  # this process's callers queue here, not on Redis

    async def wait(self) -> None:
        async with self._local:
            while not await self.redis.set(self.key, b"1", px=self.interval_ms, nx=True):
                left = await self.redis.pttl(self.key)
                await asyncio.sleep(max(left, 1) / 1000)
