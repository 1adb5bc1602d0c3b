"""The rate limits' buckets and proofs, the same tests in this process and in Redis.

In Redis a bucket is shared by every process holding the same pool (two `SharedLimits` here are two
processes), its key expires when it would be full again, and Redis going away leaves each process
limiting on its own until it answers again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tests.shared_state import RedisProcess
from tunecamp.daemon.config import Rate
from tunecamp.daemon.shared_limits import PREFIX, SharedLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def source(backend_url: str, clock: Clock) -> AsyncIterator[SharedLimits]:
    """The daemon's limit source: unattached (in-process) or on the test's Redis."""
    limits = SharedLimits(clock=clock)
    client = aioredis.Redis.from_url(backend_url) if backend_url else None
    limits.attach(client)
    yield limits
    if client is not None:
        await client.aclose()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_bucket_lets_count_through_then_says_how_long_to_wait(
    source: SharedLimits, clock: Clock
) -> None:
    bucket = source.bucket("login-address", Rate(3, 30))
    assert [await bucket.hit("1.2.3.4", clock.now) for _ in range(3)] == [0, 0, 0]
    assert await bucket.hit("1.2.3.4", clock.now) == pytest.approx(10)
    assert await bucket.peek("1.2.3.4", clock.now) == pytest.approx(10)
    assert await bucket.peek("5.6.7.8", clock.now) == 0  # keys apart
    assert await source.bucket("unlock-address", Rate(3, 30)).hit("1.2.3.4", clock.now) == 0  # limits apart
    clock.now += 4
    assert await bucket.peek("1.2.3.4", clock.now) == pytest.approx(6)
    clock.now += 6
    assert await bucket.hit("1.2.3.4", clock.now) == 0
    assert await bucket.hit("1.2.3.4", clock.now) == pytest.approx(10)


async def test_peeking_takes_nothing(source: SharedLimits, clock: Clock) -> None:
    bucket = source.bucket("chat-user", Rate(2, 60))
    for _ in range(10):
        assert await bucket.peek("ana", clock.now) == 0
    assert [await bucket.hit("ana", clock.now) for _ in range(2)] == [0, 0]
    assert await bucket.peek("ana", clock.now) == pytest.approx(30)


async def test_proofs_hold_until_forgotten(source: SharedLimits, clock: Clock) -> None:
    proofs = source.proofs("login-proof")
    assert not await proofs.holds("credential\0abc", clock.now)
    await proofs.add("credential\0abc", clock.now)
    assert await proofs.holds("credential\0abc", clock.now)
    await proofs.forget("credential\0abc")
    assert not await proofs.holds("credential\0abc", clock.now)


async def test_every_process_counts_in_the_same_bucket(redis_url: str) -> None:
    processes = [SharedLimits(), SharedLimits()]
    clients = [aioredis.Redis.from_url(redis_url) for _ in processes]
    for limits, client in zip(processes, clients, strict=True):
        limits.attach(client)
    a, b = (limits.bucket("login-pair", Rate(4, 60)) for limits in processes)
    try:
        for bucket in (a, b, a, b):
            assert await bucket.hit("web\0alice\01.2.3.4") == 0
        wait = await b.hit("web\0alice\01.2.3.4")
        assert 14 < wait <= 15  # Redis's clock, a few milliseconds on
        assert 14 < await a.peek("web\0alice\01.2.3.4") <= 15
        proof_a, proof_b = (limits.proofs("login-proof") for limits in processes)
        await proof_a.add("app\0alice\01.2.3.4", 0)
        assert await proof_b.holds("app\0alice\01.2.3.4", 0)
    finally:
        for client in clients:
            await client.aclose()


async def test_keys_expire_when_the_bucket_would_be_full_again(
    redis_client: aioredis.Redis, clock: Clock
) -> None:
    source = SharedLimits(clock=clock)
    source.attach(redis_client)
    bucket = source.bucket("inbox-host", Rate(10, 60))  # a token every 6 s
    for _ in range(3):
        await bucket.hit("mastodon.example", clock.now)
    ttl = await redis_client.pttl(f"{PREFIX}inbox-host:mastodon.example")
    assert 18_000 < ttl <= 19_000  # 3 tokens to refill, and a second to spare
    await bucket.peek("never.example", clock.now)
    assert await redis_client.exists(f"{PREFIX}inbox-host:never.example") == 0  # a peek writes nothing
    await source.proofs("login-proof", 3600).add("credential\0x", clock.now)
    assert 3_599_000 < await redis_client.pttl(f"{PREFIX}login-proof:credential\0x") <= 3_600_000


async def test_redis_going_away_leaves_each_process_limiting_on_its_own(
    own_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    limits = SharedLimits(retry_seconds=0)
    client = aioredis.Redis.from_url(own_redis.url, socket_connect_timeout=2)
    limits.attach(client)
    bucket = limits.bucket("login-address", Rate(2, 600))
    proofs = limits.proofs("login-proof")
    try:
        assert await bucket.hit("1.2.3.4") == 0
        caplog.set_level(logging.WARNING, "tunecamp")
        own_redis.stop()
        # the process's own bucket takes over: still limited, never an error
        assert [await bucket.hit("1.2.3.4") for _ in range(2)] == [0, 0]
        assert await bucket.hit("1.2.3.4") > 0
        await proofs.add("credential\0abc", 0)
        assert await proofs.holds("credential\0abc", 0)
        assert caplog.text.count("Redis unreachable") == 1
        own_redis.start()  # an empty Redis: what it held is gone, the count starts again
        assert await bucket.hit("1.2.3.4") == 0
        assert "Redis answers again" in caplog.text
    finally:
        await client.aclose()
