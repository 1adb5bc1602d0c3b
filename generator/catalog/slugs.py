"""Slugs: the URL-safe names of artists, releases, tracks and tags."""

from __future__ import annotations

import re

from slugify import slugify as _transliterated

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def slugify(text: str) -> str:
    """'Ça va — Live!' -> 'ca-va-live', 'Øresund' -> 'oresund', 'Привет' -> 'privet', 'とうきょう' ->
    'toukiyou' (transliterated by text-unidecode through python-slugify); empty when nothing is left."""
    slug = _transliterated(text, max_length=80, word_boundary=False, separator="-")
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")  # what slugify may keep that a slug may not
    return slug[:80].rstrip("-")


def is_safe_slug(slug: str) -> bool:
    """True for a slug that can be a single path segment: no dots, slashes or upper case."""
    return bool(SLUG_RE.match(slug))


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`… when taken; adds the result to `taken`."""
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate
