"""Does an audio file hold all the audio its header promises? An interrupted copy says no.

mutagen reads durations from headers, so a file cut short still "opens" with its full
length. Each check here reads a few bytes at most (a box header, the last Ogg page, the
last FLAC frame headers) and never decodes audio.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from mutagen.flac import StreamInfo
from mutagen.ogg import OggPage

SLACK = 0.97  # headers round sizes; a real cut loses far more
_INTERRUPTED = "was the copy interrupted?"


@dataclass(frozen=True)
class Header:
    """What an audio file's header promises, as mutagen read it."""

    fmt: str  # AudioInfo.format: mp3, flac, ogg, opus, m4a, wav, aiff
    codec: str  # mp3, flac, pcm...
    label: str  # the format for people: "FLAC"
    stream: Any  # mutagen's stream info
    size: int  # of the whole file, in bytes


def truncation(f: IO[bytes], header: Header) -> str | None:
    """Why the file holds less audio than its header promises, or None when it looks whole."""
    fmt, codec, label, stream, size = header.fmt, header.codec, header.label, header.stream, header.size
    if fmt == "m4a":
        return mp4_truncation(f, size)
    if isinstance(getattr(stream, "serial", None), int):  # Ogg: encoders always flag the last page
        last = OggPage.find_last(f, stream.serial)
        return (
            None if last and last.last else f"truncated {label} file: the stream stops short; {_INTERRUPTED}"
        )
    if isinstance(stream, StreamInfo):
        return _flac_truncation(f, stream, size, label)
    # PCM and Xing/VBRI-headed MP3 give an exact size (a CBR MP3's length is derived from its size).
    if codec in ("pcm", "mp3") and not (fmt == "aiff" and _is_aifc(f)):
        expected = stream.bitrate * stream.length / 8
        available = size - getattr(stream, "frame_offset", 0)  # MP3: what follows the ID3 tag
        if available < expected * SLACK:
            return (
                f"truncated {label} file: the header promises {stream.length:.1f} s of audio "
                f"(about {round(expected)} bytes) but the file holds only {available}; {_INTERRUPTED}"
            )
    return None


def _is_aifc(f: IO[bytes]) -> bool:
    f.seek(8)
    return f.read(4) == b"AIFC"  # compressed AIFF-C: its size cannot be predicted


def mp4_truncation(f: IO[bytes], size: int) -> str | None:
    """A top-level box (usually `mdat` or `moov`) running past the end of the file."""
    offset = 0
    while offset + 8 <= size:
        f.seek(offset)
        header = f.read(16)
        length, name = struct.unpack(">I4s", header[:8])
        if length == 1 and len(header) == 16:
            length = struct.unpack(">Q", header[8:16])[0]
        elif length == 0:
            return None  # runs to the end of the file by definition
        if length < 8:
            return None  # not a box structure we can judge; mutagen accepted it
        if offset + length > size:
            box = name.decode("latin-1")
            missing = offset + length - size
            return f"truncated M4A file: its {box!r} box needs {missing} bytes more than there are; {_INTERRUPTED}"
        offset += length
    return None


class _Frame(NamedTuple):
    first_sample: int
    samples: int


def _flac_truncation(f: IO[bytes], info: StreamInfo, size: int, label: str) -> str | None:
    """Compare the last frame's sample number with STREAMINFO's total.

    A frame header is only trusted when the one before it ends where it starts, which makes
    a false sync inside audio data (CRC-8 aside) vanishingly unlikely.
    """
    if not info.total_samples or not info.max_blocksize:
        return None
    window = min(size, 2 * (info.max_framesize or 1 << 17) + 64)
    f.seek(size - window)
    tail = f.read(window)
    later: list[_Frame] = []
    for frame in _frame_headers_backwards(tail, info):
        confirmed = next((x for x in later if frame.first_sample + frame.samples == x.first_sample), None)
        if confirmed:
            end = confirmed.first_sample + confirmed.samples
            if end >= info.total_samples:
                return None
            missing = (info.total_samples - end) / info.sample_rate
            return f"truncated {label} file: the last {missing:.1f} s of audio are missing; {_INTERRUPTED}"
        later.append(frame)
    return None  # no two frames agree in the tail: nothing to judge by


def _frame_headers_backwards(data: bytes, info: StreamInfo) -> Iterator[_Frame]:
    pos = len(data)
    while (pos := data.rfind(b"\xff", 0, pos)) >= 0:
        frame = _frame_header(data, pos, info)
        if frame:
            yield frame


_BLOCK_SIZES = {1: 192, 2: 576, 3: 1152, 4: 2304, 5: 4608, **{n: 256 << (n - 8) for n in range(8, 16)}}
_RATES = {
    1: 88200,
    2: 176400,
    3: 192000,
    4: 8000,
    5: 16000,
    6: 22050,
    7: 24000,
    8: 32000,
    9: 44100,
    10: 48000,
    11: 96000,
}
_BITS = {1: 8, 2: 12, 4: 16, 5: 20, 6: 24, 7: 32}


def _frame_header(data: bytes, pos: int, info: StreamInfo) -> _Frame | None:
    """The FLAC frame header at `pos`, if one is there and agrees with STREAMINFO."""
    head = data[pos : pos + 16]
    if len(head) < 6 or head[1] & 0xFE != 0xF8 or head[3] & 1:
        return None
    variable = head[1] & 1
    size_code, rate_code = head[2] >> 4, head[2] & 0x0F
    channels_code, bits_code = head[3] >> 4, (head[3] >> 1) & 7
    channels = channels_code + 1 if channels_code < 8 else 2 if channels_code <= 10 else 0
    if channels != info.channels or size_code == 0 or rate_code == 15:
        return None
    if (rate_code and _RATES.get(rate_code, info.sample_rate) != info.sample_rate) or (
        bits_code and _BITS.get(bits_code) != info.bits_per_sample
    ):
        return None
    number, i = _utf8_number(head, 4)
    if number is None:
        return None
    samples = _BLOCK_SIZES.get(size_code, 0)
    if size_code in (6, 7):  # the block size follows, minus one
        width = size_code - 5
        samples = int.from_bytes(head[i : i + width], "big") + 1
        i += width
    i += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)  # a sample rate that follows: only skipped
    if i >= len(head) or _crc8(head[:i]) != head[i]:
        return None
    return _Frame(number if variable else number * info.max_blocksize, samples)


def _utf8_number(data: bytes, i: int) -> tuple[int | None, int]:
    """FLAC's "UTF-8" coded frame or sample number (up to 36 bits)."""
    ones = 8 - (~data[i] & 0xFF).bit_length()  # leading 1 bits: how many bytes follow, plus one
    extra = max(ones - 1, 0)
    if ones == 1 or ones == 8 or i + extra >= len(data):
        return None, i
    value = data[i] & ((1 << (6 - extra)) - 1 if extra else 0x7F)
    for b in data[i + 1 : i + 1 + extra]:
        if b & 0xC0 != 0x80:
            return None, i
        value = value << 6 | (b & 0x3F)
    return value, i + 1 + extra


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc << 1 ^ 0x07) & 0xFF if crc & 0x80 else crc << 1 & 0xFF
    return crc
