"""What a page tells machines: OpenGraph and Twitter cards, and schema.org JSON-LD.

The JSON goes inside <script type="application/ld+json">, where HTML escaping does not
apply: `script_json` escapes <, > and & as JSON \\u escapes, so no title can close the script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import CatalogConfig
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.display import clean_text, iso_duration
from tunecamp.generator.site.views import ArtistView, Picture, ReleaseView, TrackView

Meta = tuple[str, str, str]  # (attribute, key, content): ("property", "og:title", "…")
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> Markup:
    """JSON that is safe verbatim inside a <script> element."""
    text = clean_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    for char, escape in _SCRIPT_UNSAFE.items():
        text = text.replace(char, escape)
    return Markup(text)


def _image_ld(pic: Picture | None, urls: Urls) -> str | None:
    return urls.absolute(pic.share.path) if pic and pic.share else None


def _artists_ld(rv: ReleaseView, urls: Urls) -> list[dict[str, Any]]:
    return [{"@type": "MusicGroup", "name": a.name, "url": urls.absolute(u.artist(a))} for a in rv.artists]


def recording_ld(rv: ReleaseView, tv: TrackView, urls: Urls, *, in_album: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "MusicRecording",
        "@id": urls.absolute(tv.path),
        "name": tv.title,
        "url": urls.absolute(tv.path),
        "duration": iso_duration(tv.media.duration),
        "position": tv.number,
        "byArtist": [{"@type": "MusicGroup", "name": name} for name in tv.track.artists]
        if tv.shows_artist
        else _artists_ld(rv, urls),
    }
    if tv.track.isrc:
        data["isrcCode"] = tv.track.isrc
    if tv.track.genres:
        data["genre"] = list(tv.track.genres)
    if tv.media.streams:
        best = tv.media.streams[0]
        data["audio"] = {
            "@type": "AudioObject",
            "contentUrl": urls.absolute(best.path),
            "encodingFormat": best.mime,
            "duration": iso_duration(tv.media.duration),
        }
    if in_album:
        data["inAlbum"] = {"@type": "MusicAlbum", "name": rv.title, "url": urls.absolute(rv.path)}
    return data


def album_ld(rv: ReleaseView, urls: Urls) -> dict[str, Any]:
    r = rv.release
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MusicAlbum",
        "@id": urls.absolute(rv.path),
        "name": rv.title,
        "url": urls.absolute(rv.path),
        "byArtist": _artists_ld(rv, urls),
        "numTracks": len(rv.tracks),
        "track": [recording_ld(rv, tv, urls) for tv in rv.tracks],
    }
    if r.date:
        data["datePublished"] = r.date.isoformat()
    if image := _image_ld(rv.cover, urls):
        data["image"] = image
    if rv.tags:
        data["genre"] = [name for _, name in rv.tags]
    if r.label:
        data["recordLabel"] = {"@type": "Organization", "name": r.label}
    if rv.license:
        data["license"] = rv.license.url or rv.license.name
    if r.summary:
        data["description"] = r.summary
    return data


def track_ld(rv: ReleaseView, tv: TrackView, urls: Urls) -> dict[str, Any]:
    data = {"@context": "https://schema.org", **recording_ld(rv, tv, urls, in_album=True)}
    if image := _image_ld(rv.cover, urls):
        data["image"] = image
    if rv.license:
        data["license"] = rv.license.url or rv.license.name
    return data


def group_ld(av: ArtistView, urls: Urls) -> dict[str, Any]:
    a = av.artist
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MusicGroup",
        "@id": urls.absolute(av.path),
        "name": a.name,
        "url": urls.absolute(av.path),
        "album": [
            {"@type": "MusicAlbum", "name": rv.title, "url": urls.absolute(rv.path)} for rv in av.releases
        ],
    }
    if a.summary:
        data["description"] = a.summary
    if image := _image_ld(av.picture, urls):
        data["image"] = image
    if a.links:
        data["sameAs"] = [link.url for link in a.links]
    if a.location:
        data["foundingLocation"] = {"@type": "Place", "name": a.location}
    return data


def website_ld(config: CatalogConfig, urls: Urls, search_path: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title,
        "url": urls.absolute(""),
        "inLanguage": config.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": urls.absolute(search_path) + "?q={q}"},
            "query-input": "required name=q",
        },
    }
    if config.description:
        data["description"] = config.description.strip()
    return data


@dataclass(frozen=True)
class Card:
    """What a page's OpenGraph and Twitter cards say about it."""

    kind: str  # og:type: website, profile, music.album, music.song
    title: str
    description: str
    url: str  # absolute
    site: str  # the catalog's title
    picture: Picture | None = None
    extra: tuple[Meta, ...] = ()  # between the OpenGraph and the Twitter tags


