from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest

from tests.generator.catalog_fixtures import HOSTILE_TITLE, hostile_catalog, hostile_media
from tests.generator.render_fixtures import (
    ARTIST_ADA,
    BASE_URL,
    DAEMON_URL,
    HOSTILE,
    PEAKS,
    real_catalog,
    real_media,
)
from tests.generator.sitelinks import broken_links, local_name, parse
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.settings import PaymentLink
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.model import Media
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.output import Output, write_site
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.activitypub.documents import render_activitypub
from tunecamp.generator.site.catalog_json import render_catalog_json
from tunecamp.generator.site.context import RenderOptions, make_site
from tunecamp.generator.site.feeds import render_feeds
from tunecamp.generator.site.oembed import render_oembed
from tunecamp.generator.site.pages import render_pages
from tunecamp.generator.site.playlists import render_playlists
from tunecamp.generator.site.sitemap import render_sitemap

EXAMPLE = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture
def catalog(tmp_path: Path, make_audio: object) -> Catalog:
    return real_catalog(tmp_path, make_audio)


@pytest.fixture
def media(catalog: Catalog) -> Media:
    return real_media(catalog)


@pytest.fixture
def pages(catalog: Catalog, media: Media) -> dict[str, bytes]:
    outputs = render_pages(catalog, media, Urls(BASE_URL))
    return {o.path: o.data if o.data is not None else o.source.read_bytes() for o in outputs}  # type: ignore[union-attr]


def whole_site(catalog: Catalog, media: Media, problems: Problems | None = None) -> list[Output]:
    """Every stage, as build() composes them: the link checker needs feeds and playlists too."""
    urls = Urls(catalog.config.base_url)
    return [
        *media.outputs,
        *render_pages(catalog, media, urls, problems=problems),
        *render_feeds(catalog, media, urls),
        *render_playlists(catalog, media, urls),
        *render_catalog_json(catalog, media, urls),
        *render_oembed(catalog, media, urls),
        *render_sitemap(catalog, urls),
        *render_activitypub(make_site(catalog, media, urls)),
    ]


def html_pages(pages: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in pages.items() if path.endswith(".html")}


def elements(doc: Element, name: str) -> list[Element]:
    return [el for el in doc.iter() if local_name(el) == name]


def text(el: Element) -> str:
    return "".join(el.itertext())


def json_ld(doc: Element) -> list[dict[str, object]]:
    return [json.loads(text(s)) for s in elements(doc, "script") if s.get("type") == "application/ld+json"]


def meta(doc: Element, key: str) -> list[str]:
    return [m.get("content", "") for m in elements(doc, "meta") if key in (m.get("property"), m.get("name"))]


# --- the pages there are, and the ones there are not -------------------------------------------


def test_every_page_is_rendered(pages: dict[str, bytes]) -> None:
    expected = {
        "index.html",
        "404.html",
        "search/index.html",
        "search.json",
        "tags/index.html",
        "artists/ada/index.html",
        "artists/noor/index.html",
        "releases/engines/index.html",
        "releases/engines/script/index.html",
        "releases/engines/guest/index.html",
        "releases/quiet/index.html",
        "releases/quiet/hush/index.html",
        "releases/codes/index.html",
        "releases/hidden/index.html",
        "releases/hidden/secret/index.html",
        "embed/engines/index.html",
        "embed/engines/script/index.html",
        "embed/hidden/index.html",
        "tags/electronic/index.html",
        "tags/noise/index.html",
        "tags/ambient/index.html",
        "tags/jazz/index.html",
    }
    assert expected <= pages.keys()
    static = [p for p in pages if p.startswith("static/")]
    assert {re.sub(r"\.[0-9a-f]{10}\.", ".", p) for p in static} >= {
        "static/style.css",
        "static/player.js",
        "static/search.js",
        "static/favicon.svg",
        "static/nav.js",
        "static/icons.svg",
    }


def test_every_page_parses_without_errors(pages: dict[str, bytes]) -> None:
    for path, data in html_pages(pages).items():
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(data)  # raises on the first parse error
        assert data.startswith(b"<!doctype html>"), path


