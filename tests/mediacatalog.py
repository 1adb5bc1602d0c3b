"""Building small catalogs by hand for the media tests, without the scanner.

The media stage must cope with files the scanner would reject, so a track's AudioInfo
comes from the tag reader when it can read the file and is made up otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from tunecamp.generator.catalog.model import Artist, AudioInfo, Catalog, CatalogConfig, Image, Release, Track
from tunecamp.generator.catalog.settings import Settings, parse_settings
from tunecamp.generator.catalog.tags import TagError, read_tags


def settings(**values: Any) -> Settings:
    parsed, errors = parse_settings(values)
    assert not errors, errors
    return Settings().override(parsed)


def audio_info(path: Path, **overrides: Any) -> AudioInfo:
    try:
        info = read_tags(path)[1]
    except TagError:
        info = AudioInfo(
            format=path.suffix.lstrip("."),
            codec="unknown",
            mime="application/octet-stream",
            size=path.stat().st_size,
            duration=1.0,
        )
    if overrides:
        info = AudioInfo(**{**info.__dict__, **overrides})
    return info


def release(
    folder: Path,
    files: Iterable[Path],
    *,
    slug: str | None = None,
    title: str = "An Album",
    settings_: Settings | None = None,
    track_settings: Mapping[str, Settings] | None = None,
    cover: Path | None = None,
    embedded_cover: Path | None = None,
    extras: Iterable[Path] = (),
    infos: Mapping[str, AudioInfo] | None = None,
) -> Release:
    base = settings_ or Settings()
    tracks = []
    for n, path in enumerate(files, 1):
        stem = path.name.split(".")[0]
        info = (infos or {}).get(path.name) or audio_info(path)
        tracks.append(
            Track(
                slug=stem,
                source=path,
                title=f"Song {stem}",
                artists=("Ada",),
                number=n,
                disc=1,
                audio=info,
                settings=(track_settings or {}).get(path.name, base),
                date=dt.date(2024, 5, 1),
            )
        )
    image = (
        Image(embedded_cover, "embedded", embedded_in=embedded_cover)
        if embedded_cover
        else (Image(cover, "a cover") if cover else None)
    )
    return Release(
        slug=slug or folder.name,
        title=title,
        artist_slugs=("ada",),
        status="published",
        tracks=tuple(tracks),
        settings=base,
        source_dir=folder,
        date=dt.date(2024, 5, 1),
        cover=image,
        extras=tuple(extras),
    )


def catalog(content: Path, releases: Iterable[Release], artist_image: Path | None = None) -> Catalog:
    ada = Artist(
        "ada", "Ada Lovelace", Settings(), image=Image(artist_image, "Ada") if artist_image else None
    )
    return Catalog(CatalogConfig("Test", "https://music.example.org"), content, (ada,), tuple(releases))


def ffmpeg_counter(tmp_path: Path, ffmpeg: str) -> tuple[str, Path]:
    """A wrapper that logs each run's pid before exec'ing ffmpeg: (binary, log)."""
    log = tmp_path / "ffmpeg-runs.log"
    log.touch()
    script = tmp_path / "ffmpeg-counting"
    script.write_text(f'#!/bin/sh\necho $$ >> "{log}"\nexec "{ffmpeg}" "$@"\n')
    script.chmod(0o755)
    return str(script), log


def runs(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()]


def decoded_seconds(ffmpeg: str, path: Path) -> float:
    """The length of a file as ffmpeg decodes it (samples counted at 48 kHz)."""
    args = ("-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "s16le", "-")
    pcm = subprocess.run([ffmpeg, *args], capture_output=True, check=True).stdout
    return len(pcm) / 2 / 48000


def _flac_claiming(tmp_path: Path, make_audio: Any, seconds: int) -> Path:
    """A real 1 s FLAC whose STREAMINFO says it holds `seconds` of audio."""
    path = make_audio(tmp_path / "long.flac")
    data = bytearray(path.read_bytes())
    field = int.from_bytes(data[18:26], "big")
    field = (field & ~((1 << 36) - 1)) | (44100 * seconds)
    data[18:26] = field.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def bad_inputs(tmp_path: Path, make_audio: Any) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its error says)."""
    empty = tmp_path / "empty.flac"
    empty.touch()
    garbage = tmp_path / "garbage.ogg"
    garbage.write_bytes(os.urandom(4000))
    text = tmp_path / "notes.wav"
    text.write_text("these are not the samples you are looking for\n" * 50)
    good = make_audio(tmp_path / "full.flac", seconds=2.0)
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    corrupt = tmp_path / "corrupt.flac"
    data = bytearray(good.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = os.urandom(third)
    corrupt.write_bytes(bytes(data))
    m4a_as_mp3 = tmp_path / "m4a.mp3"
    shutil.copyfile(make_audio(tmp_path / "real.m4a"), m4a_as_mp3)
    picture = tmp_path / "picture.mp3"
    PILImage.new("RGB", (64, 64), "red").save(picture, "PNG")
    return {
        "zero-length": (empty, "empty file"),
        "random bytes": (garbage, "not audio ffmpeg can read"),
        "text named .wav": (text, "not audio ffmpeg can read"),
        "truncated": (truncated, "truncated or corrupt"),
        "corrupt": (corrupt, "truncated or corrupt"),
        "aac inside .mp3": (m4a_as_mp3, "mislabelled: holds aac audio"),
        "no audio stream": (picture, "no audio stream"),
        "header claiming hours": (_flac_claiming(tmp_path, make_audio, 6 * 3600), "over the 4:00:00 limit"),
    }


def one_release_catalog(content: Path, make_audio: Any, seconds: float) -> Path:
    """A catalog of one published release with one FLAC track of `seconds` (builds, locks, caches)."""
    (content / "releases" / "r").mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: T\n")
    (content / "releases" / "r" / "release.yaml").write_text("title: R\nstatus: published\n")
    make_audio(content / "releases" / "r" / "01 One.flac", seconds=seconds)
    return content
