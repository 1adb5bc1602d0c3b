"""One ffmpeg run per source: every encode and the analysis from a single decode.

The decoded audio feeds each encoder and, through a PCM pipe, the analysis: waveform
peaks and the exact duration (counted in decoded samples), while an ebur128 filter on
the same branch measures loudness and true peak. Whatever goes wrong comes back as a
`MediaError` with a one-line reason that quotes ffmpeg.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from array import array
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tunecamp.generator.media.cache import Interrupted
from tunecamp.generator.media.formats import CODECS_BY_EXT, EXT_FOR_CODEC, Format, codec_family
from tunecamp.generator.media.model import Loudness

ANALYSIS_VERSION = 1
PEAK_BUCKETS = 1000
PIPE_RATE = 11025  # the analysis pipe: enough for a waveform, cheap to read in Python
_FINE = 32  # samples per fine peak block (2.9 ms) before folding into buckets
ANALYSIS_FILTER = (
    f"ebur128=peak=true:framelog=verbose,aresample={PIPE_RATE},aformat=sample_fmts=s16:channel_layouts=mono"
)
_MAX_STDERR = 1 << 20


class MediaError(Exception):
    """A source that cannot be used; the message is one line and names no path."""


@dataclass(frozen=True)
class Encode:
    format: Format
    path: Path  # where ffmpeg writes (a temp file)
    bits_per_sample: int | None = None


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
            return cls(float(data["duration"]), int(data["sample_rate"]), data["channels"], data["bits_per_sample"],
                       data["bitrate"], str(data["codec"]), str(data["container"]),
                       tuple(int(p) for p in data["peaks"]),
                       Loudness(float(loud["integrated_lufs"]), float(loud["true_peak_dbtp"])) if loud else None,
                       tuple(data.get("warnings", ())))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


class FFmpegRunner:
    """Starts ffmpeg processes, at most `slots` at a time, and can stop them all at once (Ctrl-C).

    The pipeline has more threads than slots, so one track's tagging and copying overlap
    the next track's ffmpeg: the slots, not the threads, are what keeps the cores busy.
    """

    def __init__(self, binary: str, slots: int = 1) -> None:
        self.binary = binary
        self.runs = 0
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._slots = threading.BoundedSemaphore(max(1, slots))

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def start(self, args: list[str], stdout: int | None, stderr: Any) -> subprocess.Popen[bytes]:
        while not self._slots.acquire(timeout=0.1):
            if self._stopped.is_set():
                raise Interrupted
        with self._lock:
            if self._stopped.is_set():
                self._slots.release()
                raise Interrupted
            try:
                # its own session: a terminal's Ctrl-C reaches us, and we stop ffmpeg ourselves
                proc = subprocess.Popen([self.binary, *args], stdin=subprocess.DEVNULL, stdout=stdout,
                                        stderr=stderr, start_new_session=True)  # fmt: skip
            except BaseException:
                self._slots.release()
                raise
            self._live.add(proc)
            self.runs += 1
        return proc

    def finished(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            if proc in self._live:
                self._live.discard(proc)
                self._slots.release()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            for proc in self._live:
                proc.kill()


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


@dataclass(frozen=True)
class Probe:
    container: str
    codec: str  # our family name: mp3, flac, pcm...
    ffmpeg_codec: str
    sample_rate: int
    channels: int | None
    bits_per_sample: int | None
    bitrate: int | None
    claimed: float | None  # the duration the header declares
    estimated: bool  # ffmpeg guessed the duration from the bitrate


_INPUT = re.compile(r"Input #0, (.+?), from '")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #0:\d+\S*: Audio: ([\w-]+)[^,]*, (\d+) Hz, ([^,]+), (\w+)(?: \((\d+) bit\))?"
                     r"(?:, (\d+) kb/s)?")  # fmt: skip
_LAYOUTS = {"mono": 1, "stereo": 2, "downmix": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
            "quad(side)": 4, "3.1": 4, "4.1": 5, "5.0": 5, "5.0(side)": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6,
            "6.0(front)": 6, "hexagonal": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7, "7.0": 7,
            "7.0(front)": 7, "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "octagonal": 8}  # fmt: skip
_LOSSY = frozenset({"mp3", "aac", "vorbis", "opus"})
_ERROR = re.compile(r"\[(?:error|fatal)\] (.+)$", re.MULTILINE)
_INTEGRATED = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS")
_TRUE_PEAK = re.compile(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS")


def parse_probe(log: str) -> Probe | None:
    container, stream = _INPUT.search(log), _STREAM.search(log)
    if not container or not stream:
        return None
    name, rate, layout, sample_fmt, bits, kbps = stream.groups()
    family = codec_family(name)
    channels = _LAYOUTS.get(layout.strip())
    if channels is None and (m := re.match(r"(\d+) channels", layout.strip())):
        channels = int(m.group(1))
    depth = None if family in _LOSSY else int(bits) if bits else {"s16": 16, "s16p": 16, "u8": 8, "s32": 32,
                                                                    "s32p": 32}.get(sample_fmt)  # fmt: skip
    duration = _DURATION.search(log)
    claimed = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else None
    return Probe(container.group(1), family, name, int(rate), channels, depth, int(kbps) * 1000 if kbps else None,
                 claimed, "Estimating duration from bitrate" in log)  # fmt: skip


def parse_loudness(log: str) -> Loudness | None:
    integrated, peak = _INTEGRATED.search(log), _TRUE_PEAK.search(log)
    if not integrated or not peak or "inf" in integrated[1] or "inf" in peak[1]:
        return None
    lufs = float(integrated[1])
    return None if lufs <= -70.0 else Loudness(lufs, float(peak[1]))  # -70 LUFS: silence (or < 400 ms)


_REASONS = (
    ("matches no streams", "no audio stream"),
    ("Decoder (codec", "unsupported codec"),
    ("Invalid data found", "not audio ffmpeg can read"),
    ("End of file", "not audio ffmpeg can read"),
)


def ffmpeg_reason(log: str, source: Path) -> str:
    """The most telling error line of an ffmpeg log, as one line that names no path."""
    errors = [_clean(e, source) for e in _ERROR.findall(log)]
    for hint, reason in _REASONS:
        detail = next((e for e in errors if hint in e), None)
        if detail:
            return f"{reason} ({detail})"
    return errors[-1] if errors else "ffmpeg failed without saying why"


def _clean(line: str, source: Path) -> str:
    """An ffmpeg error line without its component prefix or the source's path."""
    line = re.sub(r"^(?:\[[^\]]* @ 0x[0-9a-f]+\] )+", "", line).strip()
    return (
        line.replace(f"file:{source}: ", "")
        .replace(f"file:{source}", "the file")
        .replace(str(source), "the file")
    )