def test_drafts_produce_nothing(pages: dict[str, bytes]) -> None:
    for path, data in pages.items():
        assert "draft" not in path and "ghost" not in path and "draftcore" not in path, path
        for needle in (b"Draft Demos", b"draft-demos", b"Ghost Draft", b"Draftcore", b"Demo Song"):
            assert needle not in data, (path, needle)


def test_unlisted_releases_get_pages_but_no_listing(pages: dict[str, bytes]) -> None:
    for path in (
        "releases/hidden/index.html",
        "releases/hidden/secret/index.html",
        "embed/hidden/index.html",
    ):
        assert meta(parse(pages[path]), "robots") == ["noindex"], path
    assert meta(parse(pages["releases/engines/index.html"]), "robots") == []
    listings = [
        "index.html",
        "artists/ada/index.html",
        "tags/index.html",
        "search.json",
        "404.html",
        *(p for p in pages if p.startswith("tags/")),
    ]
    for path in listings:
        assert b"/hidden/" not in pages[path] and b"Hidden Gem" not in pages[path], path
    assert not any(p.startswith("tags/secretcore") for p in pages)  # its only tag has no page


def test_label_mode_lists_the_artists_on_the_home_page(
    tmp_path: Path, make_audio: object, pages: dict[str, bytes]
) -> None:
    home = parse(pages["index.html"])
    assert {a.get("href") for a in elements(home, "a")} >= {"/sub/artists/ada/", "/sub/artists/noor/"}
    solo = real_catalog(tmp_path / "solo", make_audio, label_mode=False)
    outputs = render_pages(solo, real_media(solo), Urls(BASE_URL))
    home = parse(next(o.data for o in outputs if o.path == "index.html" and o.data))
    assert "/sub/artists/noor/" not in {a.get("href") for a in elements(home, "a")}
    releases = [a.get("href") for a in elements(home, "a") if "/releases/" in (a.get("href") or "")]
    assert releases.count("/sub/releases/") == 2  # the menu's Releases and "All releases"
    assert [href for href in releases if href != "/sub/releases/"] == [
        "/sub/releases/engines/",
        "/sub/releases/quiet/",
        "/sub/releases/codes/",
    ]  # listed releases only, newest first


# --- escaping --------------------------------------------------------------------------------


def test_hostile_titles_are_escaped_in_text_attributes_and_json_ld(pages: dict[str, bytes]) -> None:
    release = parse(pages["releases/engines/index.html"])
    assert text(elements(release, "h1")[0]) == f"Engines {HOSTILE}"
    assert (
        elements(release, "title")[0].text
        == f"Engines {HOSTILE} · {ARTIST_ADA} · " + 'Basement & <Attic> "Records"'
    )
    rows = [li for li in elements(release, "li") if li.get("data-track") is not None]
    assert rows[0].get("data-title") == HOSTILE  # an attribute keeps the exact text
    assert meta(release, "og:title")[0].startswith(f"Engines {HOSTILE}")
    album = json_ld(release)[0]
    assert album["name"] == f"Engines {HOSTILE}"
    assert album["track"][0]["name"] == HOSTILE  # type: ignore[index]
    # Only the theme's own scripts: the title's </script><script> opened none.
    for path, data in html_pages(pages).items():
        scripts = elements(parse(data), "script")
        assert all(
            s.get("src") or s.get("type") == "application/ld+json" or "className" in text(s) for s in scripts
        ), path
        assert b"<script>alert" not in data, path
        assert b"</script><script>" not in data, path


def test_hostile_catalog_renders_safely_everywhere() -> None:
    catalog = hostile_catalog()
    outputs = render_pages(catalog, hostile_media(catalog), Urls(BASE_URL))
    for out in outputs:
        if out.path.endswith(".html") and out.data:
            html5lib.HTMLParser(strict=True).parse(out.data)
            assert b'<script>alert("x")' not in out.data, out.path
            for data in json_ld(parse(out.data)):
                assert "\ud800" not in json.dumps(data, ensure_ascii=False), out.path
    page = next(o.data for o in outputs if o.path == "releases/engines/control/index.html" and o.data)
    assert "Bell and Tab" in text(
        elements(parse(page), "h1")[0]
    )  # control characters and lone surrogates dropped
    script_page = parse(
        next(o.data for o in outputs if o.path == "releases/engines/script/index.html" and o.data)
    )
    assert json_ld(script_page)[0]["name"] == HOSTILE_TITLE


