"""Opening an audio file with mutagen: the reader its name calls for, stream info, and why a file is bad.

The reader is chosen by extension rather than by `mutagen.File`, which scores every format
it knows and measured 1.2-2x slower per file. During a scan, ID3 pictures and
other bulky frames are left unparsed: only their presence matters then.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mutagen import FileType
from mutagen.aiff import AIFF, AIFFInfo
from mutagen.flac import FLAC, Padding, StreamInfo
from mutagen.id3 import Frames, Frames_2_2
from mutagen.mp3 import MP3, MPEGInfo
from mutagen.mp4 import MP4, MP4Chapters, MP4Tags
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE, WaveStreamInfo

from tunecamp.generator.catalog.model import AudioInfo
from tunecamp.generator.catalog.truncation import Header, mp4_truncation, truncation


class TagError(Exception):
    """An audio file that cannot be used; the message says why in plain words (not the path)."""


# extension -> AudioInfo.format
FORMATS = {
    ".mp3": "mp3",
    ".flac": "flac",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "opus",
    ".m4a": "m4a",
    ".wav": "wav",
    ".aif": "aiff",
    ".aiff": "aiff",
}
_LABELS = {
    "mp3": "MP3",
    "flac": "FLAC",
    "ogg": "Ogg",
    "opus": "Opus",
    "m4a": "M4A",
    "wav": "WAV",
    "aiff": "AIFF",
}
_CONTAINER = {
    "mp3": "mpeg",
    "flac": "flac",
    "ogg": "ogg",
    "opus": "ogg",
    "m4a": "mp4",
    "wav": "riff",
    "aiff": "iff",
}
_PLAYABLE = {
    ("mp3", "mp3"),
    ("flac", "flac"),
    ("ogg", "vorbis"),
    ("ogg", "opus"),
    ("opus", "opus"),
    ("opus", "vorbis"),
    ("m4a", "aac"),
    ("wav", "pcm"),
}
_MIMES = {
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "aiff": "audio/aiff",
}
_MP4_CODECS = {"alac": "alac", "mp4a.69": "mp3", "mp4a.6b": "mp3", "flac": "flac", "opus": "opus"}
_OGG_CODECS = ((b"OpusHead", "Opus"), (b"\x01vorbis", "Vorbis"), (b"\x7fFLAC", "FLAC"))

# Text, comment, lyrics and ID frames; APIC, GEOB, PRIV... stay raw bytes in `unknown_frames`.
_SCAN_OTHER_FRAMES = {"COMM", "COM", "USLT", "ULT", "UFID", "UFI", "IPLS", "IPL"}
_SCAN_FRAMES = {
    name: frame
    for name, frame in {**Frames, **Frames_2_2}.items()
    if name.startswith("T") or name in _SCAN_OTHER_FRAMES
}


class _NoChapters(MP4Chapters):
    def __init__(self, *args: Any) -> None:
        super().__init__()


class _ScanMP4(MP4):
    MP4Chapters = _NoChapters


class _NoMP4Tags(MP4Tags):
    def __init__(self, *args: Any) -> None:
        super().__init__()


class _StreamOnlyMP4(_ScanMP4):
    MP4Tags = _NoMP4Tags


class _StreamOnlyFLAC(FLAC):
    METADATA_BLOCKS = [StreamInfo, Padding, None, None, None, None, None]  # noqa: RUF012 (rest: opaque bytes)


class _NoOggTags:
    """Stands in for the comment packet, so a stream with damaged tags can still be measured."""

    def __init__(self, fileobj: IO[bytes], info: Any) -> None:
        pass


def _ogg_stream_only(cls: type[FileType]) -> Callable[[IO[bytes]], Any]:
    stream_only = type(f"_StreamOnly{cls.__name__}", (cls,), {"_Tags": _NoOggTags})
    return lambda f: stream_only(f).info


@dataclass(frozen=True)
class _Reader:
    load: Callable[[IO[bytes], bool], Any]  # (file, every_frame) -> mutagen FileType
    stream_only: Callable[[IO[bytes]], Any]  # file -> mutagen StreamInfo, ignoring the tags
    codec: Callable[[Any], str]


def _id3(cls: type[FileType]) -> Callable[[IO[bytes], bool], Any]:
    return lambda f, every: cls(f) if every else cls(f, known_frames=_SCAN_FRAMES)


def _mp4_codec(info: Any) -> str:
    codec = str(getattr(info, "codec", "")).lower()
    if codec.startswith("mp4a.40"):
        return "aac"
    return _MP4_CODECS.get(codec, codec)


def _wav_codec(info: Any) -> str:
    fmt = getattr(info, "audio_format", 1)
    return "pcm" if fmt in (1, 3, 0xFFFE) else f"wav-0x{fmt:04x}"


_READERS = {
    "mp3": _Reader(_id3(MP3), MPEGInfo, lambda i: f"mp{i.layer}"),
    "wav": _Reader(_id3(WAVE), WaveStreamInfo, _wav_codec),
    "aiff": _Reader(_id3(AIFF), AIFFInfo, lambda i: "pcm"),
    "flac": _Reader(lambda f, every: FLAC(f), lambda f: _StreamOnlyFLAC(f).info, lambda i: "flac"),
    "vorbis": _Reader(lambda f, every: OggVorbis(f), _ogg_stream_only(OggVorbis), lambda i: "vorbis"),
    "opus": _Reader(lambda f, every: OggOpus(f), _ogg_stream_only(OggOpus), lambda i: "opus"),
    "oggflac": _Reader(lambda f, every: OggFLAC(f), _ogg_stream_only(OggFLAC), lambda i: "flac"),
    "m4a": _Reader(lambda f, every: _ScanMP4(f), lambda f: _StreamOnlyMP4(f).info, _mp4_codec),
}


def open_audio(path: Path, *, every_frame: bool = False) -> tuple[Any | None, AudioInfo]:
    """The mutagen file (None when only the stream could be read) and what the audio is.

    Raises TagError for anything unusable: unsupported, empty, truncated, damaged or mislabelled.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted({e.lstrip(".") for e in FORMATS}))
        raise TagError(f"unsupported file type {path.suffix or '(no extension)'!r}; TuneCamp reads {known}")
    try:
        f = path.open("rb")
    except OSError as exc:
        raise TagError(f"cannot open the file: {exc.strerror or exc}") from exc
    with f:
        try:
            return _read(f, fmt, every_frame)
        except TagError:
            raise
        except OSError as exc:
            raise TagError(f"cannot read the file: {exc.strerror or exc}") from exc
        except Exception as exc:  # e.g. a file cut short while we read it (a copy still running)
            raise TagError(f"cannot read the file: {exc or type(exc).__name__}") from exc