def cards(card: Card, urls: Urls) -> tuple[Meta, ...]:
    """OpenGraph and Twitter card tags of a page."""
    kind, title, description, picture = card.kind, card.title, card.description, card.picture
    meta: list[Meta] = [
        ("property", "og:type", kind),
        ("property", "og:title", title),
        ("property", "og:url", card.url),
        ("property", "og:site_name", card.site),
    ]
    if description:
        meta.append(("property", "og:description", description))
    twitter_card = "summary"
    if picture and picture.share:
        twitter_card = "summary_large_image"
        meta.append(("property", "og:image", urls.absolute(picture.share.path)))
        meta.append(("property", "og:image:type", picture.share.mime))
        if picture.share.width and picture.share.height:
            meta.append(("property", "og:image:width", str(picture.share.width)))
            meta.append(("property", "og:image:height", str(picture.share.height)))
        meta.append(("property", "og:image:alt", picture.alt))
    meta.extend(card.extra)
    meta.append(("name", "twitter:card", twitter_card))
    meta.append(("name", "twitter:title", title))
    if description:
        meta.append(("name", "twitter:description", description))
    if picture and picture.share:
        meta.append(("name", "twitter:image", urls.absolute(picture.share.path)))
        meta.append(("name", "twitter:image:alt", picture.alt))
    return tuple(meta)


def audio_meta(tv: TrackView, urls: Urls) -> tuple[Meta, ...]:
    """og:audio for the first stream a browser can play."""
    if not tv.media.streams:
        return ()
    best = tv.media.streams[0]
    return (("property", "og:audio", urls.absolute(best.path)), ("property", "og:audio:type", best.mime))


def release_cards(rv: ReleaseView, config: CatalogConfig, urls: Urls, description: str) -> tuple[Meta, ...]:
    extra: list[Meta] = [("property", "music:musician", urls.absolute(u.artist(a))) for a in rv.artists]
    if rv.release.date:
        extra.append(("property", "music:release_date", rv.release.date.isoformat()))
    extra.extend(("property", "music:song", urls.absolute(tv.path)) for tv in rv.tracks)
    if rv.tracks:
        extra.extend(audio_meta(rv.tracks[0], urls))
    return cards(
        Card(
            kind="music.album",
            title=f"{rv.title} · {rv.artist_names}" if rv.artist_names else rv.title,
            description=description,
            url=urls.absolute(rv.path),
            site=config.title,
            picture=rv.cover,
            extra=tuple(extra),
        ),
        urls,
    )


def track_cards(rv: ReleaseView, tv: TrackView, config: CatalogConfig, urls: Urls) -> tuple[Meta, ...]:
    extra: list[Meta] = [
        ("property", "music:duration", str(round(tv.media.duration))),
        ("property", "music:album", urls.absolute(rv.path)),
        ("property", "music:album:track", str(tv.number)),
        *(("property", "music:musician", urls.absolute(u.artist(a))) for a in rv.artists),
        *audio_meta(tv, urls),
    ]
    return cards(
        Card(
            kind="music.song",
            title=f"{tv.title} · {tv.artist}" if tv.artist else tv.title,
            description=f"From {rv.title}" + (f" by {rv.artist_names}" if rv.artist_names else ""),
            url=urls.absolute(tv.path),
            site=config.title,
            picture=rv.cover,
            extra=tuple(extra),
        ),
        urls,
    )
