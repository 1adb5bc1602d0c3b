"""Writing a diff: empty fields filled, the artist's values and the audio bytes untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from tunecamp.daemon.enrich.catalog import read_queries
from tunecamp.daemon.enrich.diff import Options, chosen
from tunecamp.daemon.enrich.service import Enricher
from tunecamp.generator.catalog.lyrics import read_lyrics_file

from .conftest import JPEG, RELEASE_YAML, SYNCED, Providers


def _audio_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.flac"))}


async def _apply(enricher: Enricher, content: Path, overwrite: frozenset[str] = frozenset()) -> list[str]:
    queries = read_queries(content, ("tides",))
    options = Options(overwrite=overwrite)
    result = await enricher.run(queries, options, "command")
    done = await enricher.apply(
        queries[0], chosen(result.diffs[0].proposals, overwrite), result.run_id, result.context
    )
    assert not done.errors, done.errors
    return done.written


async def test_apply_fills_the_gaps_and_leaves_the_artist_alone(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    folder = content / "releases/tides"
    audio = _audio_digests(folder)
    written = await _apply(enricher, content)
    assert _audio_digests(folder) == audio  # the audio files, byte for byte
    text = (folder / "release.yaml").read_text()
    # the artist's lines, comments and blank line are all still there, in their order
    kept = [line for line in text.splitlines() if line in RELEASE_YAML.splitlines()]
    assert kept == RELEASE_YAML.splitlines()
    data = yaml.safe_load(text)
    assert data["genres"] == ["field recordings"]  # the artist's genres, not MusicBrainz's
    assert data["label"] == "Quiet Records" and data["catalog_number"] == "QR-042"
    assert str(data["date"]) == "2019-05-01"
    assert data["credits"] == "Mixed By: Sam Mix\nMastered By: Jo Master"
    entries = {t["file"]: t for t in data["tracks"]}
    assert entries["02 - Low Water.flac"] == {
        "file": "02 - Low Water.flac",
        "number": 2,
        "title": "Low Water (Part One)",
        "isrc": "GBAYE1900002",
        "composer": ["Aurora Lane"],
    }
    assert entries["01 - First Light.flac"]["isrc"] == "GBAYE1900001"
    assert (folder / "cover.jpg").read_bytes() == JPEG
    assert (folder / "01 - First Light.lrc").read_text() == SYNCED + "\n"
    assert (folder / "02 - Low Water.txt").read_text() == "Low water\nlow light\n"
    assert read_lyrics_file(folder / "01 - First Light.lrc").synced
    assert any(w.startswith("release.yaml:") for w in written)

    # what the build reads now, and a second run finds nothing left to add
    again = read_queries(content, ("tides",))[0]
    assert again.values["label"] == "Quiet Records" and again.values["cover"] == "cover.jpg"
    assert again.tracks[0].values["lyrics"] == "synced"
    result = await enricher.run([again], Options(), "command")
    assert [p.key for p in chosen(result.diffs[0].proposals, frozenset())] == []


async def test_overwrite_replaces_only_the_fields_it_names(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    folder = content / "releases/tides"
    (folder / "release.yaml").write_text(
        RELEASE_YAML.replace("artist: aurora\n", "artist: aurora\nlabel: Home\n")
    )
    await _apply(enricher, content, overwrite=frozenset({"genres"}))
    data = yaml.safe_load((folder / "release.yaml").read_text())
    assert data["genres"] == ["drone", "ambient"]  # named: replaced
    assert data["label"] == "Home"  # not named: the artist's stays
    assert "# the artist's own choice" in (folder / "release.yaml").read_text()


async def test_an_existing_cover_or_lyrics_file_is_never_replaced_unasked(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    folder = content / "releases/tides"
    (folder / "folder.png").write_bytes(b"\x89PNG\r\n\x1a\nartist's own")
    (folder / "01 - First Light.txt").write_text("my own words\n")
    await _apply(enricher, content)
    assert (folder / "folder.png").read_bytes() == b"\x89PNG\r\n\x1a\nartist's own"
    assert not (folder / "cover.jpg").exists()
    assert (folder / "01 - First Light.txt").read_text() == "my own words\n"
    assert not (folder / "01 - First Light.lrc").exists()


async def test_overwriting_the_cover_points_release_yaml_at_the_new_file(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    folder = content / "releases/tides"
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\nthe artist's")
    await _apply(enricher, content, overwrite=frozenset({"cover"}))
    assert (folder / "cover.jpg").read_bytes() == JPEG
    assert yaml.safe_load((folder / "release.yaml").read_text())["cover"] == "cover.jpg"
    assert read_queries(content, ("tides",))[0].values["cover"] == "cover.jpg"


def test_the_artists_credits_are_read_as_text(content: Path) -> None:
    meta = content / "releases/tides/release.yaml"
    meta.write_text(
        meta.read_text().replace("artist: aurora\n", "artist: aurora\ncredits: Mixed by *Sam* & Jo\n")
    )
    assert read_queries(content, ("tides",))[0].values["credits"] == "Mixed by Sam & Jo"
