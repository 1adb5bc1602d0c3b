from __future__ import annotations

import subprocess
from pathlib import Path

import mutagen
import pytest
from conftest import PNG_1PX

from tunecamp.generator.catalog.tags import read_embedded_cover, read_tags
from tunecamp.generator.media.tagwrite import Cover, TagData, write_tags

TAGS = TagData(
    title="Night Drive",
    artists=("Ada", "Bo"),
    album="Roads",
    album_artists=("Ada",),
    number=3,
    total=9,
    disc=1,
    discs=2,
    date="2024-05-01",
    license="CC-BY-4.0",
)
COVER = Cover(PNG_1PX, "image/png", 1, 1)


@pytest.fixture
def wav(tmp_path: Path, make_audio) -> Path:
    return make_audio(tmp_path / "src.wav", seconds=0.5)


# every container the pipeline writes, made the way the pipeline makes it
CONTAINERS = {
    "mp3": ["-c:a", "libmp3lame", "-f", "mp3"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "opus": ["-c:a", "libopus", "-f", "opus"],
    "ogg": ["-c:a", "libvorbis", "-f", "ogg"],
    "m4a": ["-c:a", "aac", "-f", "ipod"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    "aiff": ["-c:a", "pcm_s16be", "-f", "aiff"],
}


@pytest.mark.parametrize("ext", list(CONTAINERS))
def test_tags_and_cover_are_written_for_every_container(
    tmp_path: Path, wav: Path, ffmpeg: str, ext: str
) -> None:
    out = tmp_path / f"out.{ext}"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(wav), *CONTAINERS[ext], str(out)], check=True)
    write_tags(out, ext, TAGS, COVER)
    tags, info = read_tags(out)  # the project's own tag reader sees what we wrote
    assert tags.title == "Night Drive"
    assert tags.artists == ("Ada", "Bo")
    assert tags.album == "Roads"
    assert tags.track_number == 3 and tags.disc_number == 1
    assert tags.date is not None and tags.date.year == 2024
    assert read_embedded_cover(out) == (PNG_1PX, "image/png")
    assert "CC-BY-4.0" in str(mutagen.File(out).tags)  # type: ignore[union-attr]
    assert info.duration == pytest.approx(0.5, abs=0.05)


def test_old_tags_are_replaced_not_merged(tmp_path: Path, make_audio) -> None:
    path = make_audio(tmp_path / "old.flac", tags={"title": "Old", "comment": "keep me?", "genre": "Noise"})
    write_tags(path, "flac", TAGS, None)
    tags = mutagen.File(path).tags  # type: ignore[union-attr]
    assert tags["TITLE"] == ["Night Drive"] and "COMMENT" not in tags and "GENRE" not in tags
    assert read_embedded_cover(path) is None


def test_unknown_containers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no tag writer"):
        write_tags(tmp_path / "x.wma", "wma", TAGS, None)
