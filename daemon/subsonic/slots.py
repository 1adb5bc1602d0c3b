"""How many `stream` transcodes run at once: overall and per user (TUNECAMP_TRANSCODE_MAX*).

Each on-the-fly transcode is one ffmpeg, which encodes faster than real time and so takes a
whole core while the player buffers; past the cores, every answer of the daemon (and /health)
waits behind them. A slot is taken before ffmpeg starts, with no await between the check and
the count, so two requests cannot both take the last one. A request over the cap waits a
moment for a slot: an app that skips a song asks for the next one before the daemon has seen
it hang up on the last.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from tunecamp.daemon.config import DaemonConfig

WAIT_SECONDS = 2.0


@dataclass
class TranscodeSlots:
    total: int
    per_user: int
    wait: float = WAIT_SECONDS
    running: Counter[int] = field(default_factory=Counter)
    waiting: int = 0
    _freed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def from_config(cls, config: DaemonConfig) -> TranscodeSlots:
        return cls(config.transcodes_allowed, config.transcode_max_per_user)

    def free_for(self, user_id: int) -> bool:
        return self.running.total() < self.total and self.running[user_id] < self.per_user

    def take(self, user_id: int) -> bool:
        """A slot for this user now, if there is one."""
        if not self.free_for(user_id):
            return False
        self.running[user_id] += 1
        return True

    async def take_soon(self, user_id: int) -> bool:
        """A slot for this user within `wait` seconds, if one frees up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        self.waiting += 1
        try:
            while not self.take(user_id):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                try:
                    async with asyncio.timeout(remaining):  # not wait_for: it can lose a cancellation on 3.11
                        await self._freed.wait()
                except TimeoutError:
                    return False
            return True
        finally:
            self.waiting -= 1

    def give_back(self, user_id: int) -> None:
        self.running[user_id] -= 1
        if self.running[user_id] <= 0:
            del self.running[user_id]
        # wake every waiter (each checks its own user's count); later waits get a fresh event
        self._freed.set()
        self._freed = asyncio.Event()
