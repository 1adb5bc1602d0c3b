"""The media cache checks the files it links into the site (audiocache.py), with real transcodes and
real `tunecamp` processes: a damaged cache file is found, reported naming its source and made again.

A site's audio file is a hard link of its cache file: damaging one damages the other, as a tool
rewriting a deployed file in place would.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from clirun import tunecamp
from mediacatalog import decoded_seconds, one_release_catalog

SECONDS = 1.0


@pytest.fixture
def content(tmp_path: Path, make_audio) -> Path:  # type: ignore[no-untyped-def]
    return one_release_catalog(tmp_path / "content", make_audio, SECONDS)


def built(content: Path, public: Path) -> tuple[Path, Path]:
    """Build; the site's first stream file and the cache file it is a link of."""
    result = tunecamp("build", str(content), "-o", str(public))
    assert result.returncode == 0, result.stderr
    stream = sorted((public / "audio").rglob("*.mp3"))[0]
    objects = content.parent / "data" / "cache" / "media" / "objects"
    ino = stream.stat().st_ino
    return stream, next(p for p in objects.rglob("*.mp3") if p.stat().st_ino == ino)


def test_a_truncated_cache_file_is_made_again_and_reported(
    tmp_path: Path, content: Path, ffmpeg: str
) -> None:
    public = tmp_path / "public"
    stream, cached = built(content, public)
    size = stream.stat().st_size
    os.truncate(cached, size // 3)
    meta = content / "releases" / "r" / "release.yaml"
    meta.write_text(meta.read_text() + "credits: Recorded again.\n")  # rebuilt, with the same tags
    result = tunecamp("build", str(content), "-o", str(public))
    assert result.returncode == 0, result.stderr
    source = content / "releases" / "r" / "01 One.flac"
    assert (
        f"warning {source}: its cached mp3 ({cached}) was damaged: {size // 3} bytes instead of {size}"
        in (result.stderr)
    )
    assert stream.stat().st_size == size and decoded_seconds(ffmpeg, stream) == pytest.approx(
        SECONDS, abs=0.05
    )


def test_clean_finds_a_changed_byte_by_its_hash(tmp_path: Path, content: Path, ffmpeg: str) -> None:
    public = tmp_path / "public"
    stream, cached = built(content, public)
    damaged = bytearray(cached.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # the same size: only the hash tells
    cached.write_bytes(damaged)
    result = tunecamp("build", str(content), "-o", str(public), "--clean")
    assert result.returncode == 0, result.stderr
    assert (
        f"its cached mp3 ({cached}) was damaged: its bytes are not the ones it was made with" in result.stderr
    )
    assert stream.read_bytes() != damaged and decoded_seconds(ffmpeg, stream) == pytest.approx(
        SECONDS, abs=0.05
    )


def test_cache_verify_removes_what_is_damaged_and_the_next_build_repairs_the_site(
    tmp_path: Path, content: Path, ffmpeg: str
) -> None:
    public = tmp_path / "public"
    stream, cached = built(content, public)
    size = stream.stat().st_size
    os.truncate(cached, 100)
    result = tunecamp(
        "cache", "verify", str(content)
    )  # the cache `tunecamp build` used: data/ beside content
    assert result.returncode == 1, result.stderr
    source = content / "releases" / "r" / "01 One.flac"
    assert f"damaged {cached}, made from {source}: 100 bytes instead of {size}; removed" in result.stderr
    assert "1 damaged" in result.stderr and not cached.exists()
    again = tunecamp("cache", "verify", str(content))
    assert again.returncode == 0 and "0 damaged" in again.stderr, again.stderr

    rebuilt = tunecamp("build", str(content), "-o", str(public))  # nothing changed in content/, yet it runs
    assert rebuilt.returncode == 0 and "nothing changed" not in rebuilt.stderr, rebuilt.stderr
    assert stream.stat().st_size == size and decoded_seconds(ffmpeg, stream) == pytest.approx(
        SECONDS, abs=0.05
    )
