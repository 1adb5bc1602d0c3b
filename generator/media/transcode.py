"""One ffmpeg run per source: every encode and the analysis from a single decode.

The decoded audio feeds each encoder and, through a PCM pipe, the analysis: waveform
peaks and the exact duration (counted in decoded samples), while an ebur128 filter on
the same branch measures loudness and true peak. Whatever goes wrong comes back as a
`MediaError` with a one-line reason that quotes ffmpeg.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.media.analysis import PIPE_RATE, Analysis, PeakMeter
from tunecamp.generator.media.cache import Interrupted
from tunecamp.generator.media.ffmpeg import FFmpegRunner
from tunecamp.generator.media.ffmpeglog import error_lines, ffmpeg_reason, parse_loudness, parse_probe
from tunecamp.generator.media.formats import CODECS_BY_EXT, EXT_FOR_CODEC, Format

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
class Decode:
    """One decode of a source, into every encode and (when `analyse`) the analysis."""

    source: Path
    encodes: tuple[Encode, ...]
    analyse: bool
    log_path: Path  # ffmpeg's stderr, read back for the probe, the loudness and errors
    max_duration: float  # seconds; a longer source is refused, and ffmpeg stops reading past it


def ffmpeg_args(decode: Decode) -> list[str]:
    args = [
        *("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info", "-y"),
        *("-t", f"{decode.max_duration + 1:.0f}", "-i", f"file:{decode.source}"),
    ]
    for enc in decode.encodes:
        args += [
            *("-map", "0:a:0", "-map_metadata", "-1", "-map_chapters", "-1"),
            *enc.format.encode_args(enc.bits_per_sample),
            *("-f", enc.format.muxer, f"file:{enc.path}"),
        ]
    if decode.analyse:
        args += ["-map", "0:a:0", "-af", ANALYSIS_FILTER, "-f", "s16le", "pipe:1"]
    return args


def transcode(decode: Decode, runner: FFmpegRunner) -> Analysis | None:
    """Run `decode`: the analysis when it asks for one, else None.

    Raises MediaError when the source is unusable and Interrupted when the runner was
    stopped; the encodes' files are complete only when it returns.
    """
    source = decode.source
    size = source.stat().st_size
    if size == 0:
        raise MediaError("empty file (0 bytes)")
    meter = PeakMeter()
    with decode.log_path.open("wb") as err:
        stdout = subprocess.PIPE if decode.analyse else subprocess.DEVNULL
        proc = runner.start(ffmpeg_args(decode), stdout, err)
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
    with decode.log_path.open("rb") as f:
        log = f.read(_MAX_STDERR).decode("utf-8", "replace")
    if code < 0:
        raise MediaError(f"ffmpeg was killed ({signal.Signals(-code).name})")
    if code != 0:
        raise MediaError(ffmpeg_reason(log, source))
    if not decode.analyse:
        return None
    meter.finish()
    return _analysis(decode, size, log, meter)


def _analysis(decode: Decode, size: int, log: str, meter: PeakMeter) -> Analysis:
    source, max_duration = decode.source, decode.max_duration
    probe = parse_probe(log)
    if probe is None:
        raise MediaError("ffmpeg found no audio stream it could describe")
    ext = source.suffix.lower()
    allowed = CODECS_BY_EXT.get(ext)
    if allowed is not None and probe.codec not in allowed:
        better = EXT_FOR_CODEC.get(probe.codec)
        raise MediaError(
            f"mislabelled: holds {probe.ffmpeg_codec} audio ({probe.container} container), not what "
            f"{ext} promises" + (f"; rename it to {better}" if better else "")
        )
    if probe.claimed is not None and probe.claimed > max_duration:
        raise MediaError(
            f"its header declares {_hms(probe.claimed)}, over the {_hms(max_duration)} limit (max_duration)"
        )
    duration = meter.samples / PIPE_RATE
    errors = error_lines(log, source)
    first_error = errors[0] if errors else None
    detail = f" ({first_error})" if first_error else ""
    if duration >= max_duration:
        raise MediaError(f"longer than the {_hms(max_duration)} limit (max_duration)")
    if meter.samples == 0:
        raise MediaError("no audio could be decoded" + detail)
    if probe.claimed and not probe.estimated and duration < probe.claimed * 0.97 - 0.05:
        raise MediaError(
            f"truncated or corrupt: decoded {duration:.2f} s of the {probe.claimed:.2f} s its header declares"
            + detail
        )
    warnings = (f"damaged audio, decoded with errors{detail}",) if first_error else ()
    return Analysis(
        duration=round(duration, 4),
        sample_rate=probe.sample_rate,
        channels=probe.channels,
        bits_per_sample=probe.bits_per_sample,
        bitrate=probe.bitrate or (round(size * 8 / duration) if duration else None),
        codec=probe.codec,
        container=probe.container,
        peaks=meter.peaks(),
        loudness=parse_loudness(log),
        warnings=warnings,
    )


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
