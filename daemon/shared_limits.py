"""Rate limits and sign-in proofs shared by every daemon process, in Redis (issue 20).

Several `tunecamp serve` processes behind one address must count the same attempts, or a guesser
gets N times the rate by landing on each process in turn. `SharedLimits` is the daemon's
`LimitSource` (ratelimit.py): each bucket it makes keeps its state in Redis once `limits_ctx`
has attached the process's pool (redis_link.REDIS), and in this process otherwise, so without
TUNECAMP_REDIS_URL nothing changes.

The bucket is ratelimit.py's token bucket, taken atomically by one Lua script (registered with
redis-py's `register_script`, run by its SHA): a hash {t: last update, n: tokens} per key, with
an expiry at the time it would be full again, since a full bucket carries no information. Time is
Redis's own clock (`TIME`), the one clock every process agrees on; the caller's `now` is ignored
(a test sets `SharedLimits.clock` to move time for every process).
Proofs are keys with an expiry.

When Redis cannot be reached mid-run, each process falls back to its own in-process buckets and
proofs and logs it once (and once more when Redis answers again): the limits stay enforced per
process, at worst N times looser, and nobody is locked out of signing in because Redis is down.
After a failure Redis is left alone for RETRY_SECONDS, so an unreachable host (a connect timeout)
does not slow every request down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from aiohttp import web
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from tunecamp.daemon.config import Rate
from tunecamp.daemon.ratelimit import PROOF_SECONDS, Limiter, LocalLimits, Proofs, ProofStore, RateLimiter
from tunecamp.daemon.redis_link import REDIS

log = logging.getLogger("tunecamp.daemon.limits")

PREFIX = "tunecamp:limit:"
RETRY_SECONDS = 5.0

# KEYS[1] the bucket; ARGV count, seconds, 1 to take a token (hit) or 0 to look (peek), and the
# time when a test moves it (else Redis's clock). Returns the seconds to wait as a string (Redis
# truncates a Lua number to an integer).
TOKEN_BUCKET = """
local count = tonumber(ARGV[1])
local per_second = count / tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
end
local saved = redis.call('HMGET', KEYS[1], 't', 'n')
local tokens = count
if saved[1] then
  tokens = math.min(count, tonumber(saved[2]) + (now - tonumber(saved[1])) * per_second)
end
local take = ARGV[3] == '1'
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / per_second
elseif take then
  tokens = tokens - 1
end
if take then
  redis.call('HSET', KEYS[1], 't', string.format('%.6f', now), 'n', string.format('%.9f', tokens))
  redis.call('PEXPIRE', KEYS[1], math.ceil((count - tokens) / per_second * 1000) + 1000)
end
return string.format('%.6f', wait)
"""


@dataclass
class SharedLimits:
    """The daemon's LimitSource: in Redis when attached, else in this process."""

    redis: aioredis.Redis | None = None
    # Redis's clock by default; a test sets its own to move time (one clock for every process)
    clock: Callable[[], float] | None = None
    _script: AsyncScript | None = None
    retry_seconds: float = RETRY_SECONDS
    _down: bool = False
    _retry_at: float = 0.0

    def attach(self, client: aioredis.Redis | None) -> None:
        self.redis = client
        self._script = client.register_script(TOKEN_BUCKET) if client is not None else None

    def bucket(self, name: str, rate: Rate) -> Limiter:
        return SharedBucket(self, name, RateLimiter(rate))

    def proofs(self, name: str, seconds: float = PROOF_SECONDS) -> ProofStore:
        return SharedProofs(self, name, Proofs(seconds))

    def client(self) -> aioredis.Redis | None:
        """The pool to use now: None without Redis, and for a while after it failed."""
        if self.redis is None or (self._down and time.monotonic() < self._retry_at):
            return None
        return self.redis

    def failed(self, exc: BaseException) -> None:
        self._retry_at = time.monotonic() + self.retry_seconds
        if not self._down:
            self._down = True
            log.warning("shared rate limits: Redis unreachable (%s); limiting in this process meanwhile", exc)

    def answered(self) -> None:
        if self._down:
            self._down = False
            log.warning("shared rate limits: Redis answers again; limits are shared again")


@dataclass
class SharedBucket:
    shared: SharedLimits
    name: str
    local: RateLimiter
    _prefix: str = field(init=False)

    def __post_init__(self) -> None:
        self._prefix = f"{PREFIX}{self.name}:"

    @property
    def rate(self) -> Rate:
        return self.local.rate

    @rate.setter
    def rate(self, value: Rate) -> None:
        self.local.rate = value

    async def _run(self, key: str, take: bool) -> float | None:
        script = self.shared._script
        if script is None or self.shared.client() is None:
            return None
        rate = self.local.rate
        try:
            args: list[float | int] = [rate.count, rate.seconds, int(take)]
            if self.shared.clock is not None:
                args.append(self.shared.clock())
            wait = await script(keys=[self._prefix + key], args=args)
        except (RedisError, OSError) as exc:
            self.shared.failed(exc)
            return None
        self.shared.answered()
        return float(wait)

    async def hit(self, key: str, now: float | None = None) -> float:
        wait = await self._run(key, True)
        return self.local.take(key, now) if wait is None else wait

    async def peek(self, key: str, now: float | None = None) -> float:
        wait = await self._run(key, False)
        return self.local.look(key, now) if wait is None else wait


@dataclass
class SharedProofs:
    shared: SharedLimits
    name: str
    local: Proofs

    def _key(self, key: str) -> str:
        return f"{PREFIX}{self.name}:{key}"

    async def add(self, key: str, now: float) -> None:
        self.local.put(key, now)  # also here: a proof made while Redis is down still counts
        if (client := self.shared.client()) is not None:
            try:
                await client.set(self._key(key), b"1", px=int(self.local.seconds * 1000))
            except (RedisError, OSError) as exc:
                self.shared.failed(exc)

    async def holds(self, key: str, now: float) -> bool:
        if (client := self.shared.client()) is not None:
            try:
                found = bool(await client.exists(self._key(key)))
            except (RedisError, OSError) as exc:
                self.shared.failed(exc)
            else:
                self.shared.answered()
                return found
        return self.local.has(key, now)

    async def forget(self, key: str) -> None:
        self.local.drop(key)
        if (client := self.shared.client()) is not None:
            try:
                await client.delete(self._key(key))
            except (RedisError, OSError) as exc:
                self.shared.failed(exc)


LIMITS = web.AppKey("limits", SharedLimits)


def limit_source(app: web.Application) -> SharedLimits | LocalLimits:
    """The app's shared source, or in-process limits for an app composed without create_app."""
    return app.get(LIMITS) or LocalLimits()


async def limits_ctx(app: web.Application) -> AsyncIterator[None]:
    """After redis_ctx: the buckets move to Redis when the process has a pool."""
    app[LIMITS].attach(app.get(REDIS))
    yield
    app[LIMITS].attach(None)
