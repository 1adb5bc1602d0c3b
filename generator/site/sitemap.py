"""sitemap.xml and robots.txt: the listed pages, for search engines.

Only what is listed appears: the home page, artists with a listed release, listed
releases and their tracks, and the tag pages that `genres.listed_tags` defines. Unlisted
releases are reachable by URL but never announced here (their pages carry `noindex`). No `lastmod`:
a release date says when the music came out, not when the page changed, and search
engines distrust sitemaps whose dates are wrong. One file may hold 50,000 URLs, far more
than a TuneCamp catalog has. Crawlers read robots.txt only at the root of a host: a site
served under a sub-path should submit its sitemap URL to search engines instead.

The XML is written as text, a release's <url> elements remembered in the watch session's
memo, so a rebuild after one release changed writes only its lines again.
"""

from __future__ import annotations

from functools import partial
from xml.sax.saxutils import escape

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Catalog, Release
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.output import Output
from tunecamp.generator.site.genres import Tag, listed_tags
from tunecamp.generator.site.memo import Memo, fresh

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
_TAIL = "</urlset>\n"


def release_paths(release: Release) -> list[str]:
    return [u.release(release), *(u.track(release, t) for t in release.tracks)]


def sitemap_paths(catalog: Catalog) -> list[str]:
    paths = [u.home()]
    paths += [u.artist(a) for a in catalog.listed_artists]
    for release in catalog.listed_releases:
        paths += release_paths(release)
    paths += [u.tag(tag.slug) for tag in listed_tags(catalog)]
    return list(dict.fromkeys(paths))


def render_sitemap(
    catalog: Catalog, urls: Urls, memo: Memo | None = None, *, tags: tuple[Tag, ...] | None = None
) -> list[Output]:
    """`tags` are `listed_tags(catalog)`, for a caller that has them already (they take a while)."""
    memo = fresh(memo)
    lines = [_url(urls, u.home()), *(_url(urls, u.artist(a)) for a in catalog.listed_artists)]
    for release in catalog.listed_releases:
        lines += memo.get("sitemap-urls", release, partial(_release_urls, release, urls))
    tags = listed_tags(catalog) if tags is None else tags
    lines += [_url(urls, u.tag(tag.slug)) for tag in tags]
    sitemap = _HEAD + "".join(dict.fromkeys(lines)) + _TAIL
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(u.sitemap())}\n"
    return [Output(u.sitemap(), sitemap.encode("utf-8")), Output(u.robots(), robots.encode("utf-8"))]


def _release_urls(release: Release, urls: Urls) -> list[str]:
    return [_url(urls, p) for p in release_paths(release)]


def _url(urls: Urls, path: str) -> str:
    return f" <url>\n  <loc>{escape(urls.absolute(path))}</loc>\n </url>\n"
