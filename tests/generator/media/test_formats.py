from __future__ import annotations

import pytest

from tunecamp.generator.catalog.settings import DOWNLOAD_FORMATS, STREAMING_PRESETS
from tunecamp.generator.media.formats import (
    DOWNLOADS,
    PRESETS,
    STREAM_FORMATS,
    can_pass_through,
    codec_family,
    stream_formats,
)


def test_every_setting_name_has_a_format() -> None:
    assert set(DOWNLOADS) == set(DOWNLOAD_FORMATS)
    assert set(PRESETS) == set(STREAMING_PRESETS)
    assert [f.name for f in stream_formats("standard")] == ["opus-96", "mp3-v5"]
    assert [f.name for f in stream_formats("frugal")] == ["opus-48", "mp3-v7"]
    assert [f.name for f in stream_formats("high")] == ["opus-160", "mp3-v0"]


def test_streams_come_smallest_codec_first_and_are_lossy() -> None:
    for preset in PRESETS:
        formats = stream_formats(preset)
        assert formats[0].codec == "opus" and formats[1].codec == "mp3"
        assert all(not f.lossless and f.bitrate for f in formats)


def test_pcm_keeps_24_bit_masters() -> None:
    assert "pcm_s24le" in DOWNLOADS["wav"].encode_args(24)
    assert "pcm_s16le" in DOWNLOADS["wav"].encode_args(16)
    assert "pcm_s24be" in DOWNLOADS["aiff"].encode_args(24)
    assert DOWNLOADS["flac"].encode_args(24) == DOWNLOADS["flac"].args


@pytest.mark.parametrize(
    ("fmt", "ext", "codec", "bitrate", "expected"),
    [
        ("mp3-v5", ".mp3", "mp3", 128_000, True),
        ("mp3-v5", ".mp3", "mp3", 320_000, False),  # too big to stream as it is
        ("mp3-v5", ".flac", "flac", 128_000, False),
        ("opus-96", ".opus", "opus", 96_000, True),
        ("opus-96", ".ogg", "opus", 64_000, True),
        ("opus-96", ".ogg", "vorbis", 64_000, False),
        ("mp3-v5", ".mp3", "mp3", None, False),
    ],
)
def test_pass_through(fmt: str, ext: str, codec: str, bitrate: int | None, expected: bool) -> None:
    assert can_pass_through(STREAM_FORMATS[fmt], ext, codec, bitrate) is expected


def test_codec_families() -> None:
    assert codec_family("pcm_s24le") == "pcm" and codec_family("mp3float") == "mp3"
    assert codec_family("flac") == "flac"
