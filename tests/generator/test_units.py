from __future__ import annotations

import inspect
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from tests.generator.catalog_fixtures import hostile_catalog
from tunecamp.generator.build import build
from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.output import Output
from tunecamp.generator.site.context import Site, make_site
from tunecamp.generator.units import SITE, Unit, all_units, owner, render_unit

EXAMPLE = Path(__file__).resolve().parents[2] / "content"

_CATALOG = hostile_catalog()
OLDER = next(r for r in _CATALOG.releases if r.slug == "older")
ONE = OLDER.tracks[0]
ADA = _CATALOG.artist("ada")
RELEASE, ARTIST, TAG = ("release", "older"), ("artist", "ada"), ("tag", "jazz")

PATHS: list[tuple[str, Unit]] = [
    (u.page_file(u.release(OLDER)), RELEASE),
    (u.page_file(u.track(OLDER, ONE)), RELEASE),
    (u.track_audio(OLDER, ONE), RELEASE),
    (u.track_stream(OLDER, ONE, "opus"), RELEASE),
    (u.track_download(OLDER, ONE, "flac", "flac"), RELEASE),
    (u.release_zip(OLDER, "mp3-v0"), RELEASE),
    (u.page_file(u.release_embed(OLDER)), RELEASE),
    (u.page_file(u.track_embed(OLDER, ONE)), RELEASE),
    (u.release_oembed(OLDER), RELEASE),
    (u.track_oembed(OLDER, ONE), RELEASE),
    (u.release_cover(OLDER, None, "jpg"), RELEASE),
    (u.release_cover(OLDER, 640, "webp"), RELEASE),
    (u.release_playlist(OLDER), RELEASE),
    (u.release_media_rss(OLDER), RELEASE),
    (u.page_file(u.artist(ADA)), ARTIST),
    (u.artist_feed(ADA, "rss"), ARTIST),
    (u.artist_feed(ADA, "atom"), ARTIST),
    (u.artist_playlist(ADA), ARTIST),
    (u.artist_picture(ADA, None, "png"), ARTIST),
    (u.artist_picture(ADA, 320, "jpg"), ARTIST),
    (u.page_file(u.tag("jazz")), TAG),
    (u.page_file(u.tags_index()), SITE),
    (u.page_file(u.home()), SITE),
    (u.site_feed("rss"), SITE),
    (u.site_feed("atom"), SITE),
    (u.podcast_feed(), SITE),
    (u.catalog_playlist(), SITE),
    (u.catalog_json(), SITE),
    (u.catalog_schema(), SITE),
    (u.sitemap(), SITE),
    (u.robots(), SITE),
    (u.search_index(), SITE),
    (u.page_file(u.search()), SITE),
    (u.theme_asset("style.1a2b3c4d5e.css"), SITE),
    (u.theme_asset("fonts/inter.1a2b3c4d5e.woff2"), SITE),
    (u.page_file(u.not_found()), SITE),
    (u.track_preview(OLDER, ONE), RELEASE),
    (u.ap_artist(ADA), ARTIST),
    (u.ap_artist_outbox(ADA), ARTIST),
    (u.ap_artist_outbox(ADA, 2), ARTIST),
    (u.ap_artist_featured(ADA), ARTIST),
    (u.ap_note(OLDER), RELEASE),
    (u.ap_create(OLDER), RELEASE),
    (u.ap_announce(OLDER), RELEASE),
    (u.ap_track(OLDER, ONE), RELEASE),
    (u.ap_label(), SITE),
    (u.ap_label_outbox(), SITE),
    (u.ap_label_outbox(3), SITE),
    (u.ap_instance(), SITE),
    (u.ap_instance_outbox(), SITE),
    (u.ap_manifest(), SITE),
]


@pytest.mark.parametrize(("path", "unit"), PATHS, ids=[p for p, _ in PATHS])
def test_owner_of_every_kind_of_path(path: str, unit: Unit) -> None:
    assert owner(path) == unit


