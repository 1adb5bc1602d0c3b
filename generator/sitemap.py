"""sitemap.xml and robots.txt: the listed pages, for search engines.

Only what is listed appears: the home page, artists with a listed release, listed
releases and their tracks, and the tag pages that `genres.listed_tags` defines. Unlisted
releases are reachable by URL but never announced here (their pages carry `noindex`). No `lastmod`:
a release date says when the music came out, not when the page changed, and search
engines distrust sitemaps whose dates are wrong. One file may hold 50,000 URLs, far more
than a TuneCamp catalog has. Crawlers read robots.txt only at the root of a host: a site
served under a sub-path should submit its sitemap URL to search engines instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tunecamp.generator import urls as u
from tunecamp.generator.genres import listed_tags
from tunecamp.generator.model import Catalog
from tunecamp.generator.output import Output
from tunecamp.generator.urls import Urls

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_paths(catalog: Catalog) -> list[str]:
    paths = [u.home()]
    paths += [u.artist(a) for a in catalog.listed_artists]
    for release in catalog.listed_releases:
        paths.append(u.release(release))
        paths += [u.track(release, t) for t in release.tracks]
    paths += [u.tag(tag.slug) for tag in listed_tags(catalog)]
    return list(dict.fromkeys(paths))


def render_sitemap(catalog: Catalog, urls: Urls) -> list[Output]:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path in sitemap_paths(catalog):
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = urls.absolute(path)
    ET.indent(root, space=" ")
    sitemap = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(u.sitemap())}\n"
    return [Output(u.sitemap(), sitemap), Output(u.robots(), robots.encode("utf-8"))]
