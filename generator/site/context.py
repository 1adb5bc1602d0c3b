"""The render context: everything a page is made from, and how a page goes through the theme.

`make_site` loads the theme and builds the views and tags of a catalog once per build; every page,
feed and unit of that build reads them from the `Site` (pages.py, units.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.dates import written
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problems
from tunecamp.generator.site import i18n
from tunecamp.generator.site.activitypub.inputs import FederationInputs
from tunecamp.generator.site.display import clean_text, duration, format_label, iso_duration, join_names
from tunecamp.generator.site.genres import Tag, listed_tags
from tunecamp.generator.site.memo import Memo, fresh
from tunecamp.generator.site.pagemeta import Meta
from tunecamp.generator.site.theme import DEFAULT_THEME, Theme, ThemeNotFound, load_theme
from tunecamp.generator.site.views import ArtistView, SiteViews, site_views

if TYPE_CHECKING:  # network.py renders with this module's Page and Site
    from tunecamp.generator.site.network import Network

FILTERS: dict[str, Callable[..., Any]] = {
    "duration": duration,
    "filesize": i18n.filesize,
    "price": i18n.price,
    "format_label": format_label,
    "long_date": i18n.long_date,
    "number": i18n.number,
    "datetime_attr": written,
    "join_names": join_names,
    "iso_duration": iso_duration,
}


@dataclass(frozen=True)
class Alternate:
    type: str
    title: str
    href: str


@dataclass(frozen=True)
class Page:
    """What base.html needs to know about any page."""

    path: str  # site path: "" for home, "releases/x/"
    kind: str  # home, artist, release, track, tag, tags, search, not-found, embed
    title: str  # the document title
    description: str = ""
    noindex: bool = False
    meta: tuple[Meta, ...] = ()
    json_ld: Markup | None = None
    alternates: tuple[Alternate, ...] = field(default=())


@dataclass(frozen=True)
class Site:
    """Everything a page is rendered from."""

    catalog: Catalog
    media: Media
    urls: Urls
    theme: Theme
    views: SiteViews
    tags: tuple[Tag, ...]
    extra_head: Markup
    tag_slugs: frozenset[str] = frozenset()  # the tags that have a page
    memo: Memo = field(default_factory=Memo)  # fragments kept across a watch session's builds
    federation: FederationInputs = field(default_factory=FederationInputs)  # what the daemon exported
    redirects: Mapping[str, str] = field(default_factory=dict)  # old release slug -> its slug now
    network: Network | None = None  # the instances the daemon's discovery found (data/network.json)

    def title(self, *parts: str) -> str:
        return " · ".join([*(p for p in parts if p), self.catalog.config.title])

    @cached_property
    def tag_names(self) -> dict[str, str]:
        """Each tag's one spelling (genres.py), which release and track pages show too."""
        return {t.slug: t.name for t in self.tags}

    @contextmanager
    def speaking(self, language: str | None = None) -> Iterator[i18n.PageLocale]:
        """Build a page in `language` (an artist's, a release's or a track's; None: the catalog's).

        Page functions enter it before they write titles and descriptions; render() speaks
        whatever the page function chose."""
        with i18n.speaking(i18n.page_locale(language or self.catalog.config.language)) as locale:
            yield locale

    def render(self, template: str, page: Page, **context: Any) -> Output:
        if i18n.chosen() is None:  # a page function that chose no language speaks the catalog's
            with self.speaking():
                return self.render(template, page, **context)
        html = self.theme.render(
            template,
            site=self.catalog.config,
            page=page,
            views=self.views,
            tags=self.tags,
            label_mode=self.catalog.config.label_mode,
            extra_head=self.extra_head,
            theme_version=self.theme.version,
            site_alternates=self.site_alternates(),
            tag_pages=self.tag_slugs,
            tag_names=self.tag_names,
            network_page=self.network is not None,  # the footer links /network/ when the site has it
            **context,
        )
        # One pass over the page drops what HTML cannot carry (controls, lone surrogates from tags).
        return Output(u.page_file(page.path), data=clean_text(html).encode("utf-8", "replace"))

    def site_alternates(self) -> tuple[Alternate, ...]:
        link, title = self.urls.absolute, self.catalog.config.title
        return (
            Alternate("application/rss+xml", f"{title} (RSS)", link(u.site_feed("rss"))),
            Alternate("application/atom+xml", f"{title} (Atom)", link(u.site_feed("atom"))),
            Alternate(
                "application/rss+xml",
                i18n.gettext("%(title)s (podcast)") % {"title": title},
                link(u.podcast_feed()),
            ),
        )

    def artist_alternates(self, artists: tuple[ArtistView, ...]) -> tuple[Alternate, ...]:
        return tuple(
            Alternate(mime, f"{av.artist.name} ({label})", self.urls.absolute(u.artist_feed(av.artist, kind)))
            for av in artists
            if av.listed
            for kind, mime, label in (
                ("rss", "application/rss+xml", "RSS"),
                ("atom", "application/atom+xml", "Atom"),
            )
        )


@dataclass(frozen=True)
class RenderOptions:
    """How a site is rendered, beyond the catalog and its media."""

    theme: str | Theme | None = None  # a name or path (default: the catalog's), or a loaded theme to reuse
    extra_head: str = ""  # trusted HTML added to every page's <head> (the preview server's live reload)
    memo: Memo | None = None  # fragments kept across a watch session's builds; None: a throwaway one
    federation: FederationInputs | None = None  # keys, likes, boosts and replies (data/federation/)
    redirects: Mapping[str, str] = field(default_factory=dict)  # old release slug -> its slug now
    network: Network | None = None  # data/network.json, when the daemon wrote one


def make_site(
    catalog: Catalog,
    media: Media,
    urls: Urls,
    options: RenderOptions | None = None,
    problems: Problems | None = None,
) -> Site:
    """The render context: the theme (a loaded one is reused), views and tags of the catalog.

    A missing theme is reported to `problems` (the default theme is used instead) when given, and
    raises `ThemeNotFound` otherwise.
    """
    options = options or RenderOptions()
    theme = options.theme
    if not isinstance(theme, Theme):
        theme = _theme(catalog, urls, theme or catalog.config.theme, problems)
    memo = fresh(options.memo)
    tags = listed_tags(catalog, memo)
    views = site_views(catalog, media, urls, memo)
    slugs = frozenset(t.slug for t in tags)
    federation = options.federation or FederationInputs()
    extra_head = Markup(options.extra_head)
    return Site(
        catalog,
        media,
        urls,
        theme,
        views,
        tags,
        extra_head,
        slugs,
        memo,
        federation,
        options.redirects,
        options.network,
    )


def _theme(catalog: Catalog, urls: Urls, name: str, problems: Problems | None) -> Theme:
    try:
        return load_theme(name, catalog.content_dir, urls, FILTERS)
    except ThemeNotFound as exc:
        if problems is None or name == DEFAULT_THEME:
            raise
        where = catalog.config.source_file or catalog.content_dir
        problems.error(where, f"{exc}; using the default theme", key="theme")
        return load_theme(DEFAULT_THEME, catalog.content_dir, urls, FILTERS)
