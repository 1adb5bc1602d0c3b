"""One broadcast: its encoder, playlist, listeners, chunk limits and (when kept) its recording."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tunecamp.daemon.live.encoder import Encoder, EncoderSettings
from tunecamp.daemon.live.playlist import Playlist, Segment
from tunecamp.daemon.live.settings import Listeners, LiveSettings
from tunecamp.daemon.ratelimit import RateLimiter

log = logging.getLogger("tunecamp.live")
RECORDING = "recording.webm"


@dataclass(frozen=True)
class Broadcast:
    """What a session is: fixed when it starts."""

    id: str
    artist: str
    user_id: int
    title: str
    record: bool
    started_at: dt.datetime


@dataclass
class LiveSession:
    broadcast: Broadcast
    folder: Path
    settings: LiveSettings
    ffmpeg: str
    clock: Callable[[], float] = time.monotonic
    state: str = "live"  # live, ending, ended
    end_reason: str = ""
    release: str | None = None  # the draft release its recording became
    next_seq: int = 0
    received: int = 0  # bytes
    playlist: Playlist = field(default_factory=Playlist)
    listeners: Listeners = field(default_factory=Listeners)
    encoder: Encoder | None = None
    started: float = 0.0
    last_chunk: float = 0.0
    limiter: RateLimiter | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # chunks in order, one at a time
    on_segment: Callable[[Segment], Awaitable[None]] | None = None  # the hub shares it (Redis)
    _recording: IO[bytes] | None = None

    @property
    def id(self) -> str:
        return self.broadcast.id

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.started = self.last_chunk = self.clock()
        self.limiter = RateLimiter(self.settings.chunk_rate)
        if self.broadcast.record:
            self._recording = (self.folder / RECORDING).open("wb")
        self.encoder = Encoder(
            EncoderSettings(self.ffmpeg, self.folder, self.settings.bitrate), self._segment_done
        )
        await self.encoder.start()

    async def _segment_done(self, name: str, duration: float, discontinuity: bool) -> None:
        path = self.folder / name
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError:
            log.warning("live %s: segment %s vanished before it was read", self.id, name)
            return
        segment = Segment(name, duration, data, discontinuity)
        gone = self.playlist.add(segment)
        if self.on_segment is not None:
            await self.on_segment(segment)
        for old in gone:
            with contextlib.suppress(OSError):
                (self.folder / old.name).unlink()

    async def feed(self, data: bytes) -> None:
        """One chunk, after the caller checked its order and the limits."""
        assert self.encoder is not None
        self.last_chunk = self.clock()
        self.received += len(data)
        if self._recording is not None:  # off the event loop: a slow disk holds up this broadcast only
            await asyncio.to_thread(self._recording.write, data)
        await self.encoder.feed(data)
        self.next_seq += 1

    async def stop(self) -> None:
        """The stream's end: ffmpeg flushes its last segment and exits, then the playlist ends."""
        if self.encoder is not None:
            await self.encoder.close()
        if self._recording is not None:
            self._recording.close()
            self._recording = None
        self.playlist.end()

    @property
    def recording(self) -> Path:
        return self.folder / RECORDING

    def status(self, base_url: str) -> dict[str, Any]:
        b = self.broadcast
        return {
            "id": b.id,
            "artist": b.artist,
            "title": b.title,
            "state": self.state,
            "live": self.state == "live",
            "started_at": b.started_at.isoformat(timespec="seconds"),
            "listeners": self.listeners.count(self.clock()),
            "peak_listeners": self.listeners.peak,
            "segments": self.playlist.sequence + len(self.playlist.segments),
            "received_bytes": self.received,
            "next_seq": self.next_seq,
            "restarts": max(0, (self.encoder.generation if self.encoder else 1) - 1),
            "end_reason": self.end_reason or None,
            "release": self.release,
            "playlist": f"{base_url}/live/{b.id}/index.m3u8",
            "page": f"{base_url}/live/{b.artist}/",
        }
