"""Shared fixtures: real audio files made at test time (stdlib wave + ffmpeg + mutagen tags)."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mutagen import File as MutagenFile
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    COMM,
    ID3,
    TALB,
    TCOM,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    TSRC,
    TXXX,
    UFID,
    USLT,
)
from mutagen.mp4 import MP4, MP4Cover

from tunecamp.generator.media.ffmpeg import ffmpeg_path

pytest_plugins = ["redis_server", "shared_state"]  # a real redis-server on loopback; both backends

# extension -> ffmpeg codec arguments
ENCODERS: dict[str, list[str]] = {
    "wav": ["-c:a", "pcm_s16le"],
    "aiff": ["-c:a", "pcm_s16be"],
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-q:a", "7"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "1"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "alac.m4a": ["-c:a", "alac"],
}

# A 1x1 red PNG: enough for mutagen and Pillow to see a real picture.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def write_tone(
    path: Path,
    seconds: float = 1.0,
    freq: float = 440.0,
    rate: int = 44100,
    amplitude: float = 0.5,
    silence_after: float = 0.0,
) -> Path:
    """A mono 16-bit WAV: a sine tone, then optional silence."""
    n_tone, n_silence = int(seconds * rate), int(silence_after * rate)
    frames = bytearray()
    for i in range(n_tone):
        frames += struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / rate)))
    frames += b"\0\0" * n_silence
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def tag_file(path: Path, tags: dict[str, Any], cover: bytes | None = None, id3v: int = 4) -> None:
    """Write tags the way common taggers do for each container."""
    name = path.name.lower()
    if name.endswith((".mp3", ".wav", ".aiff", ".aif")):
        f = MutagenFile(path)
        if f.tags is None:
            f.add_tags()
        id3: ID3 = f.tags
        frames = {
            "title": TIT2,
            "artist": TPE1,
            "albumartist": TPE2,
            "album": TALB,
            "tracknumber": TRCK,
            "discnumber": TPOS,
            "genre": TCON,
            "date": TDRC,
            "composer": TCOM,
            "isrc": TSRC,
        }
        picard = {
            "musicbrainz_trackid": "MusicBrainz Release Track Id",
            "musicbrainz_albumid": "MusicBrainz Album Id",
            "musicbrainz_artistid": "MusicBrainz Artist Id",
            "musicbrainz_albumartistid": "MusicBrainz Album Artist Id",
        }
        for key, value in tags.items():
            values = value if isinstance(value, list) else [str(value)]
            if key in frames:
                id3.add(frames[key](encoding=3, text=values))
            elif key == "lyrics":
                id3.add(USLT(encoding=3, lang="eng", desc="", text=value))
            elif key == "comment":
                id3.add(COMM(encoding=3, lang="eng", desc="", text=value))
            elif key == "musicbrainz_recordingid":
                id3.add(UFID(owner="http://musicbrainz.org", data=str(value).encode()))
            else:
                id3.add(TXXX(encoding=3, desc=picard.get(key, key.upper()), text=values))
        if cover:
            id3.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover))
        if name.endswith(".mp3"):
            f.save(v2_version=id3v)
        else:
            f.save()
        return
    if name.endswith(".m4a"):
        mp4 = MutagenFile(path, easy=True)
        freeform = {}
        for key, value in tags.items():
            if key == "lyrics":
                continue
            if key in mp4.Set:
                mp4[key] = value if isinstance(value, list) else [str(value)]
            else:
                freeform[key] = value
        mp4.save()
        raw = MP4(path)
        for key, value in freeform.items():
            values = value if isinstance(value, list) else [str(value)]
            raw[f"----:com.apple.iTunes:{key.upper()}"] = [v.encode() for v in values]
        if "lyrics" in tags:
            raw["\xa9lyr"] = [tags["lyrics"]]
        if cover:
            raw["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_PNG)]
        raw.save()
        return
    f = MutagenFile(path)  # FLAC, Ogg Vorbis, Opus: Vorbis comments
    if f.tags is None:
        f.add_tags()
    for key, value in tags.items():
        f.tags[key.upper()] = value if isinstance(value, list) else [str(value)]
    if cover:
        pic = Picture()
        pic.type, pic.mime, pic.desc, pic.data = 3, "image/png", "Cover", cover
        pic.width = pic.height = 1
        pic.depth = 24
        if isinstance(f, FLAC):
            f.add_picture(pic)
        else:
            import base64

            f.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(pic.write()).decode()]
    f.save()


MakeAudio = Callable[..., Path]


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return ffmpeg_path()


@pytest.fixture(scope="session")
def _tone_cache(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    return tmp_path_factory.mktemp("tones")


@pytest.fixture
def make_audio(_tone_cache: Path, ffmpeg: str) -> MakeAudio:
    """make_audio(path, seconds=1.0, freq=440, tags={...}, cover=PNG bytes, id3v=4).

    The format follows the file name (`x.flac`, `x.alac.m4a`...). Encodes are cached per
    (format, length, tone) for the session and copied, so fixtures stay cheap.
    """

    def make(
        path: Path,
        seconds: float = 1.0,
        freq: float = 440.0,
        tags: dict[str, Any] | None = None,
        cover: bytes | None = None,
        id3v: int = 4,
        silence_after: float = 0.0,
    ) -> Path:
        name = path.name.lower()
        ext = "alac.m4a" if name.endswith(".alac.m4a") else name.rsplit(".", 1)[-1]
        ext = "aiff" if ext == "aif" else ext
        cached = _tone_cache / f"{seconds}-{freq}-{silence_after}.{ext}"
        if not cached.exists():
            wav = write_tone(
                _tone_cache / f"{seconds}-{freq}-{silence_after}.src.wav",
                seconds,
                freq,
                silence_after=silence_after,
            )
            fmt = ["-f", "ipod"] if ext.endswith("m4a") else []
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-i", str(wav), *ENCODERS[ext], *fmt, str(cached)], check=True
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, path)
        if tags or cover:
            tag_file(path, tags or {}, cover, id3v)
        return path

    return make