def _read(f: IO[bytes], fmt: str, every_frame: bool) -> tuple[Any | None, AudioInfo]:
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise TagError("the file is empty (0 bytes)")
    head = f.read(64)
    f.seek(0)
    reader = _READERS[_reader_name(fmt, head)]
    audio: Any | None = None
    try:
        audio = reader.load(f, every_frame)
        stream = audio.info
    except Exception as exc:  # mutagen raises assorted types on hostile input: all mean "unreadable"
        try:
            f.seek(0)
            stream = reader.stream_only(f)  # damaged tags, sound audio: keep the audio
        except Exception:
            raise TagError(_explain(fmt, f, size, exc)) from exc
        audio = None
    codec = reader.codec(stream)
    if not codec:
        raise TagError(f"no audio track in this {_LABELS[fmt]} file")
    info = _audio_info(fmt, codec, stream, size)
    problem = truncation(f, Header(fmt, codec, _LABELS[fmt], stream, size))
    if problem:
        raise TagError(problem)
    return audio, info


def _reader_name(fmt: str, head: bytes) -> str:
    if fmt in ("ogg", "opus") and head.startswith(b"OggS"):  # the codec inside, whatever the name says
        return "opus" if b"OpusHead" in head else "oggflac" if b"\x7fFLAC" in head else "vorbis"
    return "vorbis" if fmt == "ogg" else fmt


def _audio_info(fmt: str, codec: str, stream: Any, size: int) -> AudioInfo:
    label = _LABELS[fmt]
    length = float(getattr(stream, "length", 0) or 0)
    if not math.isfinite(length) or length <= 0:
        raise TagError(f"no audio in this {label} file (its length reads as 0 s): empty, truncated, damaged?")
    bitrate = int(getattr(stream, "bitrate", 0) or 0) or round(size * 8 / length)
    lossless = codec in ("flac", "alac", "pcm")
    mime = _MIMES.get(fmt) or ("audio/ogg" if codec == "vorbis" else f"audio/ogg; codecs={codec}")
    return AudioInfo(
        format=fmt,
        codec=codec,
        mime=mime,
        size=size,
        duration=round(length, 3),
        bitrate=bitrate,
        sample_rate=int(getattr(stream, "sample_rate", 0) or 0) or (48000 if codec == "opus" else None),
        channels=int(getattr(stream, "channels", 0) or 0) or None,
        bits_per_sample=(int(getattr(stream, "bits_per_sample", 0) or 0) or None) if lossless else None,
        web_playable=(fmt, codec) in _PLAYABLE,
    )


def _explain(fmt: str, f: IO[bytes], size: int, exc: Exception) -> str:
    """Plain words for a file mutagen rejected: mislabelled, not audio at all, or damaged."""
    label = _LABELS[fmt]
    f.seek(0)
    head = f.read(64)
    if head.startswith(b"ID3") and len(head) >= 10:  # an ID3 tag can front MP3, AAC and even FLAC
        tag_size = 10 + sum((b & 0x7F) << shift for b, shift in zip(head[6:10], (21, 14, 7, 0), strict=True))
        if tag_size > size:
            return f"truncated {label} file: its ID3 tag needs {tag_size - size} bytes more than the file has"
        f.seek(tag_size)
        head = f.read(64) or head
    found = sniff(head)
    if found is None:
        return f"not {label} audio: the data matches no audio format TuneCamp reads (damaged, or not audio)"
    container, what = found
    if container != _CONTAINER[fmt]:
        return f"mislabelled file: the name says {label} but the data is {what}; rename or re-encode it"
    if what.startswith("Ogg with"):
        return f"unsupported audio: {what} (Ogg files must hold Vorbis, Opus or FLAC)"
    if fmt == "m4a" and (cut := mp4_truncation(f, size)):
        return cut
    detail = str(exc).strip() or type(exc).__name__
    return f"damaged or truncated {label} file ({detail})"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(container, description) from a file's first bytes, or None."""
    if head.startswith(b"fLaC"):
        return "flac", "FLAC"
    if head.startswith(b"OggS"):
        codec = next((name for magic, name in _OGG_CODECS if magic in head), None)
        return "ogg", f"Ogg {codec}" if codec else "Ogg with a codec TuneCamp does not read"
    if head[4:8] == b"ftyp":
        return "mp4", "MP4/M4A"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "riff", "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "iff", "AIFF"
    if head.startswith(b"ADIF"):
        return "adts", "AAC (ADIF)"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 3
        return ("adts", "AAC (ADTS)") if layer == 0 else ("mpeg", f"MPEG audio layer {4 - layer}")
    if head.startswith(b"ID3"):
        return "mpeg", "MP3 (an ID3 tag, then nothing readable)"
    return None
