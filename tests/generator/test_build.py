from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tunecamp.generator.build import build

EXAMPLE = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("example") / "content"
    shutil.copytree(EXAMPLE, content)
    out = content.parent / "public"
    report = build(content, out)
    assert report.ok, [str(p) for p in report.problems.items]
    return out


def test_example_catalog_builds_every_output(example_site: Path) -> None:
    for path in [
        "index.html",
        "404.html",
        "catalog.json",
        "feed.rss",
        "feed.atom",
        "podcast.rss",
        "sitemap.xml",
        "robots.txt",
        "catalog.m3u8",
        "search.json",
        "releases/morning-tides/index.html",
        "releases/morning-tides/first-light/index.html",
        "releases/morning-tides/playlist.m3u8",
        "releases/morning-tides/media.rss",
        "artists/aurora-lane/index.html",
        "artists/aurora-lane/feed.rss",
        "embed/morning-tides/index.html",
        "oembed/morning-tides.json",
        "releases/steam-and-static/cover.png",  # its generated cover, rasterised
    ]:
        assert (example_site / path).is_file(), path


def test_drafts_never_reach_the_output(example_site: Path) -> None:
    hits = [p for p in example_site.rglob("*") if p.is_file() and b"night-drafts" in p.read_bytes()]
    assert hits == []
    assert not (example_site / "releases/night-drafts").exists()


def test_unlisted_is_built_but_listed_nowhere(example_site: Path) -> None:
    page = example_site / "releases/b-sides-for-friends/index.html"
    assert page.is_file() and b"noindex" in page.read_bytes()
    for listing in [
        "index.html",
        "catalog.json",
        "feed.rss",
        "feed.atom",
        "podcast.rss",
        "sitemap.xml",
        "search.json",
        "catalog.m3u8",
        "artists/the-kettle-hums/index.html",
    ]:
        assert b"b-sides-for-friends" not in (example_site / listing).read_bytes(), listing


def test_catalog_json_lists_the_published_releases(example_site: Path) -> None:
    data = json.loads((example_site / "catalog.json").read_text())
    titles = sorted(r["title"] for r in data["releases"])
    assert titles == ["Morning Tides", "Steam & Static"]


def _run_build(content: Path, out: Path) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from pathlib import Path; from tunecamp.generator.build import build; "
        "build(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(content), str(out)])


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_site_whole(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    assert build(content, out).ok
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # Many releases make the build long enough to be killed while it writes the staging folder.
    for i in range(60):
        shutil.copytree(content / "releases/morning-tides", content / f"releases/copy-{i}")
    # only release folders changed: the build resumes from the last one and renders the changed
    # files aside (`.public.incoming`) before renaming them in; a full build writes `.public.staging`
    staging, incoming = tmp_path / ".public.staging", tmp_path / ".public.incoming"
    killed = False
    for _ in range(5):
        proc = _run_build(content, out)
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and proc.poll() is None
            and not (staging.exists() or incoming.exists())
        ):
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
            break
    assert killed, "the build finished before it could be killed"
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    # the next build repairs: leftovers gone, the new releases in
    assert build(content, out).ok
    assert not staging.exists() and not incoming.exists() and (out / "releases/copy-0/index.html").is_file()


def _mtimes(out: Path) -> dict[Path, int]:
    return {p.relative_to(out): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_an_unchanged_catalog_is_not_rebuilt(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    first = build(content, out)
    assert not first.skipped
    before = _mtimes(out)
    again = build(content, out)
    assert again.skipped and again.ok and again.summary == first.summary
    assert _mtimes(out) == before


def test_an_edit_rewrites_only_what_changed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    build(content, out)
    before = _mtimes(out)
    meta = content / "releases/steam-and-static/release.yaml"
    meta.write_text(meta.read_text() + "title: Steam and More Static\n")
    report = build(content, out)
    assert not report.skipped
    after = _mtimes(out)
    changed = {p for p in after if before.get(p) != after[p]}
    assert Path("releases/steam-and-static/index.html") in changed
    assert Path("catalog.json") in changed
    # pages that do not show the release, and the audio of other releases, keep their mtime
    assert Path("releases/morning-tides/first-light/index.html") not in changed
    assert Path("audio/steam-and-static/kettle-song.mp3") in changed  # retagged with the new album title
    assert not any(
        p.parts[0] in ("audio", "downloads") and "steam-and-static" not in p.parts for p in changed
    )


def test_a_skipped_build_repeats_the_last_problems(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    meta = content / "releases/steam-and-static/release.yaml"
    meta.write_text(meta.read_text() + "licence: MIT\n")
    out = tmp_path / "public"
    assert not build(content, out).ok
    again = build(content, out)
    assert again.skipped and not again.ok
    assert [p.key for p in again.problems.errors] == ["licence"]


def test_clean_rebuilds_everything(tmp_path: Path) -> None:
    from tunecamp.generator.options import BuildOptions

    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    build(content, out)
    before = _mtimes(out)
    report = build(content, out, BuildOptions(clean=True))
    assert not report.skipped and report.stats is not None and report.stats.unchanged == 0
    after = _mtimes(out)
    assert all(after[p] != before[p] for p in after if p.suffix == ".html")


def test_a_replaced_output_folder_is_rebuilt(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    build(content, out)
    shutil.rmtree(out)
    out.mkdir()
    report = build(content, out)
    assert not report.skipped and (out / "index.html").is_file()


def test_the_example_sells_with_a_paycurtain_and_a_code(example_site: Path) -> None:
    tides = (example_site / "releases/morning-tides/index.html").read_text()
    box = tides.split('class="box download-box"', 1)[1].split("</section>", 1)[0]
    assert "https://pay.example.org/aurora-lane" in box  # inherited from artist.yaml
    assert box.index("pay.example.org") < box.index("<details") < box.index("morning-tides-flac.zip")
    b_sides = (example_site / "releases/b-sides-for-friends/index.html").read_text()
    assert 'action="http://127.0.0.1:8000/api/unlock/redeem"' in b_sides
    assert 'name="release" value="b-sides-for-friends"' in b_sides
    assert not (example_site / "downloads/b-sides-for-friends").exists()  # behind codes: the private store
    steam = (example_site / "releases/steam-and-static/index.html").read_text()
    assert "data-buy" in steam and "€3.00" in steam  # sold on the demo chain
    assert 'href="http://127.0.0.1:8000/api/payments/releases/steam-and-static/pay"' in steam
    assert not (example_site / "downloads/steam-and-static").exists()


def test_a_release_without_a_cover_shares_a_raster_picture(example_site: Path) -> None:
    """og:image and the oEmbed thumbnail of a release with no cover: its generated cover as PNG/JPEG."""

    page = (example_site / "releases/steam-and-static/index.html").read_text()
    image = re.search(r'<meta property="og:image" content="([^"]+)"', page)
    assert image and image.group(1).endswith((".png", ".jpg")), image
    oembed = json.loads((example_site / "oembed/steam-and-static.json").read_text())
    assert oembed["thumbnail_url"].endswith((".png", ".jpg")) and oembed["thumbnail_width"] >= 640