def ffmpeg_args(source: Path, encodes: list[Encode], analyse: bool, max_duration: float) -> list[str]:
    args = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info", "-y",
            "-t", f"{max_duration + 1:.0f}", "-i", f"file:{source}"]  # fmt: skip
    for enc in encodes:
        args += ["-map", "0:a:0", "-map_metadata", "-1", "-map_chapters", "-1",
                 *enc.format.encode_args(enc.bits_per_sample), "-f", enc.format.muxer, f"file:{enc.path}"]  # fmt: skip
    if analyse:
        args += ["-map", "0:a:0", "-af", ANALYSIS_FILTER, "-f", "s16le", "pipe:1"]
    return args


def transcode(
    source: Path,
    encodes: list[Encode],
    *,
    analyse: bool,
    runner: FFmpegRunner,
    log_path: Path,
    max_duration: float,
) -> Analysis | None:
    """Decode `source` once into every encode and (when `analyse`) the analysis.

    Raises MediaError when the source is unusable and Interrupted when the runner was
    stopped; the encodes' files are complete only when it returns.
    """
    size = source.stat().st_size
    if size == 0:
        raise MediaError("empty file (0 bytes)")
    meter = PeakMeter()
    with log_path.open("wb") as err:
        proc = runner.start(ffmpeg_args(source, encodes, analyse, max_duration),
                            subprocess.PIPE if analyse else subprocess.DEVNULL, err)  # fmt: skip
        try:
            if proc.stdout is not None:
                while chunk := proc.stdout.read(1 << 16):
                    meter.feed(chunk)
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
            runner.finished(proc)
    if runner.stopped:
        raise Interrupted
    with log_path.open("rb") as f:
        log = f.read(_MAX_STDERR).decode("utf-8", "replace")
    if code < 0:
        raise MediaError(f"ffmpeg was killed ({signal.Signals(-code).name})")
    if code != 0:
        raise MediaError(ffmpeg_reason(log, source))
    if not analyse:
        return None
    meter.finish()
    return _analysis(source, size, log, meter, max_duration)


def _analysis(source: Path, size: int, log: str, meter: PeakMeter, max_duration: float) -> Analysis:
    probe = parse_probe(log)
    if probe is None:
        raise MediaError("ffmpeg found no audio stream it could describe")
    ext = source.suffix.lower()
    allowed = CODECS_BY_EXT.get(ext)
    if allowed is not None and probe.codec not in allowed:
        better = EXT_FOR_CODEC.get(probe.codec)
        raise MediaError(f"mislabelled: holds {probe.ffmpeg_codec} audio ({probe.container} container), not what "
                         f"{ext} promises" + (f"; rename it to {better}" if better else ""))  # fmt: skip
    if probe.claimed is not None and probe.claimed > max_duration:
        raise MediaError(f"its header declares {_hms(probe.claimed)}, over the {_hms(max_duration)} limit "
                         "(max_duration)")  # fmt: skip
    duration = meter.samples / PIPE_RATE
    errors = _ERROR.findall(log)
    first_error = _clean(errors[0], source) if errors else None
    if duration >= max_duration:
        raise MediaError(f"longer than the {_hms(max_duration)} limit (max_duration)")
    if meter.samples == 0:
        raise MediaError("no audio could be decoded" + (f" ({first_error})" if first_error else ""))
    if probe.claimed and not probe.estimated and duration < probe.claimed * 0.97 - 0.05:
        raise MediaError(f"truncated or corrupt: decoded {duration:.2f} s of the {probe.claimed:.2f} s its header "
                         "declares" + (f" ({first_error})" if first_error else ""))  # fmt: skip
    warnings = (f"damaged audio, decoded with errors ({first_error})",) if first_error else ()
    bitrate = probe.bitrate or (round(size * 8 / duration) if duration else None)
    return Analysis(round(duration, 4), probe.sample_rate, probe.channels, probe.bits_per_sample, bitrate,
                    probe.codec, probe.container, meter.peaks(), parse_loudness(log), warnings)  # fmt: skip


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
