"""The player in a real browser: headless Chromium against the built site on a real HTTP server.

The site is the example catalog plus a release of two 30-second tracks (long enough to
navigate while they play), with waveform peaks and a loudness gain added to the media.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from chromium import launch_options
from conftest import write_tone
from playwright.sync_api import Browser, Page, expect, sync_playwright
from static_site import serve_folder

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.media.ffmpeg import ffmpeg_path
from tunecamp.generator.media.model import Loudness, Media
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.output import write_site
from tunecamp.generator.site.catalog_json import render_catalog_json
from tunecamp.generator.site.feeds import render_feeds
from tunecamp.generator.site.oembed import render_oembed
from tunecamp.generator.site.pages import render_pages
from tunecamp.generator.site.playlists import render_playlists
from tunecamp.generator.site.sitemap import render_sitemap

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
RELEASE = "/releases/long-player/"
AUDIO = "document.getElementById('player-audio')"
WAIT = 15_000  # ms: a generous ceiling for a condition, never a measured speed


def _long_release(content: Path) -> None:
    folder = content / "releases/long-player"
    folder.mkdir(parents=True)
    wav = write_tone(folder.parent / "tone.wav", seconds=30.0, freq=330.0, amplitude=0.3)
    for name in ("01 - Slow Tide.mp3", "02 - Deep Water.mp3"):
        subprocess.run(
            [
                ffmpeg_path(),
                "-v",
                "error",
                "-y",
                "-i",
                str(wav),
                "-c:a",
                "libmp3lame",
                "-q:a",
                "7",
                str(folder / name),
            ],
            check=True,
        )
    wav.unlink()
    (folder / "release.yaml").write_text(
        "status: published\ntitle: Long Player\nartist: aurora-lane\ndate: 2026-01-01\n"
        "tracks:\n  - file: 01 - Slow Tide.mp3\n    title: Slow Tide\n"
        "  - file: 02 - Deep Water.mp3\n    title: Deep Water\n"
    )
    (folder / "notes.md").write_text("The swell arrives at 0:20.\n")
    # word timings (enhanced LRC): the track page lights the words up as they are sung
    (folder / "01 - Slow Tide.lrc").write_text(
        "[00:00.00]<00:00.00>Slow <00:01.00>tide <00:03.00>rising\n[00:05.00]<00:05.00>Second <00:05.50>line\n"
    )


def _with_analysis(catalog: Catalog, media: Media) -> Media:
    release = next(r for r in catalog.releases if r.slug == "long-player")
    tracks = dict(media.tracks)
    for i, track in enumerate(release.tracks):
        peaks = tuple(40 + (j * 7 + i * 50) % 200 for j in range(300))
        tracks[track.source] = replace(tracks[track.source], peaks=peaks, loudness=Loudness(-12.0, -1.0))
    return replace(media, tracks=tracks)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    content = root / "content"
    shutil.copytree(EXAMPLE, content)
    _long_release(content)
    catalog, problems = scan(content)
    assert not problems.errors, [str(p) for p in problems.errors]
    media = _with_analysis(catalog, plain_media(catalog))
    urls = Urls(catalog.config.base_url)
    out = root / "public"
    write_site(
        [
            *media.outputs,
            *render_pages(catalog, media, urls),
            *render_feeds(catalog, media, urls),
            *render_playlists(catalog, media, urls),
            *render_catalog_json(catalog, media, urls),
            *render_oembed(catalog, media, urls),
            *render_sitemap(catalog, urls),
        ],
        out,
    )
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The site on loopback, served from a thread (Playwright's sync API owns the main loop)."""
    with serve_folder(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(**launch_options("--autoplay-policy=no-user-gesture-required"))
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], errors  # no script error on any page


def current_time(page: Page) -> float:
    return float(page.evaluate(f"{AUDIO}.currentTime"))


def wait_playing_past(page: Page, seconds: float) -> None:
    page.wait_for_function(f"!{AUDIO}.paused && {AUDIO}.currentTime > {seconds}", timeout=WAIT)


