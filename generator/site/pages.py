"""Pages: the HTML listeners read, made from the render context (context.py) through a theme.

    render_pages(catalog, media, urls) -> [Output]

Home, artists, releases, tracks, tags, search (page + search.json), 404, embeds, and the
theme's fingerprinted static files. Every path comes from `urls`, every stream and picture
from `media`. Unlisted releases get their own pages (noindex) and appear in no listing;
drafts produce nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from markupsafe import Markup

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.markup import summary
from tunecamp.generator.catalog.model import Catalog, Release
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.context import Alternate, Page, RenderOptions, Site, make_site
from tunecamp.generator.site.genres import Tag
from tunecamp.generator.site.i18n import gettext as _
from tunecamp.generator.site.i18n import long_date, ngettext, number, plural
from tunecamp.generator.site.listings import more_from_artist, releases_pages
from tunecamp.generator.site.pagemeta import (
    Card,
    Meta,
    album_ld,
    cards,
    group_ld,
    release_cards,
    script_json,
    track_cards,
    track_ld,
    website_ld,
)
from tunecamp.generator.site.search_index import search_index
from tunecamp.generator.site.views import ArtistView, ReleaseView, TrackView


def _artist_views(site: Site, rv: ReleaseView) -> tuple[ArtistView, ...]:
    slugs = set(rv.release.artist_slugs)
    return tuple(av for av in site.views.artists if av.artist.slug in slugs)


def home_page(site: Site) -> Output:
    with site.speaking():
        config = site.catalog.config
        description = (
            summary(config.description_html) if config.description_html else config.description.strip()
        )
        page = Page(
            path=u.home(),
            kind="home",
            title=config.title,
            description=description,
            meta=cards(
                Card(
                    kind="website",
                    title=config.title,
                    description=description,
                    url=site.urls.absolute(u.home()),
                    site=config.title,
                    picture=None,
                ),
                site.urls,
            ),
            json_ld=script_json(website_ld(config, site.urls, u.search())),
            alternates=activity_alternates(site, u.ap_label(), True),
        )
        return site.render(
            "home.html",
            page,
            releases=site.views.listed_releases,
            artists=site.views.listed_artists,
            description_html=Markup(config.description_html),
        )


def activity_alternates(site: Site, document: str, published: bool) -> tuple[Alternate, ...]:
    """The ActivityPub document of a page (`published`: it has one), for fediverse servers and apps."""
    if not site.catalog.config.daemon_url or not published:
        return ()
    return (Alternate("application/activity+json", "ActivityPub", site.urls.absolute(document)),)


def creator_meta(site: Site, rv: ReleaseView) -> tuple[Meta, ...]:
    """Mastodon's author attribution: a link to this page in a post names the artist's account.

    The handle's host is base_url's: fediverse servers take an account's domain from its actor's id."""
    if not site.catalog.config.daemon_url or not rv.release.is_listed or not rv.artists:
        return ()
    host = urlsplit(site.catalog.config.base_url).netloc
    return (("name", "fediverse:creator", f"@{rv.artists[0].slug}@{host}"),)


def artist_page(site: Site, av: ArtistView) -> Output:
    with site.speaking(av.artist.settings.language):
        a = av.artist
        description = a.summary or _("Music by %(name)s") % {"name": a.name}
        page = Page(
            path=av.path,
            kind="artist",
            title=site.title(a.name),
            description=description,
            noindex=not av.listed,
            meta=cards(
                Card(
                    kind="profile",
                    title=a.name,
                    description=description,
                    url=site.urls.absolute(av.path),
                    site=site.catalog.config.title,
                    picture=av.picture,
                ),
                site.urls,
            ),
            json_ld=script_json(group_ld(av, site.urls)),
            alternates=(
                *activity_alternates(site, u.ap_artist(a), av.listed),
                *site.artist_alternates((av,)),
            ),
        )
        return site.render("artist.html", page, av=av, bio_html=Markup(a.bio_html))


def release_description(rv: ReleaseView) -> str:
    if rv.release.summary:
        return rv.release.summary
    tracks = plural(len(rv.tracks), "%(num)s track", "%(num)s tracks")
    values = {"tracks": tracks, "artists": rv.artist_names}
    if rv.release.date:
        values["date"] = long_date(rv.release.date)
        if rv.artist_names:
            return _("%(tracks)s by %(artists)s, released %(date)s.") % values
        return _("%(tracks)s, released %(date)s.") % values
    return (_("%(tracks)s by %(artists)s.") if rv.artist_names else _("%(tracks)s.")) % values


def release_alternates(site: Site, rv: ReleaseView, oembed: str | None) -> tuple[Alternate, ...]:
    link = site.urls.absolute
    alts = [
        Alternate(
            "application/rss+xml",
            _("%(title)s (Media RSS)") % {"title": rv.title},
            link(u.release_media_rss(rv.release)),
        ),
        Alternate(
            "application/vnd.apple.mpegurl",
            _("%(title)s (M3U8 playlist)") % {"title": rv.title},
            link(u.release_playlist(rv.release)),
        ),
    ]
    if oembed:
        alts.insert(0, Alternate("application/json+oembed", rv.title, link(oembed)))
    return (*alts, *site.artist_alternates(_artist_views(site, rv)))


def release_page(site: Site, rv: ReleaseView) -> Output:
    with site.speaking(rv.release.settings.language):
        description = release_description(rv)
        oembed = u.release_oembed(rv.release) if rv.embed_path else None
        page = Page(
            path=rv.path,
            kind="release",
            title=site.title(rv.title, rv.artist_names),
            description=description,
            noindex=rv.noindex,
            meta=(*release_cards(rv, site.catalog.config, site.urls, description), *creator_meta(site, rv)),
            json_ld=script_json(album_ld(rv, site.urls)),
            alternates=(
                *activity_alternates(site, u.ap_note(rv.release), rv.release.is_listed),
                *release_alternates(site, rv, oembed),
            ),
        )
        fediverse = site.federation.of(rv.release.slug)
        more = more_from_artist(site.views, rv)
        artist_views = _artist_views(site, rv)
        return site.render(
            "release.html", page, rv=rv, artist_views=artist_views, fediverse=fediverse, more=more
        )


def track_page(site: Site, rv: ReleaseView, tv: TrackView) -> Output:
    with site.speaking(tv.track.settings.language):
        oembed = u.track_oembed(rv.release, tv.track) if tv.embed_path else None
        description = (
            f"{tv.title} by {tv.artist}, from {rv.title}." if tv.artist else f"{tv.title}, from {rv.title}."
        )
        page = Page(
            path=tv.path,
            kind="track",
            title=site.title(tv.title, tv.artist),
            description=description,
            noindex=rv.noindex,
            meta=track_cards(rv, tv, site.catalog.config, site.urls),
            json_ld=script_json(track_ld(rv, tv, site.urls)),
            alternates=release_alternates(site, rv, oembed),
        )
        return site.render("track.html", page, rv=rv, tv=tv, artist_views=_artist_views(site, rv))


def tag_page(site: Site, tag: Tag) -> Output:
    with site.speaking():
        path = u.tag(tag.slug)
        releases = tuple(rv for rv in site.views.listed_releases if any(s == tag.slug for s, _ in rv.tags))
        n = len(releases)
        page = Page(
            path=path,
            kind="tag",
            title=site.title(tag.name),
            description=ngettext("%(num)s release tagged %(tag)s", "%(num)s releases tagged %(tag)s", n)
            % {"num": number(n), "tag": tag.name},
        )
        return site.render("tag.html", page, tag=tag, releases=releases)


def tags_page(site: Site) -> Output:
    with site.speaking():
        page = Page(
            path=u.tags_index(),
            kind="tags",
            title=site.title(_("Tags")),
            description=_("Every tag in the catalog"),
        )
        return site.render("tags.html", page)


def search_page(site: Site) -> Output:
    with site.speaking():
        page = Page(path=u.search(), kind="search", title=site.title(_("Search")), noindex=True)
        return site.render("search.html", page, index_url=site.urls.link(u.search_index()))


def not_found_page(site: Site) -> Output:
    with site.speaking():
        page = Page(path=u.not_found(), kind="not-found", title=site.title(_("Page not found")), noindex=True)
        return site.render("404.html", page, releases=site.views.listed_releases[:6])


def release_pages(site: Site, rv: ReleaseView) -> list[Output]:
    """A release's page, its track pages and its embeds."""
    return [release_page(site, rv), *(track_page(site, rv, tv) for tv in rv.tracks), *embed_pages(site, rv)]


