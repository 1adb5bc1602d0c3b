"""What a page shows of a release, track or artist: the model joined with its media and links.

Built once per build and shared by every page that shows the same thing (a release appears
on its page, its track pages, its embeds, and as a card on the home, artist and tag pages).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, partial

from markupsafe import Markup

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Artist, Catalog, Release, Track
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Download, ImageSet, ImageVariant, Media, TrackMedia
from tunecamp.generator.site.display import duration, join_names
from tunecamp.generator.site.genres import release_tags
from tunecamp.generator.site.licenses import License, license_info
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.oembed import release_embed_code, track_embed_code
from tunecamp.generator.site.timecodes import link_timecodes, link_timecodes_in_text

RASTER = ("image/jpeg", "image/png", "image/webp", "image/gif")


@dataclass(frozen=True)
class Source:
    url: str
    mime: str


@dataclass(frozen=True)
class Picture:
    """An image ready for <picture>: a fallback <img>, srcsets per type, alt text."""

    src: str
    width: int | None
    height: int | None
    alt: str
    mime: str
    srcset: str  # for the <img>, in the fallback's type
    sources: tuple[tuple[str, str], ...]  # (type, srcset) for <source> elements, preferred first
    thumb: str  # a small variant for lists and the player bar
    share: ImageVariant | None  # a raster for OpenGraph cards (they do not take SVG)


@dataclass(frozen=True)
class TrackView:
    track: Track
    path: str
    url: str
    number: int
    media: TrackMedia
    sources: tuple[Source, ...]
    peaks: str  # base64 of the 0..255 peak bytes, "" for none
    gain: str  # ReplayGain track gain in dB, "" when unmeasured
    artist: str  # the track's artists, joined
    shows_artist: bool  # differs from the release's artists
    duration: str
    credits_html: Markup
    license: License | None
    embed_path: str | None
    embed_code: str  # the iframe to copy, the same as in the oEmbed document

    @property
    def title(self) -> str:
        return self.track.title


@dataclass(frozen=True)
class ReleaseView:
    release: Release
    path: str
    url: str
    artists: tuple[Artist, ...]
    artist_names: str
    cover: Picture
    tracks: tuple[TrackView, ...]
    tags: tuple[tuple[str, str], ...]  # (slug, name)
    multi_disc: bool
    duration: str
    license: License | None
    downloads: tuple[Download, ...]
    notes_html: Markup
    credits_html: Markup
    embed_path: str | None
    embed_code: str

    @property
    def title(self) -> str:
        return self.release.title

    @property
    def noindex(self) -> bool:
        return not self.release.is_listed


@dataclass(frozen=True)
class ArtistView:
    artist: Artist
    path: str
    url: str
    picture: Picture | None
    releases: tuple[ReleaseView, ...]  # listed only
    listed: bool  # has a listed release (and so feeds and a place in listings)


def _srcset(variants: Sequence[ImageVariant], urls: Urls) -> str:
    return ", ".join(f"{urls.link(v.path)} {v.width}w" for v in sorted(variants, key=lambda v: v.width or 0))


def picture(images: ImageSet, alt: str, urls: Urls) -> Picture:
    fallback = next((v for v in images.variants if v.mime in ("image/jpeg", "image/png")), images.default)
    sized = [v for v in images.variants if v.width]
    smallest = min(sized, key=lambda v: v.width or 0) if sized else fallback
    thumb = min((v for v in sized if (v.width or 0) >= 240), key=lambda v: v.width or 0, default=smallest)
    others = tuple(dict.fromkeys(v.mime for v in images.variants if v.mime != fallback.mime))
    sources = tuple((mime, _srcset(images.srcset(mime), urls)) for mime in others if images.srcset(mime))
    rasters = [
        v for v in (images.original, *images.variants) if v and v.mime in RASTER and v.mime != "image/webp"
    ]
    share = max(rasters, key=lambda v: v.width or 0, default=None)
    return Picture(
        src=urls.link(fallback.path),
        width=fallback.width,
        height=fallback.height,
        alt=alt,
        mime=fallback.mime,
        srcset=_srcset(images.srcset(fallback.mime), urls),
        sources=sources,
        thumb=urls.link(thumb.path),
        share=share,
    )


@dataclass(frozen=True)
class OnRelease:
    """What every track view of a release is made with."""

    release: Release
    artist_names: str  # the release's: a track shows its own artists only when they differ
    media: Media
    urls: Urls


def track_view(on: OnRelease, track: Track, number: int) -> TrackView:
    release, release_artists, urls = on.release, on.artist_names, on.urls
    tm = on.media.track(track)
    artist = join_names(track.artists) or release_artists
    credits = track.credits or ""
    if track.composers:
        credits = (credits + "\n" if credits else "") + "Written by " + join_names(track.composers)
    path = u.track(release, track)
    return TrackView(
        track=track,
        path=path,
        url=urls.link(path),
        number=track.number or number,
        media=tm,
        sources=tuple(Source(urls.link(s.path), s.mime) for s in tm.streams),
        peaks=base64.b64encode(bytes(max(0, min(255, p)) for p in tm.peaks)).decode() if tm.peaks else "",
        gain=f"{tm.loudness.gain_db:g}" if tm.loudness else "",
        artist=artist,
        shows_artist=artist != release_artists,
        duration=duration(tm.duration),
        credits_html=Markup(link_timecodes_in_text(credits)) if credits else Markup(""),
        license=license_info(track.settings.license),
        embed_path=u.track_embed(release, track) if track.settings.embed else None,
        embed_code=track_embed_code(urls, release, track) if track.settings.embed else "",
    )


def release_view(release: Release, artists: dict[str, Artist], media: Media, urls: Urls) -> ReleaseView:
    by = tuple(artists[s] for s in release.artist_slugs if s in artists)
    names = join_names([a.name for a in by])
    images = media.cover(release)
    alt = images.description or f"Cover of {release.title}" + (f" by {names}" if names else "")
    path = u.release(release)
    on = OnRelease(release, names, media, urls)
    return ReleaseView(
        release=release,
        path=path,
        url=urls.link(path),
        artists=by,
        artist_names=names,
        cover=picture(images, alt, urls),
        tracks=tuple(track_view(on, t, i) for i, t in enumerate(release.tracks, 1)),
        tags=release_tags(release),
        multi_disc=len({t.disc for t in release.tracks}) > 1,
        duration=duration(sum(media.track(t).duration for t in release.tracks)),
        license=license_info(release.settings.license),
        downloads=media.release_downloads.get(release.slug, ()),
        notes_html=Markup(link_timecodes(release.notes_html)),
        credits_html=Markup(release.credits_html),
        embed_path=u.release_embed(release) if release.settings.embed else None,
        embed_code=release_embed_code(
            urls, release, ", ".join(a.name for a in by) or ", ".join(release.artist_slugs)
        )
        if release.settings.embed
        else "",
    )


def artist_view(artist: Artist, releases: tuple[ReleaseView, ...], media: Media, urls: Urls) -> ArtistView:
    images = media.artist_image(artist)
    pic = picture(images, images.description or f"Photo of {artist.name}", urls) if images else None
    path = u.artist(artist)
    listed = tuple(rv for rv in releases if rv.release.is_listed)
    return ArtistView(artist, path, urls.link(path), pic, listed, bool(listed))


@dataclass(frozen=True)
class SiteViews:
    releases: tuple[ReleaseView, ...]  # public (published and unlisted), newest first
    artists: tuple[ArtistView, ...]  # with at least one public release

    @property
    def listed_releases(self) -> tuple[ReleaseView, ...]:
        return tuple(rv for rv in self.releases if rv.release.is_listed)

    @property
    def listed_artists(self) -> tuple[ArtistView, ...]:
        return tuple(av for av in self.artists if av.listed)

    @cached_property
    def listed_by_artist(self) -> dict[str, tuple[ReleaseView, ...]]:
        """Listed releases by artist slug, newest first: made once, not once per release page."""
        found: dict[str, list[ReleaseView]] = {}
        for rv in self.listed_releases:
            for slug in rv.release.artist_slugs:
                found.setdefault(slug, []).append(rv)
        return {slug: tuple(rvs) for slug, rvs in found.items()}


def site_views(catalog: Catalog, media: Media, urls: Urls, memo: Memo | None = None) -> SiteViews:
    """Every view; with a watch session's `memo`, an unchanged release keeps its view object."""
    memo = fresh(memo)
    by_slug = {a.slug: a for a in catalog.artists}
    releases = tuple(
        memo.get("view", r, partial(release_view, r, by_slug, media, urls)) for r in catalog.public_releases
    )
    by_artist: dict[str, list[ReleaseView]] = {}
    for rv in releases:
        for slug in rv.release.artist_slugs:
            by_artist.setdefault(slug, []).append(rv)
    artists = tuple(
        memo.get("view", a, partial(artist_view, a, rvs, media, urls), extra=rvs)
        for a in catalog.artists
        if (rvs := tuple(by_artist.get(a.slug, ())))
    )
    return SiteViews(releases, artists)
