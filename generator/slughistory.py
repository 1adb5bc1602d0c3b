"""Published slugs stay reachable: a release whose slug changed keeps a redirect at its old URL.

Every build records, in the data folder, the slugs each public release has had
(`published-slugs.json`): by release folder, and by title and artists, so a renamed folder (whose
slug follows its name) is still known as the same release. A slug a release no longer has, and no
other public release has taken, gets a page at the old address (and at its old track addresses)
that sends readers and crawlers on: a meta refresh, a canonical link and a plain link
(site/redirects.py renders them).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tunecamp.generator.catalog.model import Catalog, Release

FILE = "published-slugs.json"


def _identity(release: Release) -> tuple[str, str]:
    return release.source_dir.name, "\x1f".join((release.title.casefold(), *release.artist_slugs))


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # none yet, or unreadable: redirects start from this build
    entries = data.get("releases") if isinstance(data, dict) else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def update_redirects(catalog: Catalog, data_dir: Path) -> dict[str, str]:
    """Record the public releases' slugs; returns old slug -> the slug its release has now."""
    path = data_dir / FILE
    entries = _load(path)
    current = {r.slug for r in catalog.public_releases}
    redirects: dict[str, str] = {}
    for release in catalog.public_releases:
        folder, named = _identity(release)
        entry = next((e for e in entries if e.get("folder") == folder), None) or next(
            (e for e in entries if e.get("named") == named), None
        )
        if entry is None:
            entry = {"slugs": []}
            entries.append(entry)
        slugs = [s for s in entry.get("slugs", []) if isinstance(s, str)]
        for old in slugs:
            if old != release.slug and old not in current:
                redirects[old] = release.slug
        entry.update(
            folder=folder, named=named, slugs=[*(s for s in slugs if s != release.slug), release.slug]
        )
    _save(path, entries)
    return redirects


def _save(path: Path, entries: list[dict[str, Any]]) -> None:
    text = json.dumps({"releases": entries}, ensure_ascii=False, indent=1, sort_keys=True)
    with contextlib.suppress(OSError):  # a read-only data folder costs the redirects, not the build
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
