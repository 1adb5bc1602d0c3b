"""Fan-out across daemon processes: the chat's events over Redis pub/sub (TUNECAMP_REDIS_URL).

`publish` serialises an event once and PUBLISHes it to the room's channel (`tunecamp:chat:<room>`);
each process has one listener task on one pattern subscription (`tunecamp:chat:*`) that hands
what arrives to its own sockets through a `LocalBroadcaster`. Everything goes the same way, the
publishing process's own sockets too, so every socket of a room sees the room's events in the same
order. The pattern costs a process the events of rooms it has no socket in (a dictionary lookup
each); in exchange there is nothing to resubscribe when sockets come and go, or after a reconnect.

Redis going away: `publish` delivers to this process's sockets and logs, so a room on one process
goes on; the listener retries with backoff. Events published elsewhere meanwhile never reached
this process, so when Redis answers again `on_resume` runs: the chat closes its sockets with
1012 (service restart) and the clients reconnect and join with `since`, getting what they missed
from the database, which every process shares. `listeners(room)` counts this process's sockets:
the chat shows no counts or presence, so nothing needs a count across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tunecamp.daemon.chat.broadcast import Deliver, LocalBroadcaster, Unsubscribe

log = logging.getLogger("tunecamp.chat")

PREFIX = "tunecamp:chat:"
RETRY_FIRST, RETRY_MOST = 0.5, 5.0


class RedisBroadcaster:
    def __init__(self, client: aioredis.Redis, on_resume: Callable[[], None] = lambda: None) -> None:
        self._redis = client
        self._local = LocalBroadcaster()
        self._task: asyncio.Task[None] | None = None
        self.on_resume = on_resume
        self.listening = asyncio.Event()  # subscribed now; cleared while Redis is away

    async def start(self, wait: float = 10.0) -> None:
        """Start listening; returns once subscribed (or after `wait`, Redis away: it keeps trying)."""
        self._task = asyncio.create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), wait)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def publish(self, room: str, event: Mapping[str, Any]) -> None:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        try:
            await self._redis.publish(PREFIX + room, text)
        except (RedisError, OSError) as exc:
            log.warning("chat fan-out: Redis unreachable (%s); delivered on this process only", exc)
            await self._local.send(room, text)

    def subscribe(self, room: str, deliver: Deliver) -> Unsubscribe:
        return self._local.subscribe(room, deliver)

    def listeners(self, room: str) -> int:
        return self._local.listeners(room)

    async def _listen(self) -> None:
        delay, lost = RETRY_FIRST, False
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(PREFIX + "*")
                self.listening.set()
                if lost:
                    log.warning("chat fan-out: Redis answers again; the sockets reconnect to catch up")
                    lost, delay = False, RETRY_FIRST
                    self.on_resume()
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None and message["type"] == "pmessage":
                        await self._deliver(message["channel"], message["data"])
            except (RedisError, OSError) as exc:
                self.listening.clear()
                if not lost:
                    log.warning("chat fan-out: lost Redis (%s); retrying", exc)
                lost = True
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MOST)

    async def _deliver(self, channel: bytes, data: bytes) -> None:
        room = channel.decode()[len(PREFIX) :]
        try:
            await self._local.send(room, data.decode())
        except Exception:  # one room's failure must not stop the listener of every room
            log.exception("chat fan-out: delivering to room %r failed", room)