def test_playback_continues_while_moving_between_pages(page: Page) -> None:
    page.goto(RELEASE)
    assert page.locator("#player").is_hidden()
    page.locator("[data-track] [data-play]").first.click()
    wait_playing_past(page, 0.5)
    assert page.locator("#player").is_visible()
    assert page.evaluate(f"{AUDIO}.src").endswith("/audio/long-player/slow-tide.mp3")
    page.evaluate(f"window.__sameDocument = true; window.__audio = {AUDIO}")
    before = current_time(page)

    page.locator(".byline a", has_text="Aurora Lane").click()
    page.wait_for_function("location.pathname === '/artists/aurora-lane/'", timeout=WAIT)
    # the URL changes first on a back/forward; the page swaps in when it has loaded: wait for it
    expect(page.locator("main h1")).to_have_text("Aurora Lane", timeout=WAIT)
    assert page.title().startswith("Aurora Lane")
    assert page.evaluate(f"window.__sameDocument === true && window.__audio === {AUDIO}")
    wait_playing_past(page, before + 0.5)  # still playing, and further along
    assert page.evaluate("document.activeElement.id") == "main"  # focus moved for screen readers
    assert "Slow Tide" in page.locator("[data-now-playing]").inner_text()

    page.locator(".card", has_text="Morning Tides").click()  # a second hop, then back
    page.wait_for_function("location.pathname === '/releases/morning-tides/'", timeout=WAIT)
    expect(page.locator("main h1")).to_have_text("Morning Tides", timeout=WAIT)
    page.go_back()
    page.wait_for_function("location.pathname === '/artists/aurora-lane/'", timeout=WAIT)
    page.go_back()
    page.wait_for_function(f"location.pathname === '{RELEASE}'", timeout=WAIT)
    expect(page.locator("main h1")).to_have_text("Long Player", timeout=WAIT)
    middle = current_time(page)
    wait_playing_past(page, middle + 0.3)
    assert page.evaluate(f"window.__sameDocument === true && window.__audio === {AUDIO}")
    # The page's controls are bound again: the playing row is marked, its button pauses.
    row = page.locator("[data-track].is-current")
    assert row.get_attribute("data-title") == "Slow Tide"
    row.locator("[data-play]").click()
    page.wait_for_function(f"{AUDIO}.paused", timeout=WAIT)


