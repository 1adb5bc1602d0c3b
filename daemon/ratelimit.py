"""Rate limits for the endpoints that guess passwords, shaped so a stranger cannot lock a musician out.

Three token buckets (`count` attempts at once, refilled evenly over `seconds`):

- per account *and* address (TUNECAMP_LOGIN_RATE_ACCOUNT, failures only): what stops a guesser.
  It refuses only the address that failed: alice signing in from anywhere else gets in at once.
- per address (TUNECAMP_LOGIN_RATE_ADDRESS): every attempt at the sign-in forms, every failed
  Subsonic sign-in. One address cannot guess its way through many accounts.
- per account from anywhere (TUNECAMP_LOGIN_SLOW_ACCOUNT, failures only) never refuses: once an
  account has failed that often, a sign-in to it from a client that has not proved itself first
  waits up to TUNECAMP_LOGIN_SLOW_DELAY seconds. Guessing from many addresses gets slower; the
  musician waits a second or two and is never turned away. Subsonic app passwords and API keys
  skip it: the issue's rule is that they are high-entropy, so the address buckets are enough.

A client that proved itself is not held back by what strangers did:
- in the browser and the API, a *proof* is a known device (a signed cookie left by an earlier
  successful sign-in to that account) or a valid session of that account: such a sign-in skips the
  address bucket and the slow-down, and its failures count against the proof, not the address;
- Subsonic authenticates every request, statelessly. The exact credentials of a successful request
  (a hash of u, p, t, s or apiKey) skip every bucket for PROOF_SECONDS: sending them again reveals
  nothing to anyone who does not already hold them. An account that signed in correctly from an
  address skips that address's bucket (a NAT where someone else fails a lot) but not the per
  account-and-address one, so the proof is no way round the limit for a guesser at that NAT.

Memory stays bounded: full buckets carry no information and are dropped, and past `max_keys`
the least recently seen keys go first. Time comes from `clock` and delays go through `sleep`, so
tests move time instead of waiting for it.

Every limit is a `Limiter` (async `hit`/`peek`) and proofs a `ProofStore`, made by a `LimitSource`:
`RateLimiter` and `Proofs` here keep them in this process; with TUNECAMP_REDIS_URL the daemon's
source is shared_limits.py's, whose buckets and proofs live in Redis so that every process behind
one address counts the same attempts (and which falls back to these when Redis is unreachable).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from tunecamp.daemon.config import DaemonConfig, Rate

PROOF_SECONDS = 24 * 3600.0


class Limiter(Protocol):
    """A token bucket per key. `now` is the caller's clock; a shared bucket keeps Redis's own."""

    rate: Rate

    async def hit(self, key: str, now: float | None = None) -> float:
        """Take one token for `key`: 0 when allowed, else the seconds to wait."""
        ...

    async def peek(self, key: str, now: float | None = None) -> float:
        """Like `hit` without taking a token."""
        ...


class ProofStore(Protocol):
    async def add(self, key: str, now: float) -> None: ...

    async def holds(self, key: str, now: float) -> bool: ...

    async def forget(self, key: str) -> None: ...


class LimitSource(Protocol):
    """Makes the limits of a feature; `name` keeps one limit's keys apart from another's."""

    def bucket(self, name: str, rate: Rate) -> Limiter: ...

    def proofs(self, name: str, seconds: float = PROOF_SECONDS) -> ProofStore: ...


class LocalLimits:
    """Limits kept in this process: the embedded default, and the tests' plain limiters."""

    def bucket(self, name: str, rate: Rate) -> Limiter:
        return RateLimiter(rate)

    def proofs(self, name: str, seconds: float = PROOF_SECONDS) -> ProofStore:
        return Proofs(seconds)


@dataclass
class RateLimiter:
    """An in-process Limiter; `take`/`look` are its synchronous core (shared_limits falls back on them)."""

    rate: Rate
    max_keys: int = 100_000
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    async def hit(self, key: str, now: float | None = None) -> float:
        return self.take(key, now)

    async def peek(self, key: str, now: float | None = None) -> float:
        return self.look(key, now)

    def take(self, key: str, now: float | None = None) -> float:
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

    def look(self, key: str, now: float | None = None) -> float:
        """Like `take` without taking a token."""
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
class Proofs:
    """Keys that proved themselves recently, each until its own expiry; oldest dropped first."""

    seconds: float = PROOF_SECONDS
    max_keys: int = 100_000
    _until: OrderedDict[str, float] = field(default_factory=OrderedDict)

    async def add(self, key: str, now: float) -> None:
        self.put(key, now)

    async def holds(self, key: str, now: float) -> bool:
        return self.has(key, now)

    async def forget(self, key: str) -> None:
        self.drop(key)

    def put(self, key: str, now: float) -> None:
        self._until.pop(key, None)
        self._until[key] = now + self.seconds
        while len(self._until) > self.max_keys:
            self._until.popitem(last=False)

    def has(self, key: str, now: float) -> bool:
        until = self._until.get(key)
        if until is None or until < now:
            self._until.pop(key, None)
            return False
        return True

    def drop(self, key: str) -> None:
        self._until.pop(key, None)


