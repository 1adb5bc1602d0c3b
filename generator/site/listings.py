"""Every release, in pages: the Releases page (by date or by title) and "More from this artist".

Sorting and paging are done at build time, so the pages work without JavaScript: each order is
its own set of pages (releases/ newest first, releases-by/title/...), linked from the sort links;
a large catalog is cut into pages of PAGE_SIZE with previous/next links.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.output import Output
from tunecamp.generator.site.context import Page, Site
from tunecamp.generator.site.i18n import N_, number
from tunecamp.generator.site.i18n import gettext as _
from tunecamp.generator.site.views import ReleaseView, SiteViews

PAGE_SIZE = 48
MORE_FROM_ARTIST = 4


@dataclass(frozen=True)
class Sort:
    key: str
    label: str  # the sort link's text, in English: templates translate it
    order: Callable[[tuple[ReleaseView, ...]], list[ReleaseView]]


SORTS = (
    Sort("date", N_("Newest first"), list),  # listed releases are newest first already
    Sort("oldest", N_("Oldest first"), lambda rvs: list(reversed(rvs))),
    Sort(
        "title",
        N_("By title"),
        lambda rvs: sorted(rvs, key=lambda rv: (rv.title.casefold(), rv.release.slug)),
    ),
)


@dataclass(frozen=True)
class PageLink:
    number: int
    path: str


def releases_pages(site: Site) -> list[Output]:
    """Every page of every order of the listed releases (one empty page when there are none)."""
    listed = site.views.listed_releases
    count = max(1, math.ceil(len(listed) / PAGE_SIZE))
    with site.speaking():
        return _releases_pages(site, listed, count)


def _releases_pages(site: Site, listed: tuple[ReleaseView, ...], count: int) -> list[Output]:
    outputs = []
    for sort in SORTS:
        ordered = sort.order(listed)
        pages = [PageLink(n, u.releases_list(sort.key, n)) for n in range(1, count + 1)]
        for link in pages:
            title = (
                _("Releases") if sort.key == "date" else _("Releases, %(order)s") % {"order": _(sort.label)}
            )
            if count > 1:
                title = _("%(title)s, page %(page)s of %(pages)s") % {
                    "title": title,
                    "page": number(link.number),
                    "pages": number(count),
                }
            page = Page(
                path=link.path,
                kind="releases",
                title=site.title(title),
                description=_("Every release of %(site)s") % {"site": site.catalog.config.title},
                noindex=sort.key != "date",  # one order for search engines; the others repeat it
            )
            start = (link.number - 1) * PAGE_SIZE
            outputs.append(
                site.render(
                    "releases.html",
                    page,
                    releases=ordered[start : start + PAGE_SIZE],
                    total=len(listed),
                    sorts=[(s, u.releases_list(s.key)) for s in SORTS],
                    sort=sort,
                    pages=pages,
                    current=link,
                )
            )
    return outputs


def more_from_artist(views: SiteViews, rv: ReleaseView) -> tuple[ReleaseView, ...]:
    """Other listed releases of the release's first artist, newest first, a few."""
    if not rv.release.artist_slugs:
        return ()
    others = (o for o in views.listed_by_artist.get(rv.release.artist_slugs[0], ()) if o is not rv)
    return tuple(o for o, _ in zip(others, range(MORE_FROM_ARTIST), strict=False))
