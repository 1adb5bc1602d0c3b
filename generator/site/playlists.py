"""Extended M3U8 playlists: one per public release, one per artist, one for the whole catalog.

Entries carry absolute URLs, so a playlist saved to disk still plays. Besides `#EXTINF`
(duration and "artist - title", which every extended-M3U reader knows), each entry is
preceded by the de facto `#EXTALB`, `#EXTART` and `#EXTIMG` directives and by VLC's
`#EXTALBUMARTURL`. They are repeated for every entry rather than written once: some readers
take them per entry, others per playlist, and the catalog playlist mixes releases.
A track with no web-playable stream is left out. Text from tags cannot break a line: line
breaks and control characters become spaces.

A release's entries are the same in every playlist that holds it: the artist and catalog
playlists take them from the watch session's memo, so a rebuild after one release changed
writes only its entries again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Catalog, Release
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.syndication import artwork

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\ud800-\udfff]+")


def line_text(text: str) -> str:
    """`text` made safe for one line of a playlist."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def render_playlists(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> list[Output]:
    memo = fresh(memo)
    by_slug = {a.slug: a for a in catalog.artists}
    outputs = [
        Output(u.release_playlist(r), playlist(r.title, [_cached_entries(memo, r, by_slug, media, urls)]))
        for r in catalog.public_releases
    ]
    outputs += [render_artist_playlist(a, catalog, media, urls, memo) for a in catalog.listed_artists]
    outputs.append(render_catalog_playlist(catalog, media, urls, memo))
    return outputs


def render_release_playlist(
    release: Release, artists_by_slug: dict[str, Artist], media: Media, urls: Urls
) -> Output:
    """`artists_by_slug` needs to hold only the release's artists."""
    entries = release_entries(release, artists_by_slug, media, urls)
    return Output(u.release_playlist(release), playlist(release.title, [entries]))


def render_artist_playlist(
    artist: Artist, catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None
) -> Output:
    """The artist's listed releases."""
    memo = fresh(memo)
    by_slug = {a.slug: a for a in catalog.artists}
    entries = [_cached_entries(memo, r, by_slug, media, urls) for r in catalog.releases_by(artist.slug)]
    return Output(u.artist_playlist(artist), playlist(artist.name, entries))


def render_catalog_playlist(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> Output:
    """Every listed release."""
    memo = fresh(memo)
    by_slug = {a.slug: a for a in catalog.artists}
    entries = [_cached_entries(memo, r, by_slug, media, urls) for r in catalog.listed_releases]
    return Output(u.catalog_playlist(), playlist(catalog.config.title, entries))


def playlist(title: str, entries: Iterable[bytes]) -> bytes:
    """A playlist of releases' entries (from `release_entries`)."""
    head = f"#EXTM3U\n#PLAYLIST:{line_text(title)}\n".encode()
    return head + b"".join(entries)


def _cached_entries(
    memo: Memo, release: Release, artists: dict[str, Artist], media: Media, urls: Urls
) -> bytes:
    return memo.get("playlist-entries", release, lambda: release_entries(release, artists, media, urls))


def release_entries(release: Release, artists: dict[str, Artist], media: Media, urls: Urls) -> bytes:
    """The release's entries, one line each (with its newline), for every playlist that holds it."""
    album_artist = line_text(", ".join(artists[s].name if s in artists else s for s in release.artist_slugs))
    cover = urls.absolute(artwork(media.cover(release)).path)
    lines = []
    for track in release.tracks:
        tm = media.track(track)
        if not tm.streams:
            continue
        seconds = round(tm.duration) if tm.duration > 0 else -1
        who, what = line_text(", ".join(track.artists)), line_text(track.title)
        lines += [
            f"#EXTALB:{line_text(release.title)}",
            f"#EXTART:{album_artist}",
            f"#EXTIMG:{cover}",
            f"#EXTALBUMARTURL:{cover}",
            f"#EXTINF:{seconds},{who} - {what}" if who else f"#EXTINF:{seconds},{what}",
            urls.absolute(tm.streams[0].path),
        ]
    return "".join(f"{line}\n" for line in lines).encode("utf-8")