def test_a_missing_page_swaps_in_and_a_non_page_loads_normally(page: Page) -> None:
    page.goto(RELEASE)
    page.evaluate("window.__sameDocument = true")
    page.evaluate("TuneCamp.navigate('/no/such/page/')")
    page.wait_for_function("location.pathname === '/no/such/page/'", timeout=WAIT)
    expect(page.locator("main h1")).to_have_text(
        "This page is not here", timeout=WAIT
    )  # the 404 page, swapped in
    assert page.evaluate("window.__sameDocument") is True
    page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
                     '<a id="raw" href="/catalog.json">the catalog as data</a>')""")
    page.click("#raw")
    page.wait_for_url("**/catalog.json", timeout=WAIT)
    assert page.evaluate("window.__sameDocument") is None  # a real navigation: not HTML, not swapped


def test_timecode_links_seek(page: Page) -> None:
    page.goto(RELEASE)
    page.locator(".notes a.timecode").click()  # "0:20" in the notes: the release's first track
    page.wait_for_function(f"{AUDIO}.currentTime >= 19.5 && !{AUDIO}.paused", timeout=WAIT)
    assert page.evaluate(f"{AUDIO}.src").endswith("/slow-tide.mp3")
    assert page.evaluate("location.hash") == "#t=20"

    page.goto("/releases/long-player/deep-water/#t=12")
    page.wait_for_function(f"{AUDIO}.currentTime >= 11.5", timeout=WAIT)
    assert page.evaluate(f"{AUDIO}.src").endswith("/deep-water.mp3")


def test_lyrics_words_light_up_as_they_are_sung(page: Page) -> None:
    page.goto("/releases/long-player/slow-tide/")
    words = page.locator("[data-lyrics] li[data-start] [data-w]")
    assert words.all_inner_texts() == ["Slow", "tide", "rising", "Second", "line"]
    page.locator("[data-lyrics] li[data-start]").first.click()  # a line plays from its start
    wait_playing_past(page, 1.2)
    page.evaluate(f"{AUDIO}.pause()")
    page.wait_for_function("document.querySelectorAll('[data-w].is-sung').length === 2", timeout=WAIT)
    assert page.locator("[data-w].is-sung").all_inner_texts() == ["Slow", "tide"]
    page.evaluate(f"{AUDIO}.currentTime = 5.6; {AUDIO}.play()")
    page.wait_for_function(
        "document.querySelector('li.is-current [data-w]')?.textContent === 'Second'", timeout=WAIT
    )
    page.evaluate(f"{AUDIO}.pause()")
    assert page.locator("[data-w].is-sung").all_inner_texts() == [
        "Second",
        "line",
    ]  # the line before is cleared


def test_keyboard_waveform_next_track_and_normalisation(page: Page) -> None:
    page.goto("/releases/long-player/slow-tide/")
    page.locator("main h1").click()  # focus the page, not a control
    page.keyboard.press("k")
    wait_playing_past(page, 0.2)
    assert page.evaluate(f"{AUDIO}.volume") == pytest.approx(10 ** (-6 / 20), abs=0.01)  # gain -6 dB
    page.keyboard.press(" ")
    page.wait_for_function(f"{AUDIO}.paused", timeout=WAIT)

    # The track page's waveform is drawn from the peaks, and a click seeks to where it lands.
    wave = page.locator(".wave-page")
    painted = page.evaluate("""() => {
        const c = document.querySelector('.wave-page canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;
    }""")
    assert painted > 100
    box = wave.bounding_box()
    assert box is not None
    wave.click(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
    page.wait_for_function(f"{AUDIO}.currentTime > 13 && {AUDIO}.currentTime < 17", timeout=WAIT)

    # Arrow keys on the player's seek slider; the normalise toggle restores full volume.
    slider = page.locator("#player [role=slider]")
    slider.focus()
    start = current_time(page)
    page.keyboard.press("ArrowRight")
    assert current_time(page) >= start + 4.5
    assert float(slider.get_attribute("aria-valuenow") or 0) >= start + 4
    page.locator("#player [data-action=normalise]").click()
    assert page.evaluate(f"{AUDIO}.volume") == pytest.approx(1.0)

    # Near the end of the first track, the release plays on into the second.
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 0.5; {AUDIO}.play()")
    page.wait_for_function(f"{AUDIO}.src.endsWith('/deep-water.mp3') && !{AUDIO}.paused", timeout=WAIT)
    assert page.locator("#player .player-title").inner_text() == "Deep Water"


def test_live_reload_hook_rerenders_the_page_and_keeps_playing(page: Page, site: Path) -> None:
    """TuneCamp.reload() is what the preview server calls after a rebuild."""
    page.goto(RELEASE)
    page.locator("[data-play-release]").click()
    wait_playing_past(page, 0.3)
    page.evaluate(f"window.__sameDocument = true; window.__audio = {AUDIO}")
    built = site / "releases/long-player/index.html"
    original = built.read_bytes()
    try:
        built.write_bytes(original.replace(b">Long Player</h1>", b">Long Player (rebuilt)</h1>"))
        assert page.evaluate("TuneCamp.reload()") is True
        assert page.locator("main h1").inner_text() == "Long Player (rebuilt)"
    finally:
        built.write_bytes(original)
    assert page.evaluate(f"window.__sameDocument === true && window.__audio === {AUDIO}")
    assert not page.evaluate(f"{AUDIO}.paused")
    assert page.locator("[data-track].is-current").count() == 1  # the new page's controls are bound


def test_a_reload_resumes_where_it_was(page: Page) -> None:
    page.goto(RELEASE)
    page.locator("[data-track] [data-play]").nth(1).click()
    wait_playing_past(page, 1.0)
    before = current_time(page)
    page.reload()
    page.wait_for_function(
        f"{AUDIO}.src.endsWith('/deep-water.mp3') && {AUDIO}.currentTime >= {before - 0.5}", timeout=WAIT
    )
    assert page.locator("#player").is_visible()


def test_search_through_the_header_form(page: Page) -> None:
    page.goto(RELEASE)
    page.locator("[data-play-release]").click()
    wait_playing_past(page, 0.2)
    page.evaluate("window.__sameDocument = true")
    page.fill("#site-search", "tides")
    page.keyboard.press("Enter")
    page.wait_for_function("location.pathname === '/search/'", timeout=WAIT)
    page.wait_for_selector("#search-results a", timeout=WAIT)
    titles = page.locator("#search-results .result-title").all_inner_texts()
    assert "Morning Tides" in titles and "B-Sides for Friends" not in titles  # unlisted: not searchable
    assert not page.evaluate(f"{AUDIO}.paused")  # searching did not stop the music…
    assert page.evaluate("window.__sameDocument") is True  # …nor reload the page


def test_the_site_plays_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    page.goto(RELEASE)
    audios = page.locator("audio.fallback-audio")
    assert audios.count() == 2
    assert all(audios.nth(i).is_visible() for i in range(2))
    assert page.locator("#player").is_hidden()
    assert page.locator("[data-play]").first.is_hidden()
    page.locator(".byline a").click()  # plain links still work
    assert page.url.endswith("/artists/aurora-lane/")
    context.close()


def test_embed_player(page: Page) -> None:
    page.goto("/embed/long-player/")
    assert page.locator("#player").is_visible()  # ready with the first track
    page.locator("[data-play-release]").click()
    wait_playing_past(page, 0.2)
    # Links carry no target of their own: <base target=_blank> sends them to a new tab.
    assert page.locator(".tracklist a").first.get_attribute("target") is None
    assert page.evaluate("document.querySelector('base').target") == "_blank"
