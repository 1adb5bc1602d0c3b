"""The releases to enrich, read as the build reads them (the generator's reader, no network).

What the reader returns is the artist's: tags and release.yaml alike. Only a track title made
from the file's name counts as unset, since the artist never wrote it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from tunecamp.daemon.enrich.model import ReleaseQuery, TrackQuery, Value
from tunecamp.generator.catalog.model import Release
from tunecamp.generator.catalog.release_folders import PublishError, release_folders, select_releases
from tunecamp.generator.catalog.release_tracks import title_from_file
from tunecamp.generator.catalog.releases import read_release
from tunecamp.generator.catalog.scan import read_artists, read_catalog_config
from tunecamp.generator.catalog.tags import read_tags
from tunecamp.generator.problems import Problems


class NoRelease(LookupError):
    """A slug or pattern that names no readable release."""


def read_queries(content_dir: Path, patterns: tuple[str, ...]) -> list[ReleaseQuery]:
    """The releases `patterns` name (slugs or globs; every release when empty), in folder order."""
    try:
        chosen = select_releases(content_dir, patterns) if patterns else list(release_folders(content_dir))
    except PublishError as exc:
        raise NoRelease(str(exc)) from None
    problems = Problems()
    config = read_catalog_config(content_dir, problems)
    artists = {a.slug: a for a in read_artists(content_dir, config, problems)}
    queries = []
    for folder in chosen:
        release = read_release(folder.folder, config, artists, problems, read_tags)
        if release is None:
            if patterns:
                raise NoRelease(f"{folder.slug}: not a readable release (run `tunecamp build` to see why)")
            continue
        names = {a.slug: a.name for a in artists.values()}
        queries.append(query_of(release, ", ".join(names.get(s, s) for s in release.artist_slugs)))
    return queries


def query_of(release: Release, artist: str) -> ReleaseQuery:
    folder = release.source_dir
    values: dict[str, Value] = {}
    if release.date:
        values["date"] = release.date.isoformat()[: {"year": 4, "month": 7}.get(_precision(release), 10)]
    if release.genres:
        values["genres"] = list(release.genres)
    for key in ("label", "catalog_number"):
        if getattr(release, key):
            values[key] = str(getattr(release, key))
    if release.credits_html:  # shown as text: the build keeps only its rendered HTML
        text = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</p>", "\n", release.credits_html))
        values["credits"] = html.unescape(text).strip()
    if release.cover is not None:
        values["cover"] = release.cover.source.name
    tracks = []
    for t in release.tracks:
        own: dict[str, Value] = {}
        if t.title != title_from_file(t.source):
            own["title"] = t.title
        if t.isrc:
            own["isrc"] = t.isrc
        if t.composers:
            own["composer"] = list(t.composers)
        if t.lyrics is not None:
            own["lyrics"] = "synced" if t.lyrics.synced else "plain"
        tracks.append(
            TrackQuery(
                file=t.source.relative_to(folder).as_posix(),
                title=t.title,
                number=t.number,
                disc=t.disc,
                duration=t.duration,
                artist=", ".join(t.artists) or artist,
                values=own,
                recording_mbid=t.musicbrainz.get("recording", ""),
            )
        )
    mbids = [t.musicbrainz.get("release", "") for t in release.tracks]
    return ReleaseQuery(
        slug=release.slug,
        folder=folder,
        title=release.title,
        artist=artist,
        tracks=tuple(tracks),
        values=values,
        release_mbid=next((m for m in mbids if m), ""),
        has_metadata_file=release.metadata_file is not None,
    )


def _precision(release: Release) -> str:
    return str(getattr(release.date, "precision", "day"))
