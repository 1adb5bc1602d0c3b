"""Reading one release folder: release.yaml, notes.md, the cover and the audio files.

Tags come first, release.yaml overrides them: a release-level key for the whole
release, a `tracks:` entry (matched by `file`) for one track.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.lyrics import looks_like_lrc, parse_lrc
from tunecamp.generator.catalog.markup import render_markdown, summary
from tunecamp.generator.catalog.model import (
    STATUSES,
    Artist,
    AudioInfo,
    CatalogConfig,
    Image,
    Lyrics,
    Release,
    Status,
    Track,
)
from tunecamp.generator.catalog.settings import DAEMON_POLICIES, Settings
from tunecamp.generator.catalog.slugs import is_safe_slug, slugify, unique_slug
from tunecamp.generator.catalog.tags import TagError, TrackTags, read_lyrics_file
from tunecamp.generator.problems import Problems

TagReader = Callable[[Path], tuple[TrackTags, AudioInfo]]
AUDIO_EXTS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".wav", ".aif", ".aiff"})
_NUMBER_PREFIX = re.compile(r"^\s*(?:\d{1,3}\s*[-._)]?\s+|\d{1,3}\s*[-._)]\s*)")


@dataclass(frozen=True)
class Listing:
    """A release folder's visible files and sub-folders, read once: every later question about
    which files exist is a set lookup, not a stat (a label's scan asks tens of thousands)."""

    files: frozenset[str]
    folders: frozenset[str]

    @classmethod
    def of(cls, folder: Path) -> Listing:
        files, folders = set(), set()
        with os.scandir(folder) as entries:
            for e in entries:
                if e.name.startswith("."):
                    continue
                if e.is_file():
                    files.add(e.name)
                elif e.is_dir():
                    folders.add(e.name)
        return cls(frozenset(files), frozenset(folders))

    def audio(self, folder: Path) -> list[Path]:
        return sorted(folder / n for n in self.files if os.path.splitext(n)[1].lower() in AUDIO_EXTS)


@dataclass(frozen=True)
class _Folder:
    """The release folder being read: what it holds, and where its problems are reported."""

    path: Path
    meta: Path  # its release.yaml, which keys are reported against
    listing: Listing
    problems: Problems


def read_release(
    folder: Path, config: CatalogConfig, artists: dict[str, Artist], problems: Problems, tag_reader: TagReader
) -> Release | None:
    """The release in `folder`, or None when it is not one or cannot be read at all.

    `artists` gains the artists this release names that have no folder of their own.
    """
    listing = Listing.of(folder)
    meta = folder / "release.yaml"
    has_meta = meta.name in listing.files
    data: dict[str, Any] = {}
    if has_meta:
        loaded = c.load_yaml(meta, problems)
        if loaded is None:
            problems.error(meta, "release skipped until its release.yaml is fixed")
            return None
        data = loaded
        c.check_keys(data, c.RELEASE_KEYS, meta, problems)
    files = listing.audio(folder)
    if not files:
        if has_meta:
            problems.error(folder, "no audio files (mp3, flac, ogg, opus, m4a, wav, aiff); release skipped")
        return None
    slug = c.text_value(data, "slug", meta, problems) or slugify(folder.name)
    if not is_safe_slug(slug):
        problems.error(
            meta if has_meta else folder,
            f"{slug!r} is not a safe slug (a-z, 0-9 and -); release skipped",
            key="slug",
        )
        return None

    read: list[tuple[Path, TrackTags, AudioInfo]] = []
    for path in files:
        try:
            tags, info = tag_reader(path)
        except TagError as exc:
            problems.error(path, f"unreadable audio: {exc}; track skipped")
            continue
        read.append((path, tags, info))
    if not read:
        problems.error(folder, "none of the audio files could be read; release skipped")
        return None

    first = read[0][1]
    names = (
        c.list_value(data, "artist", meta, problems)
        or first.album_artists
        or first.artists
        or _untagged_artist(folder, artists, problems)
    )
    release_artists = [artist_for(name, artists, config) for name in names]
    settings = c.settings_from(data, release_artists[0].settings, meta, problems)
    settings = _download_checked(settings, meta if has_meta else folder, problems)
    overrides = _track_overrides(data.get("tracks"), folder, meta, problems)
    here = _Folder(folder, meta, listing, problems)
    tracks = tuple(
        t
        if t.settings == settings
        else replace(t, settings=_download_checked(t.settings, t.source, problems))
        for t in _tracks(here, read, overrides, release_artists, settings)
    )

    genres = c.list_value(data, "genres", meta, problems) or _common_genres(tracks)
    date = c.date_value(data, "date", meta, problems) or next((t.date for t in tracks if t.date), None)
    cover = _cover(here, data, read)
    notes = c.read_markdown(folder / "notes.md", problems) if "notes.md" in listing.files else ""
    notes_html = render_markdown(notes, allow_html=config.allow_html)
    credits = c.text_value(data, "credits", meta, problems) or ""
    extras_dir = folder / "extras"
    status = _status(data.get("status"), meta, problems)
    if status != "draft" and not config.daemon_url:
        _needs_daemon(slug, meta if has_meta else folder, settings, tracks, problems)
    return Release(
        slug=slug,
        title=c.text_value(data, "title", meta, problems) or first.album or folder.name,
        artist_slugs=tuple(dict.fromkeys(a.slug for a in release_artists)),
        status=status,
        tracks=tracks,
        settings=settings,
        source_dir=folder,
        date=date,
        cover=cover,
        notes_html=notes_html,
        summary=summary(notes_html) if notes_html else "",
        credits_html=render_markdown(credits, allow_html=config.allow_html, line_breaks=True),
        genres=genres,
        catalog_number=c.text_value(data, "catalog_number", meta, problems),
        label=c.text_value(data, "label", meta, problems),
        extras=tuple(sorted(p for p in extras_dir.iterdir() if p.is_file() and not p.name.startswith(".")))
        if "extras" in listing.folders
        else (),
        metadata_file=meta if has_meta else None,
        credited=tuple(names),
    )


def _download_checked(settings: Settings, where: Path, problems: Problems) -> Settings:
    """`download: external` needs the address to send buyers to: without one there is nothing to
    offer, so it is a warning and no Download box (`download: none`)."""
    if settings.download != "external" or settings.external_url:
        return settings
    problems.warning(
        where,
        "download: external without external_url: no Download box is shown; add "
        "`external_url: https://...` (your shop's page for it) or choose another download policy",
        key="external_url",
    )
    return replace(settings, download="none")


def _status(value: Any, meta: Path, problems: Problems) -> Status:
    if value is None:
        return "draft"
    for status in STATUSES:
        if value == status:
            return status
    problems.error(meta, f"{value!r} is not one of: {', '.join(STATUSES)}; kept as draft", key="status")
    return "draft"


def _untagged_artist(folder: Path, artists: dict[str, Artist], problems: Problems) -> tuple[str, ...]:
    """Who made a release whose release.yaml and tags name no one: the catalog's only artist (the
    one folder in artists/), else the artist of a folder named "Artist - Title", else a warning."""
    own = [a for a in artists.values() if a.source_dir is not None]
    if len(own) == 1:
        return (own[0].name,)
    named, dash, _ = folder.name.partition(" - ")
    if dash and named.strip():
        return (named.strip(),)
    problems.warning(
        folder,
        "no artist: its audio has no artist tags and release.yaml names none, so it is shown as "
        "Unknown Artist; add `artist: <slug or name>` to its release.yaml",
        key="artist",
    )
    return ("Unknown Artist",)


def artist_for(name: str, artists: dict[str, Artist], config: CatalogConfig) -> Artist:
    """The artist a release names, by slug or by name; created from the name when unknown."""
    if name in artists:
        return artists[name]
    lowered = name.casefold()
    for artist in artists.values():
        if artist.name.casefold() == lowered:
            return artist
    slug = slugify(name) or "unknown-artist"
    if slug not in artists:
        artists[slug] = Artist(slug=slug, name=name, settings=config.settings)
    return artists[slug]


def _track_overrides(
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


def _needs_daemon(
    slug: str, where: Path, settings: Settings, tracks: tuple[Track, ...], problems: Problems
) -> None:
    """A release sold or unlocked through the daemon cannot be offered by a site that names none."""
    policies = dict.fromkeys(p for p in (settings.download, *(t.settings.download for t in tracks)))
    for policy in policies:
        if policy in DAEMON_POLICIES:
            problems.error(
                where,
                f"release {slug!r} has `download: {policy}`, which the daemon serves: set `daemon_url` in "
                "catalog.yaml to the daemon's address, or choose another download policy",
                key="download",
            )


def _tracks(
    here: _Folder,
    read: list[tuple[Path, TrackTags, AudioInfo]],
    overrides: dict[Path, tuple[str, dict[str, Any]]],
    release_artists: list[Artist],
    settings: Settings,
) -> tuple[Track, ...]:
    meta, problems = here.meta, here.problems
    unsorted = []
    for position, (path, tags, info) in enumerate(read):
        where, o = overrides.get(path.resolve(), ("", {})) if overrides else ("", {})
        title = c.text_value(o, "title", meta, problems, where) or tags.title or _title_from_file(path)
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
            )
        )
    unsorted.sort(key=lambda t: (t.disc, t.number, t.source.name))
    taken: set[str] = set()
    return tuple(
        replace(t, slug=unique_slug(slugify(t.title) or f"track-{t.number}", taken)) for t in unsorted
    )


