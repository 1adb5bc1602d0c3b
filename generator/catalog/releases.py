"""Reading one release folder: release.yaml, notes.md, the cover and the audio files.

Tags come first, release.yaml overrides them: a release-level key for the whole
release, a `tracks:` entry (matched by `file`) for one track.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog import release_tracks
from tunecamp.generator.catalog.listing import Folder, Listing
from tunecamp.generator.catalog.markup import render_markdown, summary
from tunecamp.generator.catalog.model import (
    STATUSES,
    Artist,
    AudioInfo,
    CatalogConfig,
    Image,
    Release,
    Status,
    Track,
)
from tunecamp.generator.catalog.settings import DAEMON_POLICIES, Settings
from tunecamp.generator.catalog.slugs import is_safe_slug, slugify
from tunecamp.generator.catalog.tags import TagError, TrackTags
from tunecamp.generator.problems import Problems

TagReader = Callable[[Path], tuple[TrackTags, AudioInfo]]


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
    overrides = release_tracks.track_overrides(data.get("tracks"), folder, meta, problems)
    here = Folder(folder, meta, listing, problems)
    tracks = tuple(
        t
        if t.settings == settings
        else replace(t, settings=_download_checked(t.settings, t.source, problems))
        for t in release_tracks.tracks(here, read, overrides, release_artists, settings)
    )
    tracks = release_tracks.titled_discs(
        tracks, release_tracks.disc_titles(data.get("discs"), meta, problems)
    )

    genres = c.list_value(data, "genres", meta, problems) or release_tracks.common_genres(tracks)
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


def _cover(here: Folder, data: dict[str, Any], read: list[tuple[Path, TrackTags, AudioInfo]]) -> Image | None:
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
