"""The procedural cover as a picture like any other: rasterised, then sized as real covers are.

Mastodon, Discord, Slack and oEmbed consumers show no SVG, so a release without a cover gets its
procedural cover (cover.py) drawn to a 1400x1400 PNG by resvg (the podcast directories' minimum), then the JPEG and WebP widths every
cover has (images.py), through the media cache: drawn once per title and slug. The PNG is its
"original" (the og:image and oEmbed thumbnail), and the JPEG is embedded in its transcodes' tags.
"""

from __future__ import annotations

import hashlib

import resvg_py

from tunecamp.generator.catalog.model import Release
from tunecamp.generator.media.cache import AudioCache, key
from tunecamp.generator.media.cover import procedural_cover
from tunecamp.generator.media.images import Picture, cached_picture, picture

# resvg maps the SVG's `sans-serif` to this family; DejaVu ships with nearly every Linux (the Docker
# image installs fonts-dejavu-core). Without it the cover is drawn without its title.
SANS = "DejaVu Sans"
VERSION = 2  # of the drawing: a new version draws every generated cover again
# Drawn at the smallest size Apple Podcasts takes for artwork (1400 to 3000 px square).
SIZE = 1400


def rasterise(svg: bytes) -> bytes:
    """PNG bytes of a square SVG, SIZE pixels wide."""
    text = svg.decode("utf-8")
    return bytes(resvg_py.svg_to_bytes(svg_string=text, sans_serif_family=SANS, width=SIZE, height=SIZE))


def description(release: Release) -> str:
    return f"Generated cover for {release.title}"


def generated_picture(release: Release, cache: AudioCache, render: bool = True) -> Picture | None:
    """The release's procedural cover through the cache; None when not cached and not `render`."""
    svg = procedural_cover(release.slug, release.title)
    content_hash = f"generated:{VERSION}:" + hashlib.sha256(svg).hexdigest()
    original_key = key("generated-cover", content_hash)
    manifest = cached_picture(cache, content_hash)
    if manifest:
        original = cache.path(original_key, ".png")
        if original.is_file():
            return Picture(manifest, content_hash, original, original_key)
    if not render:
        return None
    png = rasterise(svg)
    manifest = picture(cache, content_hash, lambda: png)
    original = cache.put_bytes(original_key, ".png", png)
    return Picture(manifest, content_hash, original, original_key)
