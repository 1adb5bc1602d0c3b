"""Pages speak the catalog's language, an artist's or a release's own; lang and dir follow, and
numbers, dates, sizes and prices are written the locale's way. Built from real audio files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import MakeAudio

from tunecamp.generator.build import build
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.options import BuildOptions


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path, make_audio: MakeAudio) -> Path:
    """A German label: a French artist, and an Arabic release with an accented and Japanese track."""
    root = tmp_path / "content"
    write(
        root / "catalog.yaml",
        "title: Etikett\nbase_url: https://label.example.net\nlanguage: de\nlabel: true\n",
    )
    write(root / "artists/ada/artist.yaml", "name: Ada\nlanguage: fr\n")
    write(root / "artists/sami/artist.yaml", "name: سامي\n")
    make_audio(root / "releases/nuit/01.flac", seconds=0.3, tags={"artist": "Ada", "title": "Été"})
    write(
        root / "releases/nuit/release.yaml",
        "status: published\ntitle: Nuit\ndate: 2025-05-02\ngenres: [ambient]\n"
        "download: name-your-price\nprice: 5\ncurrency: EUR\n",
    )
    make_audio(root / "releases/layl/01.flac", seconds=0.3, tags={"artist": "سامي", "title": "夢の歌"})
    make_audio(root / "releases/layl/02.flac", seconds=0.3, tags={"artist": "سامي", "title": "قمر"})
    write(
        root / "releases/layl/release.yaml",
        "status: published\ntitle: ليل\nlanguage: ar\ndate: 2026-03\ngenres: [ambient]\n",
    )
    out = root.parent / "public"
    report = build(root, out, BuildOptions(transcode=False, data_dir=root.parent / "data"))
    assert not report.problems.errors, report.problems.errors
    return out


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


def test_the_catalog_language_speaks_on_the_site_pages(site: Path) -> None:
    home = (site / "index.html").read_text()
    assert 'lang="de" dir="ltr"' in html_tag(home)
    assert "Neueste Veröffentlichungen" in home and "Zum Inhalt springen" in home
    assert "Latest releases" not in home and "Skip to content" not in home
    tags = (site / "tags/index.html").read_text()
    assert "2 Veröffentlichungen" in tags


def test_an_artist_and_a_release_override_the_catalog(site: Path) -> None:
    ada = (site / "artists/ada/index.html").read_text()
    assert 'lang="fr"' in html_tag(ada) and "Sorties" in ada
    nuit = (site / "releases/nuit/index.html").read_text()  # settings inherit: the artist's language
    assert 'lang="fr"' in html_tag(nuit) and "Preis" not in nuit
    assert "5,00\xa0€" in nuit and "2 mai 2025" in nuit and "Prix libre" in nuit
    layl = (site / "releases/layl/index.html").read_text()
    assert 'lang="ar" dir="rtl"' in html_tag(layl)
    assert "مقطوعتان" in layl and "مارس 2026" in layl  # two tracks: the dual, not a number
    track = next(p for p in (site / "releases/layl").glob("*/index.html") if "夢" in p.read_text())
    assert 'dir="rtl"' in html_tag(track.read_text())
    embed = next((site / "releases/layl").rglob("embed/index.html"), None) or next(
        site.rglob("embed*/**/*.html")
    )
    assert embed.read_text().count('dir="rtl"') >= 1


def test_media_controls_and_timecodes_stay_left_to_right(site: Path) -> None:
    layl = (site / "releases/layl/index.html").read_text()
    assert (
        '<div class="player-progress" dir="ltr">' in layl and '<div class="player-buttons" dir="ltr">' in layl
    )
    assert '<time class="track-duration" dir="ltr"' in layl


def test_the_scripts_get_the_messages_of_the_page_language(site: Path) -> None:
    layl = (site / "releases/layl/index.html").read_text()
    url = re.search(r'<meta name="tunecamp-messages" content="([^"]+)"', layl)
    assert url and "/i18n/ar." in url.group(1)
    data = json.loads((site / url.group(1).lstrip("/")).read_text())
    assert data["messages"]["Play"] == "تشغيل" and data["messages"]["%(num)s listener"]["two"] == "مستمعان"


def test_the_search_index_keeps_non_latin_and_accented_titles(site: Path) -> None:
    index = (site / "search.json").read_text(encoding="utf-8")
    assert "夢の歌" in index and "قمر" in index and "Été" in index


def test_a_bad_language_is_an_error_naming_the_key(tmp_path: Path) -> None:
    write(tmp_path / "catalog.yaml", "title: X\nlanguage: klingon-forever\n")
    _, problems = scan(tmp_path)
    error = next(p for p in problems.errors if p.key == "language")
    assert "language tag" in error.message