def test_the_path_list_covers_what_the_urls_module_makes() -> None:
    # A new URL function needs a row in PATHS (and maybe a rule in owner()): the URL scheme is the
    # map from paths to units. The daemon's endpoints are never files of the site.
    functions = {n for n, f in vars(u).items() if inspect.isfunction(f) and f.__module__ == u.__name__}
    not_files = {"release_unlock", "release_checkout", "page_file"}
    assert functions - not_files == {
        "release",
        "track",
        "track_audio",
        "track_stream",
        "track_download",
        "release_zip",
        "release_embed",
        "track_embed",
        "release_oembed",
        "track_oembed",
        "release_cover",
        "release_playlist",
        "release_media_rss",
        "artist",
        "artist_feed",
        "artist_playlist",
        "artist_picture",
        "tag",
        "tags_index",
        "home",
        "site_feed",
        "podcast_feed",
        "catalog_playlist",
        "catalog_json",
        "catalog_schema",
        "sitemap",
        "robots",
        "search_index",
        "search",
        "theme_asset",
        "not_found",
        "track_preview",
        "ap_artist",
        "ap_artist_outbox",
        "ap_artist_featured",
        "ap_label",
        "ap_label_outbox",
        "ap_instance",
        "ap_instance_outbox",
        "ap_note",
        "ap_create",
        "ap_announce",
        "ap_track",
        "ap_manifest",
    }


def test_slugs_that_look_like_site_files_stay_in_their_unit() -> None:
    assert owner("tags/index/index.html") == ("tag", "index")
    assert owner("releases/feed/index.html") == ("release", "feed")
    assert owner("artists/static/feed.rss") == ("artist", "static")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Site]:
    """The example catalog built (no transcoding) and the site it renders from."""
    root = tmp_path_factory.mktemp("units")
    content = root / "content"
    shutil.copytree(EXAMPLE, content)
    out = root / "public"
    report = build(content, out, BuildOptions(transcode=False, cache_dir=root / "cache"))
    assert report.ok, report.problems.items
    catalog, problems = scan(content)
    assert not problems.errors
    return out, make_site(catalog, plain_media(catalog), Urls(catalog.config.base_url))


def units_of(site: Site) -> list[Unit]:
    return [
        *(("release", rv.release.slug) for rv in site.views.releases),
        *(("artist", av.artist.slug) for av in site.views.artists),
        *(("tag", t.slug) for t in site.tags),
        SITE,
    ]


def test_every_built_file_belongs_to_the_unit_that_renders_it(example: tuple[Path, Site]) -> None:
    out, site = example
    built = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    units = units_of(site)
    assert len(set(units)) == len(units)
    media: dict[Unit, list[Output]] = defaultdict(list)
    for o in site.media.outputs:
        media[owner(o.path)].append(o)
    assert set(media) <= set(units), "a media file belongs to no unit"

    claimed: dict[str, Unit] = {}
    for unit in units:
        rendered = render_unit(site, unit)
        assert rendered, unit
        for o in [*rendered, *media[unit]]:
            assert owner(o.path) == unit, (o.path, unit)
            assert o.path not in claimed, f"{o.path} claimed by {claimed[o.path]} and {unit}"
            claimed[o.path] = unit
            file = out / o.path
            expected = o.data if o.data is not None else o.source.read_bytes() if o.source else None
            assert file.is_file() and file.read_bytes() == expected, o.path
    assert set(claimed) == built
    assert {o.path for o in all_units(site)} | {o.path for o in site.media.outputs} == built
    # every kind of unit is in the example, so the property covers them all
    assert {kind for kind, _ in units} == {"release", "artist", "tag", "site"}


def test_a_unit_that_no_longer_exists_renders_nothing(example: tuple[Path, Site]) -> None:
    _, site = example
    for unit in [("release", "gone"), ("artist", "gone"), ("tag", "gone")]:
        assert render_unit(site, unit) == []
