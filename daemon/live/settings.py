"""The live feature's settings, read once from the daemon's config, and the listener count."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from tunecamp.daemon.config import DaemonConfig, Rate

LISTENER_WINDOW = 30.0  # a listener counts while their player fetched the playlist this recently


@dataclass(frozen=True)
class LiveSettings:
    max_sessions: int = 4
    max_chunk: int = 256 * 1024
    chunk_rate: Rate = field(default_factory=lambda: Rate(20, 10))
    idle_timeout: float = 30.0
    linger: float = 60.0
    max_duration: float = 4 * 3600.0
    record: bool = True
    bitrate: str = "128k"

    @classmethod
    def from_config(cls, config: DaemonConfig) -> LiveSettings:
        return cls(
            max_sessions=config.live_max_sessions,
            max_chunk=config.live_max_chunk,
            chunk_rate=config.live_chunk_rate,
            idle_timeout=config.live_idle_timeout,
            linger=config.live_linger,
            max_duration=config.live_max_duration,
            record=config.live_record,
        )


@dataclass
class Listeners:
    """Distinct listeners by key, each with the time it last fetched the playlist (oldest first)."""

    window: float = LISTENER_WINDOW
    max_keys: int = 200_000
    peak: int = 0
    shared: int | None = None  # with Redis: every process's listeners, as of the last heartbeat
    _seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def hit(self, key: str, now: float) -> None:
        self._seen.pop(key, None)
        self._seen[key] = now
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)

    def count(self, now: float) -> int:
        while self._seen and next(iter(self._seen.values())) < now - self.window:
            self._seen.popitem(last=False)
        count = len(self._seen) if self.shared is None else max(self.shared, len(self._seen))
        self.peak = max(self.peak, count)
        return count
