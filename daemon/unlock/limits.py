"""Rate limits on redeeming codes: per client address (every attempt) and per release (failures).

The per-address bucket stops one guesser; the per-release bucket stops many addresses guessing
at one release, at the price of making that release's real code holders wait too while it
lasts, so it counts failures only and is wider. A code has 60 bits: the limits are what turns
"unguessable in practice" into "unguessable" for a release with many live codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.ratelimit import Limiter, LimitSource, LocalLimits, client_address


@dataclass
class UnlockLimits:
    by_address: Limiter
    by_release: Limiter
    trust_proxy_hops: int = 0
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_config(cls, config: DaemonConfig, source: LimitSource | None = None) -> UnlockLimits:
        source = source or LocalLimits()
        return cls(
            source.bucket("unlock-address", config.unlock_rate_address),
            source.bucket("unlock-release", config.unlock_rate_release),
            config.trust_proxy_hops,
        )

    async def attempt(self, request: web.Request, release: str) -> float:
        """Before an attempt: 0 to go ahead, else the seconds to wait (the attempt counts either way)."""
        now = self.clock()
        wait = await self.by_address.hit(client_address(request, self.trust_proxy_hops), now)
        return max(wait, await self.by_release.peek(release, now))

    async def failed(self, release: str) -> None:
        await self.by_release.hit(release, self.clock())


UNLOCK_LIMITS = web.AppKey("unlock_limits", UnlockLimits)