def _title_from_file(path: Path) -> str:
    """'03 - Night Drive.flac' -> 'Night Drive'."""
    stem = _NUMBER_PREFIX.sub("", path.stem).replace("_", " ").strip()
    return stem or path.stem


def _lyrics(
    here: _Folder, path: Path, override: dict[str, Any], tags: TrackTags, where: str
) -> Lyrics | None:
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


def _common_genres(tracks: tuple[Track, ...]) -> tuple[str, ...]:
    counts = Counter(g for t in tracks for g in t.genres)
    return tuple(g for g, _ in counts.most_common())


def _cover(
    here: _Folder, data: dict[str, Any], read: list[tuple[Path, TrackTags, AudioInfo]]
) -> Image | None:
    folder, meta, listing, problems = here.path, here.meta, here.listing, here.problems
    description = c.text_value(data, "cover_description", meta, problems)
    if "cover" in data:
        path = c.inside(folder, data["cover"], meta, problems, "cover")
        return Image(path, description) if path else None
    found = c.find_image(folder, c.COVER_NAMES, listing.files)
    if found is None:
        pictures = sorted(n for n in listing.files if os.path.splitext(n)[1].lower() in c.IMAGE_EXTS)
        found = folder / pictures[0] if len(pictures) == 1 else None
    if found:
        return Image(found, description)
    for path, tags, _ in read:
        if tags.has_cover:
            return Image(path, description, embedded_in=path)
    return None
