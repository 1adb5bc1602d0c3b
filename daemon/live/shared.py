"""The broadcasts of every daemon process, in Redis (TUNECAMP_REDIS_URL), for listeners on any of them.

A broadcast runs in the process that started it (its owner): ffmpeg is a child of that process
and the broadcaster's chunks must reach it (docs/live.md says how the proxy sends them). What
listeners fetch is published here, so any process answers them:

- `session:<id>`: the session's status (JSON, what /api/live/sessions/<id> shows), refreshed by the
  owner's heartbeat; `playlist:<id>`: the rendered HLS playlist; `segment:<id>:<name>`: each
  segment's bytes, written before the playlist that names it;
- `artist:<slug>`: the artist's running session, claimed with SET NX at the start (one session per
  artist across processes); `running`: a sorted set of session ids by last heartbeat (the
  instance's `max_sessions`, the radio stations of the Subsonic API, /health);
- `listeners:<id>`: a sorted set of listener ids by the time they last fetched the playlist, on
  whichever process: the count is its members within LISTENER_WINDOW.

Everything has an expiry a few heartbeats long, so a killed owner's broadcast disappears by
itself; an ended one stays for `linger` with its ENDLIST, as in one process.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from tunecamp.daemon.live.settings import LISTENER_WINDOW

PREFIX = "tunecamp:live:"
TTL = 15  # seconds a running session's entries outlive the owner's last heartbeat
SEGMENT_TTL = 60  # longer than a segment stays in the playlist and after it (KEPT_AFTER)


@dataclass
class SharedLive:
    redis: aioredis.Redis
    window: float = LISTENER_WINDOW
    # the status of every running session of other processes, as of this process's last heartbeat
    elsewhere: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def key(*parts: str) -> str:
        return PREFIX + ":".join(parts)

    async def claim(self, artist: str, session_id: str, max_sessions: int) -> tuple[int, str] | None:
        """Reserve the artist and a place among the instance's broadcasts: None, or (status, why not)."""
        now = time.time()
        if not await self.redis.set(self.key("artist", artist), session_id, nx=True, ex=TTL):
            other = await self.redis.get(self.key("artist", artist))
            return 409, f"{artist} is live already (session {_text(other) if other else '?'})"
        running = self.key("running")
        await self.redis.zremrangebyscore(running, "-inf", now - TTL)
        count = int(await self.redis.zcard(running))
        if count >= max_sessions:
            await self.redis.delete(self.key("artist", artist))
            return 429, f"{count} broadcasts are running: the most this instance allows"
        await self.redis.zadd(running, {session_id: now})
        return None

    async def publish(self, status: dict[str, Any], playlist: str, ttl: float = TTL) -> None:
        """The owner's heartbeat, and a session's end (with `ttl` its lingering)."""
        session_id, seconds = status["id"], max(1, round(ttl))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key("session", session_id), json.dumps(status), ex=seconds)
            pipe.set(self.key("playlist", session_id), playlist, ex=seconds)
            if status["live"]:
                pipe.zadd(self.key("running"), {session_id: time.time()})
                pipe.set(self.key("artist", status["artist"]), session_id, ex=TTL)
            else:
                pipe.zrem(self.key("running"), session_id)
            await pipe.execute()

    async def segment(self, session_id: str, name: str, data: bytes, playlist: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key("segment", session_id, name), data, ex=SEGMENT_TTL)
            pipe.set(self.key("playlist", session_id), playlist, ex=TTL)
            await pipe.execute()

    async def release(self, artist: str, session_id: str) -> None:
        """The artist may go live again (on any process): only if the claim is still this session's."""
        key = self.key("artist", artist)
        found = await self.redis.get(key)
        if found is not None and _text(found) == session_id:
            await self.redis.delete(key)

    async def listen(self, session_id: str, listener: str) -> None:
        key = self.key("listeners", session_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {listener: time.time()})
            pipe.expire(key, TTL + round(self.window))
            await pipe.execute()

    async def listeners(self, session_id: str) -> int:
        key = self.key("listeners", session_id)
        await self.redis.zremrangebyscore(key, "-inf", time.time() - self.window)
        return int(await self.redis.zcard(key))

    async def status(self, session_id: str) -> dict[str, Any] | None:
        found = await self.redis.get(self.key("session", session_id))
        return dict(json.loads(found)) if found else None

    async def playlist(self, session_id: str) -> str | None:
        found = await self.redis.get(self.key("playlist", session_id))
        return _text(found) if found else None

    async def segment_data(self, session_id: str, name: str) -> bytes | None:
        found = await self.redis.get(self.key("segment", session_id, name))
        return found.encode() if isinstance(found, str) else found

    async def current(self, artist: str) -> str | None:
        found = await self.redis.get(self.key("artist", artist))
        return _text(found) if found else None

    async def running(self) -> set[str]:
        ids = await self.redis.zrangebyscore(self.key("running"), time.time() - TTL, "+inf")
        return {_text(i) for i in ids}

    async def refresh(self, own: set[str]) -> None:
        """What the other processes broadcast now (`elsewhere`), for the sync readers (the stations)."""
        others = sorted(await self.running() - own)
        found = await self.redis.mget([self.key("session", i) for i in others]) if others else []
        self.elsewhere = {i: json.loads(s) for i, s in zip(others, found, strict=True) if s}


def _text(value: Any) -> str:
    """A reply as text: bytes from the daemon's pool (no decode_responses), str from a decoding one."""
    return value.decode() if isinstance(value, bytes) else str(value)