@dataclass
class LoginLimits:
    by_address: Limiter
    by_pair: Limiter  # account and address (or the proof standing in for the address)
    by_account: Limiter  # slows, never refuses
    slow_delay: float = 2.0
    trust_proxy_hops: int = 0
    proofs: ProofStore = field(default_factory=Proofs)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    @classmethod
    def from_config(cls, config: DaemonConfig, source: LimitSource | None = None) -> LoginLimits:
        source = source or LocalLimits()
        return cls(
            source.bucket("login-address", config.login_rate_address),
            source.bucket("login-pair", config.login_rate_account),
            source.bucket("login-account", config.login_slow_account),
            config.login_slow_delay,
            config.trust_proxy_hops,
            source.proofs("login-proof"),
        )

    def address(self, request: web.Request) -> str:
        return client_address(request, self.trust_proxy_hops)

    # --- the sign-in forms and /api/auth (account passwords) ---------------------------------

    async def check(self, request: web.Request, account: str | None, proof: str | None = None) -> None:
        """Before an attempt: a 429 with Retry-After when this client is over a limit.

        `proof` (a known device, a session of this account) stands in for the address.
        """
        now, wait = self.clock(), 0.0
        if proof is None:
            wait = await self.by_address.hit(self.address(request), now)
        if account:
            pair = _pair("web", account, proof or self.address(request))
            wait = max(wait, await self.by_pair.peek(pair, now))
        if wait > 0:
            raise too_many(wait)

    async def slow_down(self, account: str, proof: str | None) -> None:
        """The bounded wait of an unproven sign-in to an account that fails a lot."""
        wait = 0.0 if proof else await self.by_account.peek(account.lower(), self.clock())
        if wait > 0:
            await self.sleep(min(wait, self.slow_delay))

    async def failed(self, request: web.Request, account: str, proof: str | None = None) -> None:
        now = self.clock()
        await self.by_pair.hit(_pair("web", account, proof or self.address(request)), now)
        if proof is None:
            await self.by_account.hit(account.lower(), now)

    # --- Subsonic apps (app passwords and API keys) ---------------------------------------

    async def app_wait(self, address: str, account: str | None, credential: str) -> float:
        """Seconds a Subsonic sign-in must wait (0: go ahead); `credential` hashes what was sent."""
        now = self.clock()
        if await self.proofs.holds("credential\0" + credential, now):
            return 0.0
        wait = 0.0
        if not (account and await self.proofs.holds(_pair("app", account, address), now)):
            wait = await self.by_address.peek(address, now)
        if account:
            wait = max(wait, await self.by_pair.peek(_pair("app", account, address), now))
        return wait

    async def app_failed(self, address: str, account: str | None, credential: str) -> None:
        now = self.clock()
        await self.proofs.forget("credential\0" + credential)
        await self.by_address.hit(address, now)
        if account:
            await self.by_pair.hit(_pair("app", account, address), now)

    async def app_proved(self, address: str, account: str, credential: str) -> None:
        now = self.clock()
        await self.proofs.add("credential\0" + credential, now)
        await self.proofs.add(_pair("app", account, address), now)


def _pair(kind: str, account: str, where: str) -> str:
    return f"{kind}\0{account.lower()}\0{where}"


def too_many(wait: float) -> web.HTTPException:
    from tunecamp.daemon.errors import http_error

    seconds = retry_after(wait)
    return http_error(429, f"too many attempts; try again in {seconds} s", **{"Retry-After": str(seconds)})


def retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


LOGIN_LIMITS = web.AppKey("login_limits", LoginLimits)


def client_address(request: web.Request, trust_proxy_hops: int = 0) -> str:
    """The caller's address; behind N trusted proxies, the Nth from the right in X-Forwarded-For."""
    if trust_proxy_hops > 0:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= trust_proxy_hops:
            return forwarded[-trust_proxy_hops]
    return request.remote or "unknown"
