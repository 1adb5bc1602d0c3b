"""The site in units: which unit each output belongs to, and how a unit is rendered.

    ("release", slug)  its page, track pages and embeds, oEmbed documents, Media RSS, playlist,
                       and its media: streams, downloads, zips, covers
    ("artist", slug)   its page, feeds, playlist and picture
    ("tag", slug)      its page
    ("site", "")       the rest: theme files, home, tags, search and search.json, 404, site feeds and
                       podcast, catalog playlist, catalog.json and its schema, sitemap, robots.txt,
                       network (data/network.json, when the daemon wrote one)

A full build renders every unit; an incremental one renders the units a change reached
(`incremental.py` decides which) and leaves every other file of the site as it is. The unit of a
file follows from its path (`owner`): the URL scheme is the map from outputs to what they
are made of.
"""

from __future__ import annotations

from collections.abc import Iterator

from tunecamp.generator.folders import marker_output
from tunecamp.generator.output import Output
from tunecamp.generator.site.activitypub.documents import (
    artist_documents,
    release_documents,
    site_documents,
)
from tunecamp.generator.site.catalog_json import render_catalog_json
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.feeds import render_artist_feeds, render_release_feed, render_site_feeds
from tunecamp.generator.site.network import network_pages
from tunecamp.generator.site.oembed import render_release_oembed
from tunecamp.generator.site.pages import artist_page, release_pages, site_pages, tag_page
from tunecamp.generator.site.playlists import (
    render_artist_playlist,
    render_catalog_playlist,
    render_release_playlist,
)
from tunecamp.generator.site.redirects import redirect_pages
from tunecamp.generator.site.sitemap import render_sitemap
from tunecamp.generator.site.views import ArtistView, ReleaseView

Unit = tuple[str, str]
SITE: Unit = ("site", "")
# The templates each kind of unit renders its pages with (site/pages.py names them).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "release": ("release.html", "track.html", "embed_release.html", "embed_track.html"),
    "artist": ("artist.html",),
    "tag": ("tag.html",),
    "site": ("home.html", "releases.html", "tags.html", "search.html", "404.html", "network.html"),
}
_RELEASE_ROOTS = frozenset({"releases", "audio", "downloads", "embed", "oembed"})


def owner(path: str) -> Unit:
    """The unit a site path belongs to."""
    first, _, rest = path.partition("/")
    name = rest.partition("/")[0]
    if not name or name == "index.html":
        return SITE
    if first == "ap":  # ap/artists/<slug>.json and ap/artists/<slug>/..., ap/releases/<slug>/...
        kind, _, below = rest.partition("/")
        name = below.partition("/")[0].removesuffix(".json")
        if kind == "artists" and name:
            return ("artist", name)
        if kind == "releases" and name:
            return ("release", name)
        return SITE
    if first in _RELEASE_ROOTS:
        return ("release", name.removesuffix(".json") if first == "oembed" else name)
    if first == "artists":
        return ("artist", name)
    if first == "tags":
        return ("tag", name)
    return SITE


def release_unit(site: Site, rv: ReleaseView) -> list[Output]:
    r, c, m, u = rv.release, site.catalog, site.media, site.urls
    by_slug = {a.slug: a for a in rv.artists}
    return [
        *release_pages(site, rv),
        *render_release_oembed(r, c, m, u),
        render_release_feed(r, c, m, u),
        render_release_playlist(r, by_slug, m, u),
        *release_documents(site, rv),
    ]


def artist_unit(site: Site, av: ArtistView) -> list[Output]:
    outputs = [artist_page(site, av)]
    if av.listed:
        c, m, u, memo = site.catalog, site.media, site.urls, site.memo
        outputs += render_artist_feeds(av.artist, c, m, u, memo)
        outputs.append(render_artist_playlist(av.artist, c, m, u, memo))
        outputs += artist_documents(site, av)
    return outputs


def site_unit(site: Site) -> list[Output]:
    c, m, u, memo = site.catalog, site.media, site.urls, site.memo
    return [
        marker_output(),  # says "a TuneCamp site": the next build may replace this folder (folders.py)
        *site.theme.outputs,
        *site_pages(site),
        *network_pages(site),
        *render_site_feeds(c, m, u, memo),
        render_catalog_playlist(c, m, u, memo),
        *render_catalog_json(c, m, u, memo),
        *render_sitemap(c, u, memo, tags=site.tags),
        *site_documents(site),
    ]


def render_unit(site: Site, unit: Unit) -> list[Output]:
    """The files of one unit; none when it no longer exists (a release deleted or made a draft)."""
    kind, slug = unit
    if kind == "release":
        rv = next((rv for rv in site.views.releases if rv.release.slug == slug), None)
        return release_unit(site, rv) if rv else moved_unit(site, slug)
    if kind == "artist":
        av = next((av for av in site.views.artists if av.artist.slug == slug), None)
        return artist_unit(site, av) if av else []
    if kind == "tag":
        tag = next((t for t in site.tags if t.slug == slug), None)
        return [tag_page(site, tag)] if tag else []
    return site_unit(site)


def all_units(site: Site) -> Iterator[Output]:
    """Every file a full build renders, one unit at a time (a large site is never held whole)."""
    yield from site_unit(site)
    for av in site.views.artists:
        yield from artist_unit(site, av)
    for rv in site.views.releases:
        yield from release_unit(site, rv)
    for tag in site.tags:
        yield tag_page(site, tag)
    for old in site.redirects:
        yield from moved_unit(site, old)


def moved_unit(site: Site, old: str) -> list[Output]:
    """The pages left at a release's old address when its slug changed (slughistory.py)."""
    now = site.redirects.get(old)
    release = next((r for r in site.catalog.public_releases if r.slug == now), None)
    return redirect_pages(release, old, site.urls, site.catalog.config.language) if release else []
