"""Tags (genres) as the site groups them: a tag page per slug, listing releases.

A release carries its own genres and those of its tracks. Two spellings that make the
same slug ("Indie Pop", "indie-pop") are one tag, shown everywhere (tag pages, the tags page,
every release and track page) by the spelling of the oldest release that has it: the first
spelling the artist used.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import partial

from tunecamp.generator.catalog.model import Catalog, Release
from tunecamp.generator.catalog.slugs import slugify
from tunecamp.generator.site.memo import Memo, fresh


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    releases: tuple[Release, ...]  # listed releases only, newest first


def tag_slug(name: str) -> str:
    """The URL slug of a tag; a name with nothing URL-safe (e.g. only Arabic) gets a stable hash."""
    slug = slugify(name)
    if slug:
        return slug
    digest = hashlib.sha256(" ".join(name.casefold().split()).encode("utf-8", "replace")).hexdigest()
    return f"tag-{digest[:10]}"


def release_tags(release: Release) -> tuple[tuple[str, str], ...]:
    """(slug, name) of every tag of a release and its tracks, in order of appearance."""
    seen: dict[str, str] = {}
    for name in (*release.genres, *(g for t in release.tracks for g in t.genres)):
        name = " ".join(name.split())
        if name:
            seen.setdefault(tag_slug(name), name)
    return tuple(seen.items())


def listed_tags(catalog: Catalog, memo: Memo | None = None) -> tuple[Tag, ...]:
    """Every tag of a listed release, by name; unlisted releases and drafts add nothing."""
    memo = fresh(memo)
    names: dict[str, str] = {}
    releases: dict[str, list[Release]] = {}
    for release in catalog.listed_releases:  # newest first
        for slug, name in memo.get("tags", release, partial(release_tags, release)):
            names[slug] = name  # so the oldest release's spelling is the one left
            releases.setdefault(slug, []).append(release)
    ordered = sorted(names, key=lambda s: _sort_key(names[s]))
    return tuple(Tag(slug, names[slug], tuple(releases[slug])) for slug in ordered)


def _sort_key(name: str) -> tuple[str, str]:
    """Alphabetical by letters and digits: "<Noise>" sorts as "noise"."""
    folded = name.casefold()
    return re.sub(r"\W+", "", folded) or folded, folded
