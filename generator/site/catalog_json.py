"""catalog.json: the whole listed catalog, machine-readable, with its JSON Schema beside it.

Fields are documented in docs/catalog-json.md and described by catalog.schema.json
(shipped in this package and copied to the site). Absent values are left out, never
written as 0, "" or null. The output is deterministic: keys in a fixed order, lists in
the catalog's order, so the same catalog gives the same bytes.

Each release's part is dumped on its own, indented to its depth and remembered in the
watch session's memo, then spliced into the document: the bytes are the same as one
`json.dumps` of the whole document, and a rebuild after one release changed dumps only it.
"""

from __future__ import annotations

import json
import re
from functools import partial
from importlib.resources import files
from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Catalog, Release, Track
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Download, ImageSet, ImageVariant, Loudness, Media, Stream
from tunecamp.generator.output import Output
from tunecamp.generator.site.genres import tag_slug
from tunecamp.generator.site.memo import Memo, fresh

SCHEMA_VERSION = 1  # the major version: see docs/catalog-json.md for when it changes
SCHEMA_FILE = "catalog.schema.json"

Json = dict[str, Any]
_SURROGATES = re.compile("[\ud800-\udfff]")
_EMPTY_TAIL = "[]\n}"  # how the document without releases ends
_RELEASE_INDENT = "    "  # a release sits at depth 2: in the top-level object, in "releases"


def schema_bytes() -> bytes:
    return files("tunecamp.generator.site").joinpath(SCHEMA_FILE).read_bytes()


