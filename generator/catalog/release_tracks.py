"""A release's tracks: tags first, then the release.yaml `tracks:` entry matched by `file`, lyrics beside the audio."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.listing import Folder
from tunecamp.generator.catalog.lyrics import looks_like_lrc, parse_lrc
from tunecamp.generator.catalog.model import Artist, AudioInfo, Lyrics, Track
from tunecamp.generator.catalog.settings import Settings
from tunecamp.generator.catalog.slugs import slugify, unique_slug
from tunecamp.generator.catalog.tags import TrackTags, read_lyrics_file
from tunecamp.generator.problems import Problems

_NUMBER_PREFIX = re.compile(r"^\s*(?:\d{1,3}\s*[-._)]?\s+|\d{1,3}\s*[-._)]\s*)")


def track_overrides(
    value: Any, folder: Path, meta: Path, problems: Problems
) -> dict[Path, tuple[str, dict[str, Any]]]:
    """`tracks:` entries by the file they name, with the key prefix to report problems under."""
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.error(meta, "expected a list of tracks, each with a `file`", key="tracks")
        return {}
    overrides: dict[Path, tuple[str, dict[str, Any]]] = {}
    for i, entry in enumerate(value):
        where = f"tracks[{i}]."
        if not isinstance(entry, dict):
            problems.error(meta, "expected a mapping with a `file`", key=f"tracks[{i}]")
            continue
        c.check_keys(entry, c.TRACK_KEYS, meta, problems, where)
        path = c.inside(folder, entry.get("file"), meta, problems, where + "file")
        if path is not None:
            overrides[path] = (where, entry)
    return overrides


def tracks(
    here: Folder,
    read: list[tuple[Path, TrackTags, AudioInfo]],
    overrides: dict[Path, tuple[str, dict[str, Any]]],
    release_artists: list[Artist],
    settings: Settings,
) -> tuple[Track, ...]:
    meta, problems = here.meta, here.problems
    unsorted = []
    for position, (path, tags, info) in enumerate(read):
        where, o = overrides.get(path.resolve(), ("", {})) if overrides else ("", {})
        title = c.text_value(o, "title", meta, problems, where) or tags.title or title_from_file(path)
        unsorted.append(
            Track(
                slug="",
                source=path,
                title=title,
                artists=c.list_value(o, "artist", meta, problems, where)
                or tags.artists
                or tuple(a.name for a in release_artists),
                number=c.int_value(o, "number", meta, problems, where) or tags.track_number or position + 1,
                disc=c.int_value(o, "disc", meta, problems, where) or tags.disc_number or 1,
                audio=info,
                settings=c.settings_from(o, settings, meta, problems, where),
                date=tags.date,
                genres=c.list_value(o, "genres", meta, problems, where) or tags.genres,
                lyrics=_lyrics(here, path, o, tags, where),
                composers=c.list_value(o, "composer", meta, problems, where) or tags.composers,
                credits=c.text_value(o, "credits", meta, problems, where) or tags.credits,
                isrc=c.text_value(o, "isrc", meta, problems, where) or tags.isrc,
                musicbrainz=dict(tags.musicbrainz),
                has_embedded_cover=tags.has_cover,
                bpm=tags.bpm,
                moods=tags.moods,
                release_types=tags.release_types,
                original_date=tags.original_date,
                disc_title=tags.disc_subtitle,
            )
        )
    unsorted.sort(key=lambda t: (t.disc, t.number, t.source.name))
    taken: set[str] = set()
    return tuple(
        replace(t, slug=unique_slug(slugify(t.title) or f"track-{t.number}", taken)) for t in unsorted
    )


def disc_titles(value: Any, meta: Path, problems: Problems) -> dict[int, str]:
    """release.yaml `discs`: {disc number: title}; a bad entry is reported and left out."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.error(meta, "expected a mapping of disc numbers to titles, like `1: Studio`", key="discs")
        return {}
    titles: dict[int, str] = {}
    for number, title in value.items():
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            problems.error(meta, f"{number!r} is not a disc number (1, 2, ...)", key="discs")
        elif isinstance(title, bool) or not isinstance(title, str | int | float) or not str(title).strip():
            problems.error(meta, f"disc {number}: expected a title, got {title!r}", key=f"discs.{number}")
        else:
            titles[number] = str(title).strip()
    return titles


def titled_discs(tracks: tuple[Track, ...], titles: dict[int, str]) -> tuple[Track, ...]:
    """Each track with its disc's title: release.yaml's wins over the tags'."""
    if not titles:
        return tracks
    return tuple(replace(t, disc_title=titles[t.disc]) if t.disc in titles else t for t in tracks)


def title_from_file(path: Path) -> str:
    """'03 - Night Drive.flac' -> 'Night Drive'."""
    stem = _NUMBER_PREFIX.sub("", path.stem).replace("_", " ").strip()
    return stem or path.stem


def _lyrics(here: Folder, path: Path, override: dict[str, Any], tags: TrackTags, where: str) -> Lyrics | None:
    text = c.text_value(override, "lyrics", here.meta, here.problems, where)
    if text:
        return Lyrics(text)
    stem = os.path.splitext(path.name)[0]
    for name in (
        f"{stem}.ttml",
        f"{stem}.lrc",
        f"{stem}.txt",
    ):  # TTML first: it is there for its word timings
        side = path.parent / name
        if name in here.listing.files:
            try:
                return read_lyrics_file(side)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                here.problems.error(side, f"cannot read lyrics: {exc}")
    if not tags.lyrics:
        return None
    return parse_lrc(tags.lyrics) if looks_like_lrc(tags.lyrics) else Lyrics(tags.lyrics)


def common_genres(tracks: tuple[Track, ...]) -> tuple[str, ...]:
    counts = Counter(g for t in tracks for g in t.genres)
    return tuple(g for g, _ in counts.most_common())
