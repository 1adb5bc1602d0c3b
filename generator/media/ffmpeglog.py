"""What ffmpeg's log says: the stream it decoded, the loudness it measured, why it failed.

ffmpeg runs once per source with `-loglevel level+info`; its stderr goes to a file that these
functions read, so no second process (ffprobe) is needed to describe the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.media.formats import codec_family
from tunecamp.generator.media.model import Loudness


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
_STREAM = re.compile(
    r"Stream #0:\d+\S*: Audio: ([\w-]+)[^,]*, (\d+) Hz, ([^,]+), (\w+)(?: \((\d+) bit\))?(?:, (\d+) kb/s)?"
)
# channel layouts as ffmpeg names them, by channel count
_LAYOUTS = {
    name: n
    for n, names in {
        1: ("mono",),
        2: ("stereo", "downmix"),
        3: ("2.1", "3.0", "3.0(back)"),
        4: ("4.0", "quad", "quad(side)", "3.1"),
        5: ("4.1", "5.0", "5.0(side)"),
        6: ("5.1", "5.1(side)", "6.0", "6.0(front)", "hexagonal"),
        7: ("6.1", "6.1(back)", "6.1(front)", "7.0", "7.0(front)"),
        8: ("7.1", "7.1(wide)", "7.1(wide-side)", "octagonal"),
    }.items()
    for name in names
}
_SAMPLE_BITS = {"s16": 16, "s16p": 16, "u8": 8, "s32": 32, "s32p": 32}  # when ffmpeg names no bit depth
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
    depth = None if family in _LOSSY else int(bits) if bits else _SAMPLE_BITS.get(sample_fmt)
    duration = _DURATION.search(log)
    claimed = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else None
    return Probe(
        container=container.group(1),
        codec=family,
        ffmpeg_codec=name,
        sample_rate=int(rate),
        channels=channels,
        bits_per_sample=depth,
        bitrate=int(kbps) * 1000 if kbps else None,
        claimed=claimed,
        estimated="Estimating duration from bitrate" in log,
    )


def parse_loudness(log: str) -> Loudness | None:
    integrated, peak = _INTEGRATED.search(log), _TRUE_PEAK.search(log)
    if not integrated or not peak or "inf" in integrated[1] or "inf" in peak[1]:
        return None
    lufs = float(integrated[1])
    return None if lufs <= -70.0 else Loudness(lufs, float(peak[1]))  # -70 LUFS: silence (or < 400 ms)


# In this order: a file ffmpeg cannot read at all has no audio stream either, and the first is the cause.
_REASONS = (
    ("Invalid data found", "not audio ffmpeg can read"),
    ("End of file", "not audio ffmpeg can read"),
    ("matches no streams", "no audio stream"),
    ("Decoder (codec", "unsupported codec"),
)


def error_lines(log: str, source: Path) -> list[str]:
    """The error lines of an ffmpeg log, without their component prefixes or the source's path."""
    return [_clean(e, source) for e in _ERROR.findall(log)]


def ffmpeg_reason(log: str, source: Path) -> str:
    """The most telling error line of an ffmpeg log, as one line that names no path."""
    errors = error_lines(log, source)
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