def render_catalog_json(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> list[Output]:
    memo = fresh(memo)
    releases = [
        memo.get("catalog-json", r, partial(_release_bytes, r, media, urls)) for r in catalog.listed_releases
    ]
    head = _dumps(scrub(_head(catalog, media, urls)))
    assert head.endswith(_EMPTY_TAIL), head[-20:]
    if releases:
        # One join, so the document (megabytes for a large catalog) is copied once.
        releases[0] = head.removesuffix(_EMPTY_TAIL).encode("utf-8") + b"[\n" + releases[0]
        releases[-1] += b"\n  ]\n}\n"
        data = b",\n".join(releases)
    else:
        data = (head + "\n").encode("utf-8")
    return [Output(u.catalog_json(), data), Output(u.catalog_schema(), schema_bytes())]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


def _release_bytes(release: Release, media: Media, urls: Urls) -> bytes:
    """The release's object as it reads inside the document; JSON text has no raw newline in a string."""
    text = _dumps(scrub(_release(release, media, urls)))
    return (_RELEASE_INDENT + text.replace("\n", "\n" + _RELEASE_INDENT)).encode("utf-8")


def scrub(value: Any) -> Any:
    """Lone surrogates (from undecodable tags) are not Unicode text: drop them everywhere."""
    if isinstance(value, str):
        return _SURROGATES.sub("", value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _compact(pairs: Json) -> Json:
    """Drop absent values: None, "", empty lists and objects (False and 0 are values)."""
    return {k: v for k, v in pairs.items() if v is not None and v != "" and v != [] and v != {}}


def catalog_document(catalog: Catalog, media: Media, urls: Urls) -> Json:
    """The whole document as one value (catalog.json is this, dumped and scrubbed)."""
    releases = [_release(r, media, urls) for r in catalog.listed_releases]
    return _head(catalog, media, urls) | {"releases": releases}


def _head(catalog: Catalog, media: Media, urls: Urls) -> Json:
    """Everything but the releases, which stay an empty list at the end."""
    config = catalog.config
    listed = catalog.listed_releases
    slugs_by_artist: dict[str, list[str]] = {}
    for release in listed:
        for slug in release.artist_slugs:
            slugs_by_artist.setdefault(slug, []).append(release.slug)
    return {
        "$schema": urls.absolute(u.catalog_schema()),
        "schema_version": SCHEMA_VERSION,
        "catalog": _compact(
            {
                "title": config.title,
                "url": urls.absolute(u.home()),
                "language": config.language,
                "description": config.description,
                "label_mode": config.label_mode,
                "license": config.settings.license,
                "feeds": {
                    "rss": urls.absolute(u.site_feed("rss")),
                    "atom": urls.absolute(u.site_feed("atom")),
                    "podcast": urls.absolute(u.podcast_feed()),
                },
                "playlist_url": urls.absolute(u.catalog_playlist()),
            }
        ),
        "artists": [_artist(a, slugs_by_artist.get(a.slug, []), media, urls) for a in catalog.listed_artists],
        "releases": [],
    }


def _image(images: ImageSet, urls: Urls) -> Json:
    return _compact(
        {
            "description": images.description,
            "variants": [_variant(v, urls) for v in images.variants],
            "original": _variant(images.original, urls) if images.original else None,
        }
    )


def _variant(v: ImageVariant, urls: Urls) -> Json:
    return _compact({"url": urls.absolute(v.path), "mime": v.mime, "width": v.width, "height": v.height})


def _stream(s: Stream, urls: Urls) -> Json:
    return _compact(
        {"url": urls.absolute(s.path), "mime": s.mime, "size": s.size, "codec": s.codec, "bitrate": s.bitrate}
    )


def _download(d: Download, urls: Urls) -> Json:
    return {"format": d.format, "url": urls.absolute(d.path), "mime": d.mime, "size": d.size}


def _genres(genres: tuple[str, ...], urls: Urls) -> list[Json]:
    """Each genre with its tag page, named and slugged as the pages are (tunecamp.generator.site.genres)."""
    names = dict.fromkeys(" ".join(g.split()) for g in genres)
    return [{"name": name, "url": urls.absolute(u.tag(tag_slug(name)))} for name in names if name]


def _artist(artist: Artist, release_slugs: list[str], media: Media, urls: Urls) -> Json:
    image = media.artist_image(artist)
    return _compact(
        {
            "slug": artist.slug,
            "name": artist.name,
            "url": urls.absolute(u.artist(artist)),
            "summary": artist.summary,
            "location": artist.location,
            "links": [{"label": link.label, "url": link.url} for link in artist.links],
            "image": _image(image, urls) if image else None,
            "feeds": {
                "rss": urls.absolute(u.artist_feed(artist, "rss")),
                "atom": urls.absolute(u.artist_feed(artist, "atom")),
            },
            "playlist_url": urls.absolute(u.artist_playlist(artist)),
            "releases": release_slugs,
        }
    )


def _replaygain(track: Loudness | None, album: Loudness | None) -> Json:
    gains: Json = {}
    if track:
        gains |= {"track_gain_db": track.gain_db, "track_peak": track.peak}
    if album:
        gains |= {"album_gain_db": album.gain_db, "album_peak": album.peak}
    return gains


def _release(release: Release, media: Media, urls: Urls) -> Json:
    settings = release.settings
    policy = settings.download
    sells = policy in ("paid", "name-your-price")
    download = _compact(
        {
            "policy": policy,
            "price": format(settings.price, "f") if sells and settings.price is not None else None,
            "currency": settings.currency if sells else None,
            "formats": list(settings.download_formats) if policy not in ("none", "external") else None,
            "external_url": settings.external_url if policy == "external" else None,
            "files": [_download(d, urls) for d in media.release_downloads.get(release.slug, ())],
            "payment": [{"label": p.label, "url": p.url} for p in settings.payment] or None,
        }
    )
    album_loudness = media.release_loudness.get(release.slug)
    return _compact(
        {
            "slug": release.slug,
            "title": release.title,
            "url": urls.absolute(u.release(release)),
            "artists": list(release.artist_slugs),
            "date": release.date.isoformat() if release.date else None,
            "genres": _genres(release.genres, urls),
            "label": release.label,
            "catalog_number": release.catalog_number,
            "summary": release.summary,
            "license": settings.license,
            "explicit": settings.explicit,
            "duration": round(sum(media.track(t).duration for t in release.tracks), 3),
            "cover": _image(media.cover(release), urls),
            "download": download,
            "replaygain": _replaygain(None, album_loudness),
            "playlist_url": urls.absolute(u.release_playlist(release)),
            "media_rss_url": urls.absolute(u.release_media_rss(release)),
            "embed_url": urls.absolute(u.release_embed(release)) if settings.embed else None,
            "oembed_url": urls.absolute(u.release_oembed(release)) if settings.embed else None,
            "tracks": [_track(release, t, media, urls, album_loudness) for t in release.tracks],
        }
    )


def _track(release: Release, track: Track, media: Media, urls: Urls, album: Loudness | None) -> Json:
    tm = media.track(track)
    embed = track.settings.embed  # inherited from the release unless the track overrides it
    return _compact(
        {
            "id": f"{release.slug}/{track.slug}",
            "slug": track.slug,
            "title": track.title,
            "artists": list(track.artists),
            "number": track.number,
            "disc": track.disc,
            "url": urls.absolute(u.track(release, track)),
            "duration": round(tm.duration, 3),
            "date": track.date.isoformat() if track.date else None,
            "genres": _genres(track.genres, urls),
            "composers": list(track.composers),
            "isrc": track.isrc,
            "musicbrainz": {
                k: track.musicbrainz[k] for k in sorted(track.musicbrainz) if track.musicbrainz[k]
            },
            "license": track.settings.license,
            "explicit": track.settings.explicit,
            "streams": [_stream(s, urls) for s in tm.streams],
            "downloads": [_download(d, urls) for d in tm.downloads],
            "replaygain": _replaygain(tm.loudness, album),
            "embed_url": urls.absolute(u.track_embed(release, track)) if embed else None,
            "oembed_url": urls.absolute(u.track_oembed(release, track)) if embed else None,
        }
    )