def embed_pages(site: Site, rv: ReleaseView) -> list[Output]:
    """The iframe players; their links open the site in a new tab, and they are not indexed."""
    outputs = []
    if rv.embed_path:
        page = Page(
            path=rv.embed_path, kind="embed", title=site.title(rv.title, rv.artist_names), noindex=True
        )
        with site.speaking(rv.release.settings.language):
            outputs.append(site.render("embed_release.html", page, rv=rv, canonical=rv.path))
    for tv in rv.tracks:
        if tv.embed_path:
            page = Page(path=tv.embed_path, kind="embed", title=site.title(tv.title, tv.artist), noindex=True)
            one = replace(rv, tracks=(tv,), multi_disc=False)
            with site.speaking(tv.track.settings.language):
                outputs.append(
                    site.render("embed_track.html", page, rv=rv, tv=tv, canonical=tv.path, track_only=one)
                )
    return outputs


def check_cover_descriptions(releases: Iterable[Release], media: Media, problems: Problems) -> None:
    """Alt text comes from the cover description: a release without one gets a warning naming it."""
    for release in releases:
        if not media.cover(release).description:
            problems.warning(
                release.metadata_file or release.source_dir,
                f"release {release.slug!r} ({release.title}) has a cover without a description; screen readers "
                "get a generic alt text; add cover_description to release.yaml",
                key="cover_description",
            )


def render_pages(
    catalog: Catalog,
    media: Media,
    urls: Urls,
    options: RenderOptions | None = None,
    problems: Problems | None = None,
) -> list[Output]:
    """Every HTML page of the site, search.json and the theme's static files, in one list.

    The theme defaults to the catalog's. Warnings (a cover without a description) and a missing
    theme are reported to `problems` when given; a missing theme raises otherwise. A build renders
    unit by unit instead (units.py), never holding a large site whole.
    """
    site = make_site(catalog, media, urls, options, problems)
    if problems is not None:
        check_cover_descriptions(catalog.public_releases, media, problems)
    return [
        *site.theme.outputs,
        *site_pages(site),
        *(artist_page(site, av) for av in site.views.artists),
        *(page for rv in site.views.releases for page in release_pages(site, rv)),
        *(tag_page(site, tag) for tag in site.tags),
    ]


def site_pages(site: Site) -> list[Output]:
    """The pages of the whole site: home, the Releases pages, tags, search (and its index), 404."""
    return [
        home_page(site),
        tags_page(site),
        search_page(site),
        not_found_page(site),
        *releases_pages(site),
        Output(u.search_index(), data=search_index(site.views, site.tags, site.urls, site.memo)),
    ]
