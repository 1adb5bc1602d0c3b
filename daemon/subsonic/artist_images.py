"""Where an artist's picture is on the static site, for `artistImageUrl`.

The generator copies the picture from content/artists/<slug>/ to public/artists/<slug>/image.<ext>
(its resized variants beside it as image-<width>.<ext>). Apps load `artistImageUrl` without
signing in, so it points at that public file, served by the CDN or the daemon's own site; an
artist whose page was not built (only drafts) has none, and apps fall back to `coverArt`.
"""

from __future__ import annotations

from pathlib import Path

from tunecamp.daemon.subsonic.library import Artist, Decorate, Library
from tunecamp.daemon.subsonic.site_info import read_site

PREFERRED = (".jpg", ".jpeg", ".webp", ".png")


def public_picture(public_dir: Path, slug: str) -> str | None:
    """The site path of the artist's picture (the original, not a resized variant), or None."""
    folder = public_dir / "artists" / slug
    try:
        found = [p for p in folder.iterdir() if p.stem == "image" and p.suffix.lower() in PREFERRED]
    except OSError:
        return None
    if not found:
        return None
    best = min(found, key=lambda p: PREFERRED.index(p.suffix.lower()))
    return f"artists/{slug}/{best.name}"


def image_urls(public_dir: Path, base: str, artists: list[Artist]) -> dict[int, str]:
    urls = {}
    for artist in artists:
        if artist.image and (path := public_picture(public_dir, artist.slug)) is not None:
            urls[artist.id] = f"{base.rstrip('/')}/{path}"
    return urls


def from_site(public_dir: Path, daemon_url: str) -> Decorate:
    """What a fresh snapshot gets from public/: catalog.json, and the artists' pictures at the site's URL."""

    def decorate(library: Library) -> None:
        library.site = read_site(public_dir)
        base = library.site.home or daemon_url  # the site's own URL; the daemon serves it too
        library.images = image_urls(public_dir, base, list(library.artists.values()))

    return decorate
