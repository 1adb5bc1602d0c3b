"""Finding release folders by slug without reading the whole catalog.

A release's slug is the `slug:` its release.yaml declares, else its folder's name slugified. A
release.yaml whose text never says "slug" cannot declare one, so only the (few) files that do are
parsed; the rest are known by their folder's name. Finding one release among 1,000 costs a
directory listing and a substring test per file instead of 1,000 YAML parses (docs/performance.md).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.slugs import slugify
from tunecamp.generator.problems import Problems

# PyYAML's constructors raise these, not YAMLError, for a value that does not fit its explicit tag.
_TAG_MISMATCH = (ValueError, LookupError, AttributeError, TypeError)


class PublishError(Exception):
    pass


@dataclass(frozen=True)
class ReleaseFolder:
    slug: str
    folder: Path
    declared: bool  # the slug is release.yaml's `slug:`, not the folder's name

    @property
    def meta(self) -> Path:
        return self.folder / "release.yaml"


def release_folders(content_dir: Path, wanted: frozenset[str] | None = None) -> Iterator[ReleaseFolder]:
    """Every release folder with its slug, as the build reads it, in folder-name order.

    With `wanted` (exact slugs), a folder's slug is only worked out exactly when it can be one of
    them; the others are yielded under their folder's slug, which is enough to tell them apart.
    """
    releases = content_dir / "releases"
    if not releases.is_dir():
        raise PublishError(f"{releases} does not exist")
    for folder in sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        by_name = slugify(folder.name)
        declared = _declared_slug(
            folder / "release.yaml", None if wanted is None or by_name in wanted else wanted
        )
        slug = declared if declared is not None else by_name
        if slug:
            yield ReleaseFolder(slug, folder, declared is not None)


def _declared_slug(meta: Path, wanted: frozenset[str] | None) -> str | None:
    try:
        raw = meta.read_bytes()
    except OSError:
        return None
    # `slug` spelled out, or hidden in a double-quoted key's escapes ("\x73lug"): parse those only,
    # and of those only the ones whose text holds a wanted slug (a declared slug is in the text)
    if b"slug" not in raw and b"\\" not in raw:
        return None
    if wanted is not None and b"\\" not in raw and not any(w.encode() in raw for w in wanted):
        return None
    problems = Problems()  # the build's own reading, so a slug found here is the slug the site uses
    try:
        data = c.load_yaml(meta, problems) or {}
    except _TAG_MISMATCH:
        data = {}
    return c.text_value(data, "slug", meta, problems)


def find_release_folder(content_dir: Path, slug: str) -> Path:
    """The folder under releases/ whose slug (from release.yaml or its name) is `slug`."""
    return select_releases(content_dir, (slug,))[0].folder


def select_releases(content_dir: Path, patterns: tuple[str, ...]) -> list[ReleaseFolder]:
    """The releases named by `patterns`: slugs, or globs (`2024-*`); each must match at least one."""
    globbed = any(ch in p for p in patterns for ch in "*?[")
    every = list(release_folders(content_dir, None if globbed else frozenset(patterns)))
    chosen: dict[Path, ReleaseFolder] = {}
    for pattern in patterns:
        glob = any(ch in pattern for ch in "*?[")
        matched = [r for r in every if (fnmatch.fnmatchcase(r.slug, pattern) if glob else r.slug == pattern)]
        if not matched:
            what = "no release matches" if glob else "no release with the slug"
            raise PublishError(f"{what} {pattern!r} in {content_dir / 'releases'}")
        if not glob:  # a declared slug wins over a folder merely named so
            matched = [next((r for r in matched if r.declared), matched[0])]
        for r in matched:
            chosen.setdefault(r.folder, r)
    return list(chosen.values())
