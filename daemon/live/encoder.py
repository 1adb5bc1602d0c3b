"""One ffmpeg per session: webm/opus chunks in on stdin, 2 s AAC segments out, restarted when it dies.

ffmpeg's segment muxer writes MPEG-TS files named g<generation>-<n>.ts into the session's folder
and prints a line "name,start,end" on stdout as each one is finished: that line is the moment a
segment joins the playlist (playlist.py), so a listener never sees a half-written file.

A restarted ffmpeg needs the stream's header: a MediaRecorder sends the EBML header and the track
description once, at the start, and only clusters after that. The bytes before the first cluster
are kept and fed to every new ffmpeg before the next chunk; the matroska demuxer finds the next
cluster from there (the chunk that was being written when ffmpeg died is lost, a gap of a second
or so, marked in the playlist by a discontinuity). A process that keeps dying (more than
`max_restarts` times in `restart_window` seconds) is given up on: the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from tunecamp.daemon.live.playlist import SEGMENT_SECONDS

log = logging.getLogger("tunecamp.live")
CLUSTER = bytes.fromhex("1F43B675")  # the matroska Cluster element's ID
MAX_HEADER = 1024 * 1024
SEGMENT_NAME = re.compile(r"^g\d{1,4}-\d{5}\.ts$")

# (segment file name, duration in seconds, first after a restart)
OnSegment = Callable[[str, float, bool], Awaitable[None]]


class EncoderFailed(RuntimeError):
    """ffmpeg cannot be kept running, or the stream is not webm; the message says which."""


@dataclass(frozen=True)
class EncoderSettings:
    ffmpeg: str
    folder: Path
    bitrate: str = "128k"
    max_restarts: int = 5
    restart_window: float = 60.0
    stop_timeout: float = 10.0


def command(settings: EncoderSettings, generation: int) -> list[str]:
    reads = ["-hide_banner", "-loglevel", "error", "-f", "webm", "-i", "pipe:0", "-vn"]
    encodes = ["-c:a", "aac", "-b:a", settings.bitrate, "-ac", "2", "-ar", "48000"]
    segments = ["-f", "segment", "-segment_time", f"{SEGMENT_SECONDS:g}", "-segment_format", "mpegts"]
    listing = ["-segment_list", "pipe:1", "-segment_list_type", "csv"]
    return [settings.ffmpeg, *reads, *encodes, *segments, *listing, f"g{generation}-%05d.ts"]


class Encoder:
    def __init__(self, settings: EncoderSettings, on_segment: OnSegment) -> None:
        self.settings = settings
        self.on_segment = on_segment
        self.generation = 0
        self.process: asyncio.subprocess.Process | None = None
        self.failure: str | None = None
        self._header = bytearray()
        self._header_done = False
        self._discontinuity = False
        self._closing = False
        self._lock = asyncio.Lock()
        self._readers: set[asyncio.Task[None]] = set()
        self._restarts: deque[float] = deque()
        self._errors: deque[str] = deque(maxlen=5)

    async def start(self) -> None:
        async with self._lock:
            await self._spawn()

    async def feed(self, data: bytes) -> None:
        """Send one chunk, in order; restarts ffmpeg first when it has died."""
        if not self._header_done:
            self._take_header(data)
        for attempt in range(2):
            process = await self._running()
            assert process.stdin is not None
            try:
                process.stdin.write(data)
                await process.stdin.drain()
                return
            except (BrokenPipeError, ConnectionResetError):
                if attempt:  # a fresh ffmpeg refused it too: the chunk is dropped, the stream goes on
                    log.warning("live: ffmpeg refused a chunk twice; dropped")

    def _take_header(self, data: bytes) -> None:
        seen = bytes(self._header) + data
        found = seen.find(CLUSTER)
        if found >= 0:
            self._header[:] = seen[:found]
            self._header_done = True
        elif len(seen) > MAX_HEADER:
            raise EncoderFailed("not a webm stream: no cluster in its first megabyte")
        else:
            self._header[:] = seen

    async def _running(self) -> asyncio.subprocess.Process:
        async with self._lock:
            if self.failure is not None:
                raise EncoderFailed(self.failure)
            if self._closing:  # the end came while a chunk was on its way: never a new ffmpeg then
                raise EncoderFailed("the stream has ended")
            if self.process is None or self.process.returncode is not None:
                await self._restart()
            assert self.process is not None
            return self.process

    async def _restart(self) -> None:
        now = time.monotonic()
        self._restarts.append(now)
        while self._restarts and self._restarts[0] < now - self.settings.restart_window:
            self._restarts.popleft()
        if len(self._restarts) > self.settings.max_restarts:
            self.failure = f"ffmpeg died {len(self._restarts)} times in a minute: {' | '.join(self._errors)}"
            raise EncoderFailed(self.failure)
        log.warning("live: ffmpeg (generation %d) died; restarting", self.generation)
        self._discontinuity = True
        await self._spawn()
        if self._header:
            process = self.process
            assert process is not None and process.stdin is not None
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                process.stdin.write(bytes(self._header))
                await process.stdin.drain()

    async def _spawn(self) -> None:
        self.generation += 1
        self.process = await asyncio.create_subprocess_exec(
            *command(self.settings, self.generation),
            cwd=self.settings.folder,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        task = asyncio.create_task(self._read(self.process))
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None and process.stderr is not None
        errors = asyncio.create_task(self._read_errors(process.stderr))
        async for raw in process.stdout:
            name, _, times = raw.decode("utf-8", "replace").strip().partition(",")
            start, _, end = times.partition(",")
            try:
                duration = max(0.0, float(end) - float(start))
            except ValueError:
                continue
            if SEGMENT_NAME.match(name):
                first, self._discontinuity = self._discontinuity, False
                await self.on_segment(name, duration, first)
        await process.wait()
        await errors

    async def _read_errors(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._errors.append(line[:200])

    async def close(self) -> None:
        """End of the stream: ffmpeg writes its last segment and exits (killed if it takes too long)."""
        self._closing = True
        process = self.process
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                process.stdin.close()
                await process.stdin.wait_closed()
            try:
                await asyncio.wait_for(process.wait(), self.settings.stop_timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._readers:
            await asyncio.gather(*self._readers, return_exceptions=True)

    def kill(self) -> None:
        """Kill the running ffmpeg, as a crash would (the fault tests, the operator's last resort)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
