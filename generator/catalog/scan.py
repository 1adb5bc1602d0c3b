"""Scanning content/ into the catalog model.

catalog.yaml, then artists/<slug>/, then releases/<slug>/ with their audio. Problems are
collected, never raised: a broken file is reported and skipped, the rest is scanned.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.federation import artist_federation, daemon_url, federation_config
from tunecamp.generator.catalog.markup import render_markdown, summary
from tunecamp.generator.catalog.model import (
    Artist,
    AudioInfo,
    Catalog,
    CatalogConfig,
    Image,
    Link,
    PodcastInfo,
    Release,
)
from tunecamp.generator.catalog.releases import artist_for, read_release
from tunecamp.generator.catalog.settings import Settings
from tunecamp.generator.catalog.slugs import is_safe_slug, slugify
from tunecamp.generator.catalog.tags import TrackTags, read_tags
from tunecamp.generator.problems import Problem, Problems

TagReader = Callable[[Path], tuple[TrackTags, AudioInfo]]
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
PLACEHOLDER_HOST = "music.example.org"  # skeleton.py's base_url


def scan(content_dir: Path, *, tag_reader: TagReader = read_tags) -> tuple[Catalog, Problems]:
    """Read the whole catalog; drafts are included (the renderers leave them out)."""
    state = scan_state(content_dir, tag_reader=tag_reader)
    return state.catalog, state.problems()


@dataclass(frozen=True)
class FolderScan:
    release: Release | None  # None: not a release, or unreadable (its problems say why)
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ScanState:
    """What a scan read, folder by folder, so the next scan re-reads only the folders that changed."""

    catalog: Catalog
    folder_artists: tuple[Artist, ...]  # from artists/; the others are named by releases only
    base_problems: tuple[Problem, ...]  # catalog.yaml and artists/
    folders: dict[Path, FolderScan]  # every release folder, sorted
    slug_problems: tuple[Problem, ...] = ()  # two folders claiming one slug

    def problems(self) -> Problems:
        items = [*self.base_problems, *(p for f in self.folders.values() for p in f.problems)]
        return Problems(items + list(self.slug_problems))


def scan_state(
    content_dir: Path, *, tag_reader: TagReader = read_tags, serving_url: str | None = None
) -> ScanState:
    problems = Problems()
    content_dir = content_dir.resolve()
    config = read_catalog_config(content_dir, problems, serving_url)
    folder_artists = tuple(read_artists(content_dir, config, problems))
    artists = {a.slug: a for a in folder_artists}
    folders = {
        folder: _read_folder(folder, config, artists, tag_reader)
        for folder in _subfolders(content_dir / "releases")
    }
    return _assemble(config, content_dir, folder_artists, tuple(problems.items), folders)


def rescan(state: ScanState, changed: set[Path], *, tag_reader: TagReader = read_tags) -> ScanState | None:
    """`state` with the release folders in `changed` read again; None when a full scan is needed.

    `changed` are paths inside content/ (files or folders). Only changes inside release folders
    are taken here: catalog.yaml and artists/ feed every release (settings are inherited), so
    they need `scan_state`, and so does any change to the artists releases name (a new one, one no
    longer named, a new spelling): every page showing them changes. Unchanged releases stay the
    very same objects.
    """
    catalog = state.catalog
    releases_dir = catalog.content_dir / "releases"
    touched: set[Path] = set()
    for path in changed:
        if not path.is_relative_to(releases_dir) or path == releases_dir:
            return None
        touched.add(releases_dir / path.relative_to(releases_dir).parts[0])
    artists = {a.slug: a for a in catalog.artists}
    folders = dict(state.folders)
    for folder in touched:
        folders.pop(folder, None)
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            folders[folder] = _read_folder(folder, catalog.config, artists, tag_reader)
    new = _assemble(
        catalog.config,
        catalog.content_dir,
        state.folder_artists,
        state.base_problems,
        dict(sorted(folders.items())),
    )
    if new.catalog.artists != catalog.artists:
        return None
    return replace(new, catalog=replace(new.catalog, artists=catalog.artists))  # the same objects


def _read_folder(
    folder: Path, config: CatalogConfig, artists: dict[str, Artist], tag_reader: TagReader
) -> FolderScan:
    problems = Problems()
    try:
        release = read_release(folder, config, artists, problems, tag_reader)
    except OSError as exc:  # unreadable, or a file deleted while it was read: the next event rescans it
        where = Path(exc.filename) if isinstance(exc.filename, str) else folder
        problems.error(where, f"could not be read ({exc.strerror or exc}); release skipped until it can")
        release = None
    return FolderScan(release, tuple(problems.items))


def _assemble(
    config: CatalogConfig,
    content_dir: Path,
    folder_artists: tuple[Artist, ...],
    base_problems: tuple[Problem, ...],
    folders: dict[Path, FolderScan],
) -> ScanState:
    # Artists only releases name are made in folder order, as one full scan makes them: the first
    # folder naming one spells it.
    artists = {a.slug: a for a in folder_artists}
    for read in folders.values():
        for name in read.release.credited if read.release else ():
            artist_for(name, artists, config)
    releases: list[Release] = []
    seen: set[str] = set()
    slug_problems = Problems()
    for folder, read in folders.items():
        release = read.release
        if release is None:
            continue
        if release.slug in seen:
            slug_problems.error(folder, f"another release already uses the slug {release.slug!r}; skipped")
            continue
        seen.add(release.slug)
        releases.append(release)
    releases.sort(key=lambda r: (r.date.toordinal() if r.date else 0, r.title.lower()), reverse=True)
    label = config.federation.label_username
    if config.daemon_url and label in artists:
        slug_problems.error(
            config.source_file or content_dir / "catalog.yaml",
            f"the label's fediverse handle {label!r} is also an artist's slug; two actors cannot share "
            "a handle: set another federation.label_username",
            key="federation.label_username",
        )
    catalog = Catalog(
        config, content_dir, tuple(sorted(artists.values(), key=lambda a: a.name.lower())), tuple(releases)
    )
    return ScanState(catalog, folder_artists, base_problems, folders, tuple(slug_problems.items))


def _subfolders(path: Path) -> list[Path]:
    """Visible sub-folders, sorted; symlinks only when they stay inside content/."""
    if not path.is_dir():
        return []
    with os.scandir(path) as entries:
        return sorted(Path(e.path) for e in entries if not e.name.startswith((".", "_")) and e.is_dir())


def read_catalog_config(
    content_dir: Path, problems: Problems, serving_url: str | None = None
) -> CatalogConfig:
    """catalog.yaml; `serving_url` (a preview server's address) stands in for the placeholder base_url."""
    path = content_dir / "catalog.yaml"
    data: dict[str, Any] = {}
    if not path.is_file():
        problems.warning(path, "no catalog.yaml; using defaults (run `tunecamp init` to create one)")
    else:
        data = c.load_yaml(path, problems) or {}
        c.check_keys(data, c.CATALOG_KEYS, path, problems)
    base_url = c.text_value(data, "base_url", path, problems) or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        problems.error(path, f"{base_url!r} is not an http(s) URL; using {DEFAULT_BASE_URL}", key="base_url")
        base_url = DEFAULT_BASE_URL
    if urlsplit(base_url).hostname == PLACEHOLDER_HOST:
        problems.warning(
            path,
            f"base_url is still {base_url}, the placeholder `tunecamp init` wrote: feeds, share links, "
            "playlists and the sitemap would point there; set the address your site will live at"
            + (f" (this preview uses {serving_url})" if serving_url else ""),
            key="base_url",
        )
        base_url = serving_url or base_url
    allow_html = c.bool_value(data, "allow_html", False, path, problems)
    description = c.text_value(data, "description", path, problems) or ""
    description_html = render_markdown(description, allow_html=allow_html)
    settings = c.settings_from(data, Settings(), path, problems)
    return CatalogConfig(
        title=c.text_value(data, "title", path, problems) or "TuneCamp",
        base_url=base_url.rstrip("/"),
        language=settings.language,
        theme=c.text_value(data, "theme", path, problems) or "default",
        label_mode=c.bool_value(data, "label", False, path, problems),
        description=summary(description_html) if description_html else "",
        description_html=description_html,
        settings=settings,
        allow_html=allow_html,
        podcast=_podcast(data.get("podcast"), path, problems),
        feed_limit=50 if (limit := c.int_value(data, "feed_limit", path, problems)) is None else limit,
        source_file=path if path.is_file() else None,
        daemon_url=daemon_url(data, path, problems),
        federation=federation_config(data, path, problems),
    )


def _podcast(data: Any, path: Path, problems: Problems) -> PodcastInfo:
    if data is None:
        return PodcastInfo()
    if not isinstance(data, dict):
        problems.error(
            path, "expected a mapping (category, explicit, owner_name, owner_email)", key="podcast"
        )
        return PodcastInfo()
    c.check_keys(data, c.PODCAST_KEYS, path, problems, where="podcast.")
    explicit = data.get("explicit", False)
    if not isinstance(explicit, bool):
        problems.error(path, "expected true or false", key="podcast.explicit")
        explicit = False
    return PodcastInfo(
        category=c.text_value(data, "category", path, problems, "podcast.") or "Music",
        explicit=explicit,
        owner_name=c.text_value(data, "owner_name", path, problems, "podcast."),
        owner_email=c.text_value(data, "owner_email", path, problems, "podcast."),
    )


def read_artists(content_dir: Path, config: CatalogConfig, problems: Problems) -> list[Artist]:
    artists: list[Artist] = []
    seen: set[str] = set()
    for folder in _subfolders(content_dir / "artists"):
        path = folder / "artist.yaml"
        data = (c.load_yaml(path, problems) if path.is_file() else {}) or {}
        c.check_keys(data, c.ARTIST_KEYS, path, problems)
        slug = c.text_value(data, "slug", path, problems) or slugify(folder.name)
        if not is_safe_slug(slug) or slug in seen:
            reason = "is already used" if slug in seen else "is not a safe slug (a-z, 0-9 and -)"
            problems.error(path, f"{slug!r} {reason}; artist skipped", key="slug")
            continue
        seen.add(slug)
        image_path = (
            c.inside(folder, data["image"], path, problems, "image")
            if "image" in data
            else c.find_image(folder, c.ARTIST_IMAGE_NAMES)
        )
        bio_html = render_markdown(c.read_markdown(folder / "bio.md", problems), allow_html=config.allow_html)
        artists.append(
            Artist(
                slug=slug,
                name=c.text_value(data, "name", path, problems) or folder.name,
                settings=c.settings_from(data, config.settings, path, problems),
                bio_html=bio_html,
                summary=summary(bio_html) if bio_html else "",
                image=Image(image_path, c.text_value(data, "image_description", path, problems))
                if image_path
                else None,
                links=_links(data.get("links"), path, problems),
                location=c.text_value(data, "location", path, problems),
                source_dir=folder,
                manually_approves_followers=artist_federation(data, path, problems),
                moved_to=next(iter(_actor_urls(data, "moved_to", path, problems)), None),
                also_known_as=_actor_urls(data, "also_known_as", path, problems),
            )
        )
    return artists


def _actor_urls(data: dict[str, Any], key: str, path: Path, problems: Problems) -> tuple[str, ...]:
    """`moved_to` (one URL) or `also_known_as` (a list): fediverse actor URLs, http(s) only."""
    value = data.get(key)
    if value is None:
        return ()
    values = [value] if key == "moved_to" else value
    if not isinstance(values, list) or not all(
        isinstance(v, str) and v.startswith(("https://", "http://")) and " " not in v for v in values
    ):
        shape = (
            "an account's actor URL (https://...)"
            if key == "moved_to"
            else "a list of actor URLs (https://...)"
        )
        problems.error(path, f"expected {shape}; it is ignored", key=key)
        return ()
    return tuple(values)


def _links(value: Any, path: Path, problems: Problems) -> tuple[Link, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.error(path, "expected a list of links (url, or label and url)", key="links")
        return ()
    links = []
    for i, item in enumerate(value):
        url, label = (
            (item, None)
            if isinstance(item, str)
            else ((item.get("url"), item.get("label")) if isinstance(item, dict) else (None, None))
        )
        if not isinstance(url, str) or not url.startswith(("https://", "http://", "mailto:")):
            problems.error(path, f"{url!r} is not an http(s) or mailto URL; link skipped", key=f"links[{i}]")
            continue
        links.append(Link(str(label or url.split("://", 1)[-1].split("/", 1)[0]), url))
    return tuple(links)
