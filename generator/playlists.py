"""Extended M3U8 playlists: one per public release, one per artist, one for the whole catalog.

Entries carry absolute URLs, so a playlist saved to disk still plays. Besides `#EXTINF`
(duration and "artist - title", which every extended-M3U reader knows), each entry is
preceded by the de facto `#EXTALB`, `#EXTART` and `#EXTIMG` directives and by VLC's
`#EXTALBUMARTURL`. They are repeated for every entry rather than written once: some readers
take them per entry, others per playlist, and the catalog playlist mixes releases.
A track with no web-playable stream is left out. Text from tags cannot break a line: line
breaks and control characters become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tunecamp.generator import urls as u
from tunecamp.generator.media import Media
from tunecamp.generator.model import Artist, Catalog, Release
from tunecamp.generator.output import Output
from tunecamp.generator.syndication import artwork
from tunecamp.generator.urls import Urls

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\ud800-\udfff]+")


def line_text(text: str) -> str:
    """`text` made safe for one line of a playlist."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def render_playlists(catalog: Catalog, media: Media, urls: Urls) -> list[Output]:
    by_slug = {a.slug: a for a in catalog.artists}
    outputs = [
        Output(u.release_playlist(r), playlist(r.title, [r], by_slug, media, urls))
        for r in catalog.public_releases
    ]
    for artist in catalog.listed_artists:
        outputs.append(
            Output(
                u.artist_playlist(artist),
                playlist(artist.name, catalog.releases_by(artist.slug), by_slug, media, urls),
            )
        )
    outputs.append(
        Output(
            u.catalog_playlist(),
            playlist(catalog.config.title, catalog.listed_releases, by_slug, media, urls),
        )
    )
    return outputs


def playlist(
    title: str, releases: Iterable[Release], artists: dict[str, Artist], media: Media, urls: Urls
) -> bytes:
    lines = ["#EXTM3U", f"#PLAYLIST:{line_text(title)}"]
    for release in releases:
        album_artist = line_text(
            ", ".join(artists[s].name if s in artists else s for s in release.artist_slugs)
        )
        cover = urls.absolute(artwork(media.cover(release)).path)
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
    return ("\n".join(lines) + "\n").encode("utf-8")
