"""The live tests' helpers: a real webm/opus stream made with ffmpeg, a studio that broadcasts through
the real endpoints, and a listener that fetches what a player would (tests/daemon/live/)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tunecamp.daemon.live.playlist import SEGMENT_SECONDS
from tunecamp.generator.media.ffmpeg import ffmpeg_path

SECONDS = 14.0


def make_webm(path: Path, seconds: float, freq: int = 440) -> bytes:
    """webm/opus as a MediaRecorder streams it (unknown sizes: `-live 1`), a tone of `seconds`."""
    subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:duration={seconds}", "-c:a", "libopus", "-b:a", "48k",
         "-f", "webm", "-live", "1", "-cluster_time_limit", "500", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def chunks(data: bytes, count: int) -> list[bytes]:
    size = -(-len(data) // count)
    return [data[i : i + size] for i in range(0, len(data), size)]


def probe_seconds(path: Path) -> float:
    """Decode the whole file (any error fails) and return its duration."""
    command = [ffmpeg_path(), "-hide_banner", "-v", "error", "-i", str(path),
               "-ac", "2", "-ar", "48000", "-f", "wav", "-"]  # fmt: skip
    result = subprocess.run(
        command,
        capture_output=True,
        check=True,
    )
    assert not result.stderr, result.stderr.decode()
    pcm = len(result.stdout) - 44  # 16-bit stereo 48 kHz, after the RIFF header
    return pcm / (48000 * 2 * 2)


@dataclass
class Listener:
    """What a player does: reload the playlist, fetch each new segment once."""

    client: TestClient
    playlist: str
    segments: dict[str, bytes] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    async def poll(self, **params: str) -> str:
        response = await self.client.get(self.playlist, params=params)
        assert response.status == 200, await response.text()
        assert response.headers["Cache-Control"] == "no-cache, no-store"
        text = await response.text()
        self.texts.append(text)
        base = self.playlist.rsplit("/", 1)[0]
        for line in text.splitlines():
            if line and not line.startswith("#") and line not in self.segments:
                got = await self.client.get(f"{base}/{line}")
                assert got.status == 200, line
                assert "immutable" in got.headers["Cache-Control"]
                self.segments[line] = await got.read()
        return text


@dataclass
class Studio:
    client: TestClient
    headers: dict[str, str]

    async def start(self, title: str = "Night set", **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/live/sessions", json={"title": title, **extra}, headers=self.headers
        )
        assert response.status == 201, await response.text()
        return dict(await response.json())

    async def send(self, session: str, data: bytes, seq: int | None = None) -> Any:
        params = {} if seq is None else {"seq": str(seq)}
        return await self.client.post(
            f"/api/live/sessions/{session}/chunks", data=data, params=params, headers=self.headers
        )

    async def end(self, session: str, keep: bool | None = None) -> dict[str, Any]:
        body = {} if keep is None else {"keep": keep}
        response = await self.client.post(
            f"/api/live/sessions/{session}/end", json=body, headers=self.headers
        )
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def broadcast(self, session: str, data: bytes, listener: Listener, pieces: int = 24) -> None:
        """Send `data` in `pieces`, paced by the encoder as a real broadcast is paced by the clock.

        Sent faster than ffmpeg encodes (a busy machine), the segments come out in a burst longer
        than the playlist's window, and a listener misses the first ones as a real one never would.
        """
        for seq, piece in enumerate(chunks(data, pieces)):
            response = await self.send(session, piece, seq)
            assert response.status == 200, await response.text()
            await asyncio.sleep(0.03)
            await listener.poll()
            encoded = (seq + 1) * SECONDS / pieces // SEGMENT_SECONDS - 2  # what ffmpeg has surely cut
            deadline = time.monotonic() + 10
            while len(listener.segments) < encoded and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                await listener.poll()


async def wait_for(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)