# --- links, assets, pictures -------------------------------------------------------------------


def test_every_link_of_the_written_site_resolves(tmp_path: Path, catalog: Catalog, media: Media) -> None:
    out = tmp_path / "public"
    write_site(whole_site(catalog, media), out)
    assert broken_links(out, BASE_URL) == []
    assert (out / "releases/engines/index.html").is_file()
    # Theme files come from the package, which an editable install fills with symlinks: the site
    # must hold the files themselves, or a deploy would upload dangling links.
    assert [p for p in out.rglob("*") if p.is_symlink()] == []


def test_every_link_of_the_example_catalog_resolves(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    catalog, problems = scan(content)
    assert not problems.errors
    out = tmp_path / "public"
    write_site(whole_site(catalog, plain_media(catalog)), out)
    assert broken_links(out, catalog.config.base_url) == []


def test_the_link_checker_finds_a_broken_link(tmp_path: Path) -> None:
    out = tmp_path / "public"
    (out / "a").mkdir(parents=True)
    (out / "index.html").write_text(
        '<!doctype html><a href="/sub/a/">ok</a><a href="/sub/b/">no</a>'
        '<img src="/sub/x.png" alt=""><a href="#nowhere">x</a>'
    )
    (out / "a/index.html").write_text("<!doctype html><p>ok</p>")
    assert len(broken_links(out, BASE_URL)) == 3


def test_static_assets_are_fingerprinted_by_content(pages: dict[str, bytes]) -> None:
    import hashlib

    for path in pages:
        if path.startswith("static/"):
            assert re.search(r"\.([0-9a-f]{10})\.", path)
    css = next(p for p in pages if p.startswith("static/style."))
    home = pages["index.html"].decode()
    assert f'href="/sub/{css}"' in home
    source = Path(__file__).resolve().parents[3] / "themes/default/static/style.css"
    assert hashlib.sha256(source.read_bytes()).hexdigest()[:10] in css


def test_covers_have_srcset_and_alt_text(catalog: Catalog) -> None:
    from tests.generator.catalog_fixtures import hostile_catalog as hc

    hostile = hc()
    outputs = {
        o.path: o.data for o in render_pages(hostile, hostile_media(hostile), Urls(BASE_URL)) if o.data
    }
    doc = parse(outputs["releases/older/index.html"])
    cover = next(p for p in elements(doc, "picture") if "cover" in (p.get("class") or ""))
    (source,) = elements(cover, "source")
    assert (
        source.get("type") == "image/webp"
        and source.get("srcset") == "/sub/releases/older/cover-600.webp 600w"
    )
    (img,) = elements(cover, "img")
    assert img.get("alt") == "A cat on a <piano>"
    assert (
        img.get("srcset")
        == "/sub/releases/older/cover-300.jpg 300w, /sub/releases/older/cover-1400.jpg 1400w"
    )
    assert meta(doc, "og:image") == ["https://music.example.org/sub/releases/older/cover-1400.jpg"]


def test_a_cover_without_description_is_a_warning_naming_the_release(catalog: Catalog, media: Media) -> None:
    problems = Problems()
    outputs = render_pages(catalog, media, Urls(BASE_URL), problems=problems)
    (warning,) = problems.items
    assert warning.level == "warning" and warning.key == "cover_description"
    assert "'hidden'" in warning.message and "Hidden Gem" in warning.message
    assert warning.path == catalog.content_dir / "releases/hidden/release.yaml"
    page = next(o.data for o in outputs if o.path == "releases/hidden/index.html" and o.data)
    cover = next(i for i in elements(parse(page), "img") if "cover" in (i.get("src") or ""))
    assert cover.get("alt") == f"Cover of Hidden Gem by {ARTIST_ADA}"  # a fallback, never empty


# --- accessibility ---------------------------------------------------------------------------


def accessible_name(el: Element, doc: Element) -> str:
    labels = {lab.get("for"): text(lab) for lab in elements(doc, "label") if lab.get("for")}
    return (
        el.get("aria-label")
        or text(el).strip()
        or labels.get(el.get("id"), "")
        or (el.get("value", "") if el.get("type") == "submit" else "")
    )


def test_every_control_has_a_name_and_every_image_an_alt(pages: dict[str, bytes]) -> None:
    for path, data in html_pages(pages).items():
        doc = parse(data)
        for img in elements(doc, "img"):
            assert img.get("alt") is not None, (path, img.get("src"))
        for name in ("button", "input", "textarea", "select", "audio"):
            for el in elements(doc, name):
                if el.get("type") == "hidden" or (name == "audio" and el.get("controls") is None):
                    continue  # the player bar's <audio> has no controls of its own
                assert accessible_name(el, doc), (path, name, el.attrib)
        if "embed/" not in path:
            skip = elements(doc, "a")[0]
            assert skip.get("href") == "#main" and "skip" in (skip.get("class") or "")
            assert any(m.get("id") == "main" for m in elements(doc, "main"))
        live = [el for el in doc.iter() if el.get("aria-live")]
        assert any(el.get("data-now-playing") is not None for el in live), path


def test_without_javascript_every_track_is_a_plain_audio_element(
    pages: dict[str, bytes], media: Media, catalog: Catalog
) -> None:
    doc = parse(pages["releases/engines/index.html"])
    audios = [a for a in elements(doc, "audio") if "fallback-audio" in (a.get("class") or "")]
    engines = next(r for r in catalog.releases if r.slug == "engines")
    assert len(audios) == len(engines.tracks)
    for audio, track in zip(audios, engines.tracks, strict=True):
        assert audio.get("controls") is not None and audio.get("preload") == "none"
        sources = [(s.get("src"), s.get("type")) for s in elements(audio, "source")]
        assert sources == [(f"/sub/{s.path}", s.mime) for s in media.track(track).streams]
    (player,) = elements(doc, "audio")[-1:]
    assert player.get("id") == "player-audio"


def test_a_track_that_cannot_stream_has_no_player() -> None:
    hostile = hostile_catalog()
    outputs = {
        o.path: o.data for o in render_pages(hostile, hostile_media(hostile), Urls(BASE_URL)) if o.data
    }
    doc = parse(outputs["releases/engines/index.html"])
    row = next(
        li for li in elements(doc, "li") if li.get("data-url") == "/sub/releases/engines/studio-master/"
    )
    assert elements(row, "audio") == [] and "Not available for streaming" in text(row)
    assert [b for b in elements(row, "button")] == []


# --- player data, timecodes, lyrics ------------------------------------------------------------


def test_tracklist_rows_carry_the_player_data(pages: dict[str, bytes]) -> None:
    import base64

    doc = parse(pages["releases/engines/index.html"])
    (tracklist,) = [ol for ol in elements(doc, "ol") if ol.get("data-tracklist") is not None]
    assert tracklist.get("data-release-url") == "/sub/releases/engines/"
    assert tracklist.get("data-cover", "").startswith("/sub/releases/engines/cover")
    first, second = [li for li in elements(tracklist, "li") if li.get("data-track") is not None]
    assert tuple(base64.b64decode(first.get("data-peaks", ""))) == PEAKS
    assert first.get("data-gain") == "-6"  # -18 LUFS reference - (-12) measured
    assert first.get("data-url") == "/sub/releases/engines/script/"
    assert float(first.get("data-duration", "0")) == pytest.approx(1.0, abs=0.1)
    assert second.get("data-peaks") == "" and second.get("data-gain") == ""
    assert second.get("data-artist") == f"{ARTIST_ADA} & Guest"


def test_timecodes_in_notes_and_credits_are_seek_links(pages: dict[str, bytes]) -> None:
    release = parse(pages["releases/engines/index.html"])
    notes = next(s for s in elements(release, "section") if "notes" in (s.get("class") or ""))
    links = [(a.get("href"), text(a)) for a in elements(notes, "a")]
    assert links == [("#t=1", "0:01"), ("#t=3723", "1:02:03"), ("https://x.example/", "not 0:09")]
    track = parse(pages["releases/engines/script/index.html"])
    credits = next(s for s in elements(track, "section") if "credits" in (s.get("class") or ""))
    assert [(a.get("href"), text(a)) for a in elements(credits, "a")] == [("#t=1", "0:01")]


def test_synced_lyrics_carry_their_times(pages: dict[str, bytes]) -> None:
    doc = parse(pages["releases/engines/script/index.html"])
    (lyrics,) = [ol for ol in elements(doc, "ol") if ol.get("data-lyrics")]
    assert lyrics.get("data-lyrics") == "/sub/releases/engines/script/"
    assert [(li.get("data-start"), text(li)) for li in elements(lyrics, "li")] == [
        ("0.0", "One"),
        ("0.5", "Two"),
    ]
    # word timings become spans the player lights up one by one (karaoke)
    words = [
        (span.get("data-w"), text(span)) for li in elements(lyrics, "li") for span in elements(li, "span")
    ]
    assert words == [("0.5", "Two")]
    (main,) = [a for a in elements(doc, "article") if a.get("data-track-page")]
    assert main.get("data-track-page") == "/sub/releases/engines/script/"


# --- what the page tells machines ----------------------------------------------------------------


def test_release_cards_and_json_ld(pages: dict[str, bytes]) -> None:
    doc = parse(pages["releases/engines/index.html"])
    assert meta(doc, "og:type") == ["music.album"]
    assert meta(doc, "og:audio") == ["https://music.example.org/sub/audio/engines/script.mp3"]
    assert meta(doc, "og:audio:type") == ["audio/mpeg"]
    assert meta(doc, "og:image") == ["https://music.example.org/sub/releases/engines/cover.jpg"]
    assert meta(doc, "og:image:alt") == ["Blue <engine> room"]
    assert meta(doc, "twitter:card") == ["summary_large_image"]
    (album,) = json_ld(doc)
    assert album["@type"] == "MusicAlbum" and album["numTracks"] == 2
    assert album["url"] == "https://music.example.org/sub/releases/engines/"
    assert album["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    tracks = album["track"]
    assert isinstance(tracks, list) and [t["@type"] for t in tracks] == ["MusicRecording"] * 2
    assert tracks[0]["duration"] == "PT1S"
    links = {
        (link.get("type"), link.get("href"))
        for link in elements(doc, "link")
        if link.get("rel") == "alternate"
    }
    assert links >= {
        ("application/json+oembed", "https://music.example.org/sub/oembed/engines.json"),
        ("application/rss+xml", "https://music.example.org/sub/feed.rss"),
        ("application/atom+xml", "https://music.example.org/sub/feed.atom"),
        ("application/rss+xml", "https://music.example.org/sub/podcast.rss"),
        ("application/rss+xml", "https://music.example.org/sub/artists/ada/feed.rss"),
        ("application/rss+xml", "https://music.example.org/sub/releases/engines/media.rss"),
        ("application/vnd.apple.mpegurl", "https://music.example.org/sub/releases/engines/playlist.m3u8"),
    }


def test_track_and_artist_json_ld(pages: dict[str, bytes]) -> None:
    (recording,) = json_ld(parse(pages["releases/engines/script/index.html"]))
    assert recording["@type"] == "MusicRecording"
    assert recording["inAlbum"] == {
        "@type": "MusicAlbum",
        "name": f"Engines {HOSTILE}",
        "url": "https://music.example.org/sub/releases/engines/",
    }
    assert recording["audio"]["contentUrl"] == "https://music.example.org/sub/audio/engines/script.mp3"  # type: ignore[index]
    track = parse(pages["releases/engines/script/index.html"])
    assert meta(track, "og:type") == ["music.song"] and meta(track, "music:duration") == ["1"]
    (group,) = json_ld(parse(pages["artists/ada/index.html"]))
    assert group["@type"] == "MusicGroup" and group["name"] == ARTIST_ADA
    assert [a["url"] for a in group["album"]] == [  # type: ignore[index, union-attr]
        "https://music.example.org/sub/releases/engines/",
        "https://music.example.org/sub/releases/codes/",
    ]  # listed releases only: not the unlisted one
    assert group["sameAs"] == ["https://ada.example.org/?a=1&b=2"]


def test_embeds_follow_the_embed_setting(pages: dict[str, bytes]) -> None:
    assert "embed/quiet/index.html" not in pages and "embed/quiet/hush/index.html" not in pages
    quiet = parse(pages["releases/quiet/index.html"])
    assert not [link for link in elements(quiet, "link") if link.get("type") == "application/json+oembed"]
    assert not [t for t in elements(quiet, "textarea")]
    engines = parse(pages["releases/engines/index.html"])
    (code,) = [t for t in elements(engines, "textarea")]
    assert code.text and code.text.startswith('<iframe src="https://music.example.org/sub/embed/engines/"')
    embed = parse(pages["embed/engines/script/index.html"])
    assert [b.get("target") for b in elements(embed, "base")] == ["_blank"]
    assert len([li for li in elements(embed, "li") if li.get("data-track") is not None]) == 1


# --- download box by policy ------------------------------------------------------------------


def download_box(data: bytes) -> Element | None:
    doc = parse(data)
    return next((s for s in elements(doc, "section") if "download-box" in (s.get("class") or "")), None)


def test_download_box_follows_the_policy(catalog: Catalog, media: Media, pages: dict[str, bytes]) -> None:
    free = download_box(pages["releases/engines/index.html"])
    assert free is not None and "Free download" in text(free)
    assert [a.get("href") for a in elements(free, "a")] == ["/sub/releases/engines/engines.zip"]
    paid = download_box(pages["releases/quiet/index.html"])
    assert paid is not None and "€7.00" in text(paid)
    # no wallet configured in a static build: the only form is the daemon's redeem form
    assert [f.get("action") for f in elements(paid, "form")] == [f"{DAEMON_URL}/api/unlock/redeem"]
    codes = download_box(pages["releases/codes/index.html"])
    assert codes is not None and [f.get("action") for f in elements(codes, "form")] == [
        f"{DAEMON_URL}/api/unlock/redeem"
    ]
    (form,) = elements(codes, "form")
    fields = {i.get("name"): i.get("value") for i in elements(form, "input")}
    assert form.get("method") == "post" and fields == {"release": "codes", "code": None}
    nyp = download_box(pages["releases/hidden/index.html"])
    assert nyp is not None and "suggested €3.50" in text(nyp)
    assert [a.get("href") for a in elements(nyp, "a")] == [
        "/sub/audio/hidden/secret.mp3"
    ]  # no zip yet: the stream
    for policy, expected in (("none", None), ("external", "https://shop.example/x")):
        cat = replace(
            catalog,
            releases=tuple(
                replace(
                    r, settings=replace(r.settings, download=policy, external_url="https://shop.example/x")
                )
                for r in catalog.releases
            ),
        )
        page = next(
            o.data
            for o in render_pages(cat, media, Urls(BASE_URL))
            if o.path == "releases/engines/index.html" and o.data
        )
        box = download_box(page)
        if expected is None:
            assert box is None
        else:
            assert box is not None and [a.get("href") for a in elements(box, "a")] == [expected]


def with_settings(catalog: Catalog, **values: object) -> Catalog:
    releases = tuple(replace(r, settings=replace(r.settings, **values)) for r in catalog.releases)
    return replace(catalog, releases=releases)


def release_page(catalog: Catalog, media: Media, slug: str = "engines") -> bytes:
    return next(
        o.data
        for o in render_pages(catalog, media, Urls(BASE_URL))
        if o.path == f"releases/{slug}/index.html" and o.data
    )


LINKS = (PaymentLink("Liberapay", "https://liberapay.com/ada"), PaymentLink("Ko-fi", "https://ko-fi.com/ada"))


def test_name_your_price_asks_first_and_lets_the_listener_go_on(catalog: Catalog, media: Media) -> None:
    cat = with_settings(catalog, download="name-your-price", price=Decimal("5"), payment=LINKS)
    box = download_box(release_page(cat, media))
    assert box is not None and "suggested €5.00" in text(box)
    pay = [a for a in elements(box, "a") if a.get("data-payment") is not None]
    assert [(text(a).strip(), a.get("href")) for a in pay] == [
        ("Liberapay", "https://liberapay.com/ada"),
        ("Ko-fi", "https://ko-fi.com/ada"),
    ]
    # the soft paycurtain: the free files are one click further, inside <details>, no JS needed
    (curtain,) = elements(box, "details")
    assert "Continue to the free download" in text(elements(curtain, "summary")[0])
    assert [a.get("href") for a in elements(curtain, "a")] == ["/sub/releases/engines/engines.zip"]
    # the payment links come before the curtain in the box
    order = [el for el in box.iter() if el is curtain or el is pay[0]]
    assert order == [pay[0], curtain]


def test_payment_links_show_for_every_policy_that_has_them(catalog: Catalog, media: Media) -> None:
    free = download_box(release_page(with_settings(catalog, download="free", payment=LINKS), media))
    assert free is not None and not elements(free, "details")
    assert "Support the artist" in text(free)
    hrefs = [a.get("href") for a in elements(free, "a")]
    assert hrefs == [
        "/sub/releases/engines/engines.zip",
        "https://liberapay.com/ada",
        "https://ko-fi.com/ada",
    ]
    paid = download_box(
        release_page(with_settings(catalog, download="paid", price=Decimal(9), payment=LINKS), media)
    )
    assert paid is not None and "€9.00" in text(paid) and "Buy with a wallet" in text(paid)
    assert [a.get("href") for a in elements(paid, "a")] == [
        f"{DAEMON_URL}/api/payments/releases/engines/pay",  # the wallet way, by hand (no JS)
        "https://liberapay.com/ada",
        "https://ko-fi.com/ada",
    ]
    assert [b for b in elements(paid, "button") if b.get("data-buy") is not None]
    (box,) = [d for d in elements(paid, "div") if d.get("data-buy-box") is not None]
    assert (box.get("data-daemon"), box.get("data-release")) == (DAEMON_URL, "engines")
    plain = download_box(release_page(with_settings(catalog, download="name-your-price"), media))
    assert plain is not None and not elements(plain, "details")  # nothing to ask for: straight to the files


def test_no_form_without_a_daemon(catalog: Catalog, media: Media) -> None:
    # the build reports the missing daemon_url as an error (test_scan); the page shows no dead form
    cat = replace(catalog, config=replace(catalog.config, daemon_url=None))
    for slug in ("quiet", "codes"):
        box = download_box(release_page(cat, media, slug))
        assert box is not None and elements(box, "form") == []
    for page in render_pages(cat, media, Urls(BASE_URL)):
        if page.path.endswith(".html") and page.data:
            actions = {f.get("action") for f in elements(parse(page.data), "form")}
            assert actions <= {"/sub/search/"}, page.path  # the site's own search page, a file


# --- search index, tags, extra head --------------------------------------------------------------


def test_search_index_lists_what_is_listed(pages: dict[str, bytes]) -> None:
    data = json.loads(pages["search.json"])
    assert data["version"] == 1 and data["fields"] == ["kind", "title", "subtitle", "url", "image"]
    items = data["items"]
    by_kind: dict[str, list[str]] = {}
    for kind, title, _sub, _url, _image in items:
        by_kind.setdefault(kind, []).append(title)
    assert by_kind["a"] == [ARTIST_ADA, "نور"]
    assert by_kind["r"] == [f"Engines {HOSTILE}", "Quiet", "Two Sides"]
    assert set(by_kind["t"]) == {HOSTILE, "With a Guest", "Hush", "Side A", "Side B"}
    assert by_kind["g"] == ["Ambient", "Electronic", "Jazz", "<Noise>"]
    track = next(i for i in items if i[0] == "t" and i[1] == "Hush")
    assert items[track[4]][0] == "r" and items[track[4]][1] == "Quiet"  # the cover comes from its release
    assert (
        "Secret Song" not in pages["search.json"].decode()
        and "Demo Song" not in pages["search.json"].decode()
    )


def test_tag_pages_list_listed_releases(pages: dict[str, bytes]) -> None:
    doc = parse(pages["tags/electronic/index.html"])
    assert text(elements(doc, "h1")[0]) == "Electronic"
    assert [a.get("href") for a in elements(doc, "a") if "card" in (a.get("class") or "")] == [
        "/sub/releases/engines/"
    ]
    cloud = parse(pages["tags/index.html"])
    assert [a.get("href") for a in elements(cloud, "a") if a.get("rel") == "tag"] == [
        "/sub/tags/ambient/",
        "/sub/tags/electronic/",
        "/sub/tags/jazz/",
        "/sub/tags/noise/",
    ]


def test_extra_head_goes_into_every_page(catalog: Catalog, media: Media) -> None:
    snippet = '<script src="/__livereload.js" data-live-reload></script>'
    outputs = render_pages(catalog, media, Urls(BASE_URL), RenderOptions(extra_head=snippet))
    html = [o for o in outputs if o.path.endswith(".html") and o.data]
    assert html and all(snippet.encode() in o.data.split(b"</head>")[0] for o in html if o.data)  # type: ignore[union-attr]
