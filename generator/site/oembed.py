"""Embeds: the iframe code to copy, and static oEmbed documents for sites that discover it.

`embed_code` is the one definition of the iframe, used by the page templates (the share
box) and by the oEmbed `html` field, so both always agree. The embed pages are designed
for the sizes below. A release or track whose `embed` setting is off has no embed page,
and so no document.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Catalog, Release, Track
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import ImageSet, ImageVariant, Media
from tunecamp.generator.output import Output

EMBED_WIDTH = 400
RELEASE_EMBED_HEIGHT = 352  # cover, controls and a scrolling tracklist
TRACK_EMBED_HEIGHT = 152  # cover, title and controls
RASTER = ("image/jpeg", "image/png", "image/webp", "image/gif")
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]+")


def _one_line(text: str) -> str:
    return " ".join(_NOT_TEXT.sub(" ", text).split())


def embed_code(
    urls: Urls, path: str, title: str, *, height: int = RELEASE_EMBED_HEIGHT, width: int = EMBED_WIDTH
) -> str:
    """The iframe HTML for the embed page at site path `path`; `title` names it for screen readers."""
    return (
        f'<iframe src="{escape(urls.absolute(path))}" title="{escape(_one_line(title))}" '
        f'width="{width}" height="{height}" style="border:0;width:100%;max-width:{width}px" '
        f'loading="lazy" allow="autoplay"></iframe>'
    )


def release_embed_code(urls: Urls, release: Release, artists: str) -> str:
    return embed_code(urls, u.release_embed(release), f"{release.title} by {artists}")


def track_embed_code(urls: Urls, release: Release, track: Track) -> str:
    title = f"{track.title} by {', '.join(track.artists)}" if track.artists else track.title
    return embed_code(urls, u.track_embed(release, track), title, height=TRACK_EMBED_HEIGHT)


def thumbnail(images: ImageSet) -> ImageVariant | None:
    """The picture for oEmbed: sizes are required there, so only a variant with both qualifies."""
    sized = [v for v in (*images.variants, images.original) if v and v.width and v.height]
    if not sized:
        return None
    return max(sized, key=lambda v: (v.mime in RASTER, v.width or 0))


def render_oembed(catalog: Catalog, media: Media, urls: Urls) -> list[Output]:
    by_slug, provider = _artists_by_slug(catalog), _provider(catalog, urls)
    return [o for r in catalog.public_releases for o in _release_documents(r, by_slug, provider, media, urls)]


def render_release_oembed(release: Release, catalog: Catalog, media: Media, urls: Urls) -> list[Output]:
    """The documents of a release and of its tracks."""
    return _release_documents(release, _artists_by_slug(catalog), _provider(catalog, urls), media, urls)


def _artists_by_slug(catalog: Catalog) -> dict[str, Artist]:
    return {a.slug: a for a in catalog.artists}


def _provider(catalog: Catalog, urls: Urls) -> dict[str, Any]:
    return {"provider_name": _one_line(catalog.config.title), "provider_url": urls.absolute(u.home())}


def _release_documents(
    release: Release, by_slug: dict[str, Artist], provider: dict[str, Any], media: Media, urls: Urls
) -> list[Output]:
    artists = [by_slug[s] for s in release.artist_slugs if s in by_slug]
    names = ", ".join(a.name for a in artists) or ", ".join(release.artist_slugs)
    # what every document of the release says after its title and author's name, in this order
    author_url = {"author_url": urls.absolute(u.artist(artists[0]))} if artists else {}
    common = {**author_url, **provider, **_thumbnail(thumbnail(media.cover(release)), urls)}
    outputs: list[Output] = []
    # Each embed follows its own setting (a track inherits its release's unless it overrides
    # it), the same rule that decides whether its embed page is built.
    if release.settings.embed:
        html = release_embed_code(urls, release, names)
        doc = _document(release.title, names, html, RELEASE_EMBED_HEIGHT, common)
        outputs.append(Output(u.release_oembed(release), doc))
    for track in release.tracks:
        if track.settings.embed:
            html = track_embed_code(urls, release, track)
            who = ", ".join(track.artists) or names
            doc = _document(track.title, who, html, TRACK_EMBED_HEIGHT, common)
            outputs.append(Output(u.track_oembed(release, track), doc))
    return outputs


def _thumbnail(image: ImageVariant | None, urls: Urls) -> dict[str, Any]:
    if image is None:
        return {}
    return {
        "thumbnail_url": urls.absolute(image.path),
        "thumbnail_width": image.width,
        "thumbnail_height": image.height,
    }


def _document(title: str, author: str, html: str, height: int, common: dict[str, Any]) -> bytes:
    doc: dict[str, Any] = {"version": "1.0", "type": "rich", "title": _one_line(title)}
    if author.strip():
        doc["author_name"] = _one_line(author)
    doc |= {**common, "html": html, "width": EMBED_WIDTH, "height": height}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
