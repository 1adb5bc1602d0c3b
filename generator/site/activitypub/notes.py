"""A listed release as the fediverse sees it: a Note in a Create, Announced by the label.

Mastodon plays a post's audio only from `Document` attachments of `mediaType: audio/*`, so the
Note carries up to four tracks so (the MP3 stream when one is built: every server plays it; else
Opus), then the cover as an Image with its BlurHash. A release whose downloads are paid or
behind codes carries each track's 30-second preview instead (media/previews.py), never the full
track; without a preview a track is left out. Per track an `Audio` object with Funkwhale's terms
(album, position, duration, license) is written too, for servers that understand them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Release
from tunecamp.generator.media.model import Stream
from tunecamp.generator.media.plan import PROTECTED_POLICIES
from tunecamp.generator.media.previews import FEDERATED_TRACKS, cut
from tunecamp.generator.site.activitypub.actors import image
from tunecamp.generator.site.activitypub.vocabulary import (
    AS,
    CONTEXT,
    FUNKWHALE,
    PUBLIC,
    TERMS,
    Addresses,
    hashtag,
    published,
)
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.display import iso_duration
from tunecamp.generator.site.views import ReleaseView, TrackView

FUNKWHALE_CONTEXT: list[Any] = [
    AS,
    {
        "fw": f"{FUNKWHALE}#",
        "album": {"@id": "fw:album", "@type": "@id"},
        "position": "fw:position",
        "disc": "fw:disc",
        "license": {"@id": "fw:license", "@type": "@id"},
        "copyright": "fw:copyright",
        "blurhash": TERMS["blurhash"],
        "toot": TERMS["toot"],
    },
]


def author(rv: ReleaseView) -> Artist:
    """The artist whose actor posts the release: the first it is credited to."""
    return rv.artists[0]


def note(site: Site, rv: ReleaseView, a: Addresses) -> dict[str, Any]:
    r = rv.release
    artist = author(rv)
    tags = [(slug, name, hashtag(name)) for slug, name in rv.tags if hashtag(name)]
    content = _content(site, rv, [(site.urls.absolute(u.tag(slug)), tag) for slug, _, tag in tags])
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": a.doc(u.ap_note(r)),
        "type": "Note",
        "attributedTo": a.doc(u.ap_artist(artist)),
        "summary": None,
        "content": content,
        "contentMap": {site.catalog.config.language: content},
        "url": site.urls.absolute(rv.path),
        "published": published(r),
        "to": [PUBLIC],
        "cc": [a.user(artist.slug, "followers")],
        "sensitive": False,
        "attachment": attachments(site, rv),
        "tag": [
            {"type": "Hashtag", "href": site.urls.absolute(u.tag(slug)), "name": f"#{tag}"}
            for slug, _, tag in tags
        ],
    }
    return doc


def create(note_doc: dict[str, Any], rv: ReleaseView, a: Addresses) -> dict[str, Any]:
    embedded = {k: v for k, v in note_doc.items() if k != "@context"}
    return {
        "@context": CONTEXT,
        "id": a.doc(u.ap_create(rv.release)),
        "type": "Create",
        "actor": note_doc["attributedTo"],
        "published": note_doc["published"],
        "to": note_doc["to"],
        "cc": note_doc["cc"],
        "object": embedded,
    }


def announce(site: Site, rv: ReleaseView, a: Addresses) -> dict[str, Any]:
    """The label boosts every listed release, so one follow covers the whole label."""
    label = site.catalog.config.federation.label_username
    return {
        "@context": CONTEXT,
        "id": a.doc(u.ap_announce(rv.release)),
        "type": "Announce",
        "actor": a.doc(u.ap_label()),
        "published": published(rv.release),
        "to": [PUBLIC],
        "cc": [a.user(label, "followers"), a.doc(u.ap_artist(author(rv)))],
        "object": a.doc(u.ap_note(rv.release)),
    }


def federated_stream(site: Site, tv: TrackView) -> tuple[Stream, float, bool] | None:
    """What a post plays of a track, how long it lasts, and whether it is a preview: the preview
    for paid or code-locked downloads (None when there is none), else the MP3 stream, else the first."""
    if tv.track.settings.download in PROTECTED_POLICIES:
        preview = site.media.preview(tv.track)
        if preview is None:
            return None
        fed = site.catalog.config.federation
        return preview, cut(tv.media.duration, fed.preview_start, fed.preview_length).length, True
    streams = tv.media.streams
    if not streams:
        return None
    return next((s for s in streams if s.codec == "mp3"), streams[0]), tv.media.duration, False


def attachments(site: Site, rv: ReleaseView) -> list[dict[str, Any]]:
    cover = site.media.cover(rv.release)
    cover_doc = image(site, cover) if cover.blurhash else None  # a generated SVG cover is not attached
    docs: list[dict[str, Any]] = []
    for tv in rv.tracks[:FEDERATED_TRACKS]:
        found = federated_stream(site, tv)
        if found is None:
            continue
        stream, length, preview = found
        name = f"{tv.number}. {tv.title}" + (f" — {tv.artist}" if tv.shows_artist else "")
        doc: dict[str, Any] = {
            "type": "Document",
            "mediaType": stream.mime.split(";", 1)[0].strip(),
            "url": site.urls.absolute(stream.path),
            "name": name + (" (preview)" if preview else ""),
            "duration": iso_duration(length),
        }
        if cover_doc is not None:
            doc["blurhash"] = cover_doc["blurhash"]
            doc["icon"] = {k: v for k, v in cover_doc.items() if k != "blurhash"}  # Mastodon's thumbnail
        docs.append(doc)
    if cover_doc is not None:
        docs.append(cover_doc)
    return docs


def audio(site: Site, rv: ReleaseView, tv: TrackView, a: Addresses) -> dict[str, Any]:
    """A track as Funkwhale describes one: an Audio with its album, position and license."""
    r, t = rv.release, tv.track
    doc: dict[str, Any] = {
        "@context": FUNKWHALE_CONTEXT,
        "id": a.doc(u.ap_track(r, t)),
        "type": "Audio",
        "name": tv.title,
        "attributedTo": a.doc(u.ap_artist(author(rv))),
        "url": site.urls.absolute(tv.path),
        "published": published(r),
        "duration": iso_duration(round(tv.media.duration)),
        "album": site.urls.absolute(rv.path),
        "position": t.number,
        "disc": t.disc,
        "to": [PUBLIC],
        "cc": [a.user(author(rv).slug, "followers")],
    }
    found = federated_stream(site, tv)
    if found is not None:
        stream = found[0]
        doc["url"] = [
            {"type": "Link", "mediaType": "text/html", "href": site.urls.absolute(tv.path)},
            {
                "type": "Link",
                "mediaType": stream.mime.split(";", 1)[0].strip(),
                "href": site.urls.absolute(stream.path),
            },
        ]
    if tv.license is not None and tv.license.url:
        doc["license"] = tv.license.url
    if rv.cover.share is not None:
        doc["image"] = image(site, site.media.cover(r))
    return doc


def _content(site: Site, rv: ReleaseView, tags: list[tuple[str, str]]) -> str:
    r: Release = rv.release
    link = site.urls.absolute(rv.path)
    year = f" ({r.date.year})" if r.date else ""
    by = f" by {escape(rv.artist_names)}" if rv.artist_names else ""
    parts = [f'<p><a href="{escape(link)}">{escape(rv.title)}</a>{by}{year}</p>']
    if r.summary:
        parts.append(f"<p>{escape(r.summary)}</p>")
    if any(tv.track.settings.download in PROTECTED_POLICIES for tv in rv.tracks):
        parts.append(
            f'<p>Previews here; the whole release is at <a href="{escape(link)}">{escape(link)}</a></p>'
        )
    if tags:
        links = " ".join(
            f'<a href="{escape(href)}" class="mention hashtag" rel="tag">#<span>{escape(tag)}</span></a>'
            for href, tag in tags
        )
        parts.append(f"<p>{links}</p>")
    return "".join(parts)
