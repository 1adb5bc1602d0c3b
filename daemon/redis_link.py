"""The one Redis connection pool of a daemon process, when `TUNECAMP_REDIS_URL` is set.

Opened in `create_app`'s cleanup context (nothing connects at import), checked with a PING at
start so a wrong URL stops the daemon with a message naming the setting, and closed at the end.
The job queue (SAQ), the chat's fan-out, the shared rate limits and the live listener counts all
use this pool; without the setting `REDIS` is absent and each of them stays in-process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError

from tunecamp.daemon.appkeys import CONFIG

log = logging.getLogger("tunecamp.daemon.redis")

REDIS: web.AppKey[aioredis.Redis] = web.AppKey("redis")


class RedisUnavailable(RuntimeError):
    """The configured Redis cannot be reached: the message says which setting to check."""


def connect(url: str) -> aioredis.Redis:
    # health_check_interval: a connection idle behind a NAT or a proxy is checked before reuse
    return aioredis.Redis.from_url(url, health_check_interval=30, socket_connect_timeout=5)


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    url = app[CONFIG].redis_url
    if not url:
        yield
        return
    client = connect(url)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        raise RedisUnavailable(
            f"TUNECAMP_REDIS_URL: Redis does not answer ({exc}); start it, or unset the variable to run on one process"
        ) from exc
    app[REDIS] = client
    log.info("shared state and jobs on Redis")
    yield
    await client.aclose()
