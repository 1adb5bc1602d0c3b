"""Rate limits for the endpoints that guess passwords: per account and per address.

A token bucket per key: `count` attempts at once, refilled evenly over `seconds`.
Memory stays bounded: full buckets carry no information and are dropped, and past
`max_keys` the least recently seen keys go first.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web

from tunecamp.daemon.config import DaemonConfig, Rate


@dataclass
class RateLimiter:
    rate: Rate
    max_keys: int = 100_000
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    def hit(self, key: str, now: float | None = None) -> float:
        """Take one token for `key`: 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        per_second = self.rate.count / self.rate.seconds
        tokens, last = self._buckets.pop(key, (float(self.rate.count), now))
        tokens = min(float(self.rate.count), tokens + (now - last) * per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / per_second
        self._buckets[key] = (tokens - 1, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return 0.0

    def peek(self, key: str, now: float | None = None) -> float:
        """Like `hit` without taking a token."""
        now = time.monotonic() if now is None else now
        if key not in self._buckets:
            return 0.0
        per_second = self.rate.count / self.rate.seconds
        tokens, last = self._buckets[key]
        tokens = min(float(self.rate.count), tokens + (now - last) * per_second)
        return 0.0 if tokens >= 1 else (1 - tokens) / per_second

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class LoginLimits:
    by_address: RateLimiter
    by_account: RateLimiter
    trust_proxy_hops: int = 0

    @classmethod
    def from_config(cls, config: DaemonConfig) -> LoginLimits:
        return cls(
            RateLimiter(config.login_rate_address),
            RateLimiter(config.login_rate_account),
            config.trust_proxy_hops,
        )

    def check(self, request: web.Request, account: str | None) -> None:
        """Before an attempt: a 429 with Retry-After when the address or the account is over its limit.

        Every attempt counts against the address; only failures count against the account
        (`failed`), so a stranger cannot lock a musician out by guessing at their name.
        """
        wait = self.by_address.hit(client_address(request, self.trust_proxy_hops))
        if account:
            wait = max(wait, self.by_account.peek(account.lower()))
        if wait > 0:
            raise too_many(wait)

    def failed(self, account: str) -> None:
        self.by_account.hit(account.lower())


def too_many(wait: float) -> web.HTTPException:
    from tunecamp.daemon.errors import http_error

    seconds = max(1, math.ceil(wait))
    return http_error(429, f"too many attempts; try again in {seconds} s", **{"Retry-After": str(seconds)})


LOGIN_LIMITS = web.AppKey("login_limits", LoginLimits)


def client_address(request: web.Request, trust_proxy_hops: int = 0) -> str:
    """The caller's address; behind N trusted proxies, the Nth from the right in X-Forwarded-For."""
    if trust_proxy_hops > 0:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= trust_proxy_hops:
            return forwarded[-trust_proxy_hops]
    return request.remote or "unknown"
