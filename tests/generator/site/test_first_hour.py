"""Issue 14's page edges, built from real files: dates as written, credits' line breaks, an
untagged release's artist, counted words, YAML errors on the right line, the tags and 404 pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MakeAudio

from tunecamp.generator.build import build
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.report import BuildReport


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def one_artist(tmp_path: Path, make_audio: MakeAudio) -> Path:
    """A single-artist catalog: an untagged release, a year-only one, a year-month one."""
    root = tmp_path / "content"
    write(root / "catalog.yaml", "title: Solo\nbase_url: https://solo.example.net\ndownload: none\n")
    write(root / "artists/ada/artist.yaml", "name: Ada Lovelace\n")
    make_audio(root / "releases/untagged/01.flac", seconds=0.3)
    write(
        root / "releases/untagged/release.yaml",
        "status: published\ntitle: Untagged\ndate: 2026\ngenres: [Ambient]\n"
        "credits: |\n  Ada — voice\n  Bob — bells\n",
    )
    make_audio(root / "releases/monthly/01.flac", seconds=0.3, tags={"artist": "Ada Lovelace"})
    write(
        root / "releases/monthly/release.yaml",
        "status: published\ntitle: Monthly\ndate: 2025-05\ngenres: [ambient]\n",
    )
    return root


def built(root: Path) -> tuple[Path, BuildReport]:
    out = root.parent / "public"
    report = build(root, out, BuildOptions(transcode=False, data_dir=root.parent / "data"))
    return out, report


def test_dates_show_what_the_artist_wrote(one_artist: Path) -> None:
    out, _ = built(one_artist)
    page = (out / "releases/untagged/index.html").read_text()
    assert '<time datetime="2026">2026</time>' in page and "January" not in page
    page = (out / "releases/monthly/index.html").read_text()
    assert '<time datetime="2025-05">May 2025</time>' in page


def test_credits_keep_their_line_breaks(one_artist: Path) -> None:
    out, _ = built(one_artist)
    page = (out / "releases/untagged/index.html").read_text()
    assert re.search(r"Ada — voice<br\s*/?>\s*Bob — bells", page), page


def test_untagged_audio_in_a_single_artist_catalog_is_the_artists(one_artist: Path) -> None:
    catalog, problems = scan(one_artist)
    untagged = next(r for r in catalog.releases if r.slug == "untagged")
    assert untagged.artist_slugs == ("ada",)
    assert not [p for p in problems.items if "Unknown Artist" in p.message]


def test_untagged_audio_among_several_artists_is_a_warning_naming_the_release(
    one_artist: Path, make_audio: MakeAudio
) -> None:
    write(one_artist / "artists/bob/artist.yaml", "name: Bob\n")
    catalog, problems = scan(one_artist)
    untagged = next(r for r in catalog.releases if r.slug == "untagged")
    assert untagged.artist_slugs == ("unknown-artist",)
    warning = next(p for p in problems.warnings if p.key == "artist")
    assert warning.path.name == "untagged" and "add `artist:" in warning.message
    make_audio(one_artist / "releases/Bob - Live/01.flac", seconds=0.3)
    catalog, _ = scan(one_artist)
    assert next(r for r in catalog.releases if r.slug == "bob-live").artist_slugs == ("bob",)


def test_counted_words_and_the_tags_page(one_artist: Path) -> None:
    out, report = built(one_artist)
    tags = (out / "tags/index.html").read_text()
    assert "<span" in tags and not re.search(r"<span[^>]*aria-label", tags)  # no aria-label on a span
    assert ", 2 releases</span>" in tags
    tag_page = (out / "tags/ambient/index.html").read_text()
    assert ">2 releases</p>" in tag_page
    assert "</time> · 1 track ·" in " ".join((out / "releases/monthly/index.html").read_text().split())
    assert report.summary.releases == 2


def test_a_tag_is_spelled_as_first_written_everywhere(one_artist: Path) -> None:
    out, _ = built(one_artist)
    pages = [out / "tags/index.html", out / "tags/ambient/index.html", *out.glob("releases/*/index.html")]
    spellings = {m for p in pages for m in re.findall(r">(ambient|Ambient)<", p.read_text())}
    assert len(spellings) == 1, spellings


def test_the_404_page_has_one_search_landmark(one_artist: Path) -> None:
    out, _ = built(one_artist)
    page = (out / "404.html").read_text()
    assert page.count('role="search"') == 1 and "search-form-large" in page


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('title: "Unclosed\nartist: X\n', 1),
        ("title: A\ngenres: [a, b\n", 2),
        ("title: A\n  bad: indent\n", 2),
    ],
)
def test_a_yaml_syntax_error_names_a_line_of_the_file(tmp_path: Path, text: str, line: int) -> None:
    from tunecamp.generator.catalog.content import load_yaml
    from tunecamp.generator.problems import Problems

    problems = Problems()
    assert load_yaml(write(tmp_path / "release.yaml", text), problems) is None
    message = problems.errors[0].message
    assert f"at line {line}," in message, message


def test_download_external_without_an_address_warns_and_shows_no_box(one_artist: Path) -> None:
    meta = one_artist / "releases/monthly/release.yaml"
    meta.write_text(meta.read_text() + "download: external\n")
    out, report = built(one_artist)
    warning = next(p for p in report.problems.warnings if p.key == "external_url")
    assert warning.path == meta and "no Download box" in warning.message
    assert "download-box" not in (out / "releases/monthly/index.html").read_text()


def test_the_placeholder_base_url_warns_and_a_preview_serves_its_own_address(one_artist: Path) -> None:
    from tunecamp.generator.catalog.skeleton import CATALOG_YAML

    write(one_artist / "catalog.yaml", CATALOG_YAML.replace("download: free", "download: none"))
    out, report = built(one_artist)
    warning = next(p for p in report.problems.warnings if p.key == "base_url")
    assert "placeholder" in warning.message
    assert "https://music.example.org/releases/" in (out / "feed.rss").read_text()
    preview = one_artist.parent / "preview"
    options = BuildOptions(
        transcode=False, data_dir=one_artist.parent / "data", serving_url="http://127.0.0.1:8123"
    )
    report = build(one_artist, preview, options)
    assert "this preview uses http://127.0.0.1:8123" in next(
        p.message for p in report.problems.warnings if p.key == "base_url"
    )
    feed = (preview / "feed.rss").read_text()
    assert "http://127.0.0.1:8123/releases/" in feed and "music.example.org" not in feed
