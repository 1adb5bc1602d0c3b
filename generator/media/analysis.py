"""What the decoded audio is, measured rather than read from headers: its exact duration, its
waveform peaks and its loudness, kept in the media cache as JSON beside the encodes.

The analysis branch of the one ffmpeg run per source (transcode.py) pipes mono PCM at
`PIPE_RATE`: `PeakMeter` counts the samples and folds them into peaks as they arrive.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import asdict, dataclass
from typing import Any

from tunecamp.generator.media.model import Loudness

ANALYSIS_VERSION = 1
PEAK_BUCKETS = 1000
PIPE_RATE = 11025  # the analysis pipe: enough for a waveform, cheap to read in Python
_FINE = 32  # samples per fine peak block (2.9 ms) before folding into buckets


@dataclass(frozen=True)
class Analysis:
    """What the decoded audio is, measured rather than read from headers."""

    duration: float
    sample_rate: int
    channels: int | None
    bits_per_sample: int | None
    bitrate: int | None  # bits per second, as the codec reports it, else size / duration
    codec: str
    container: str
    peaks: tuple[int, ...]
    loudness: Loudness | None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = ANALYSIS_VERSION
        return data

    @classmethod
    def from_json(cls, data: Any) -> Analysis | None:
        """None for anything that is not a complete analysis of this version."""
        try:
            if data["version"] != ANALYSIS_VERSION:
                return None
            loud = data["loudness"]
            return cls(
                duration=float(data["duration"]),
                sample_rate=int(data["sample_rate"]),
                channels=data["channels"],
                bits_per_sample=data["bits_per_sample"],
                bitrate=data["bitrate"],
                codec=str(data["codec"]),
                container=str(data["container"]),
                peaks=tuple(int(p) for p in data["peaks"]),
                loudness=Loudness(float(loud["integrated_lufs"]), float(loud["true_peak_dbtp"]))
                if loud
                else None,
                warnings=tuple(data.get("warnings", ())),
            )
        except (KeyError, TypeError, ValueError):
            return None


class PeakMeter:
    """Peaks of a mono s16 stream, kept in fine blocks until the length is known."""

    def __init__(self) -> None:
        self.fine = array("H")
        self.samples = 0
        self._rest = b""

    def feed(self, data: bytes) -> None:
        data = self._rest + data
        usable = len(data) - len(data) % (2 * _FINE)
        self._rest = data[usable:]
        self._add(data[:usable])

    def _add(self, data: bytes) -> None:
        pcm = array("h")
        pcm.frombytes(data)
        if sys.byteorder == "big":
            pcm.byteswap()
        fine = self.fine
        for i in range(0, len(pcm), _FINE):
            block = pcm[i : i + _FINE]
            fine.append(max(max(block), -min(block)))
        self.samples += len(pcm)

    def finish(self) -> None:
        rest, self._rest = self._rest[: len(self._rest) // 2 * 2], b""
        if rest:
            self._add(rest)

    def peaks(self, buckets: int = PEAK_BUCKETS) -> tuple[int, ...]:
        """`buckets` values 0..255 (linear peak), shorter tracks repeat fine blocks."""
        n = len(self.fine)
        if not n:
            return ()
        out = []
        for i in range(buckets):
            a = i * n // buckets
            b = max(a + 1, (i + 1) * n // buckets)
            out.append(min(255, (max(self.fine[a:b]) * 255 + 16384) // 32768))
        return tuple(out)
