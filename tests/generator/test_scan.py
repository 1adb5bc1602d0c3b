from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import MakeAudio

from tunecamp.generator.scan import scan


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def catalog_dir(tmp_path: Path, make_audio: MakeAudio) -> Path:
    root = tmp_path / "content"
    write(
        root / "catalog.yaml",
        "title: Label\nbase_url: https://music.example.org/\nlicense: CC0-1.0\ndownload: free\nlabel: true\n",
    )
    write(
        root / "artists/ada/artist.yaml",
        "name: Ada Lovelace\ndownload: name-your-price\nprice: 3\n"
        "links:\n  - https://ada.example.org\n  - {label: Shop, url: https://shop.example.org}\n",
    )
    write(root / "artists/ada/bio.md", "Ada makes **engines** sing.\n")
    rel = root / "releases/Engines (2024)"
    make_audio(
        rel / "02 - Second.flac",
        tags={"title": "Second", "artist": "Ada Lovelace", "tracknumber": "2", "genre": "Electronic"},
    )
    make_audio(
        rel / "01 - First.mp3",
        tags={
            "title": "First",
            "artist": "Ada Lovelace",
            "tracknumber": "1",
            "album": "Engines",
            "date": "2024-05-01",
            "genre": "Electronic",
        },
    )
    make_audio(rel / "03 no tags.ogg")
    write(
        rel / "release.yaml",
        "status: published\nartist: ada\ntracks:\n"
        "  - file: 03 no tags.ogg\n    title: Third\n    download: none\n",
    )
    write(rel / "notes.md", "Liner notes.\n")
    write(rel / "01 - First.lrc", "[00:01.00]hello\n")
    draft = root / "releases/draft-one"
    make_audio(draft / "a.mp3", tags={"title": "Draft", "artist": "Somebody Else"})
    unlisted = root / "releases/hidden"
    make_audio(unlisted / "a.opus", tags={"title": "Hidden", "album": "Hidden", "artist": "Ada Lovelace"})
    write(unlisted / "release.yaml", "status: unlisted\n")
    return root


def test_scan_reads_the_catalog(catalog_dir: Path) -> None:
    catalog, problems = scan(catalog_dir)
    assert not problems.errors, problems.items
    assert catalog.config.title == "Label" and catalog.config.label_mode
    assert catalog.config.base_url == "https://music.example.org"
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.title == "Engines" and release.status == "published"
    assert [t.title for t in release.tracks] == ["First", "Second", "Third"]
    assert [t.slug for t in release.tracks] == ["first", "second", "third"]
    assert release.date is not None and release.date.isoformat() == "2024-05-01"
    assert release.genres == ("Electronic",)
    assert "Liner notes." in release.notes_html
    assert release.tracks[0].lyrics is not None and release.tracks[0].lyrics.synced[0].text == "hello"
    ada = catalog.artist("ada")
    assert ada.name == "Ada Lovelace" and "<strong>engines</strong>" in ada.bio_html
    assert [link.label for link in ada.links] == ["ada.example.org", "Shop"]


def test_settings_inherit_catalog_artist_release_track(catalog_dir: Path) -> None:
    catalog, _ = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.settings.license == "CC0-1.0"  # from the catalog
    assert release.settings.download == "name-your-price" and release.settings.price == Decimal(3)  # artist
    assert release.tracks[2].settings.download == "none"  # the track's own entry
    assert release.tracks[0].settings.download == "name-your-price"


def test_statuses(catalog_dir: Path) -> None:
    catalog, _ = scan(catalog_dir)
    by_slug = {r.slug: r for r in catalog.releases}
    assert by_slug["draft-one"].status == "draft" and not by_slug["draft-one"].is_public
    assert by_slug["hidden"].is_public and not by_slug["hidden"].is_listed
    assert [r.slug for r in catalog.listed_releases] == ["engines-2024"]
    assert {a.slug for a in catalog.listed_artists} == {"ada"}
    # an artist known only from tags exists, but lists nothing
    assert "somebody-else" in {a.slug for a in catalog.artists}


def test_bad_yaml_skips_only_that_release(catalog_dir: Path, make_audio: MakeAudio) -> None:
    broken = catalog_dir / "releases/broken"
    make_audio(broken / "a.mp3")
    write(broken / "release.yaml", "status: published\ntitle: [oops\n")
    catalog, problems = scan(catalog_dir)
    assert "broken" not in {r.slug for r in catalog.releases}
    assert "engines-2024" in {r.slug for r in catalog.releases}
    messages = [str(p) for p in problems.errors]
    assert any("broken/release.yaml" in m and "invalid YAML at line" in m for m in messages)


def test_unknown_keys_and_bad_values_name_file_and_key(catalog_dir: Path) -> None:
    meta = catalog_dir / "releases/Engines (2024)/release.yaml"
    meta.write_text(meta.read_text() + "licence: MIT\nprice: cheap\ndate: someday\n")
    catalog, problems = scan(catalog_dir)
    found = {(p.path.name, p.key): p.message for p in problems.errors}
    assert "did you mean 'license'" in found[("release.yaml", "licence")]
    assert "is not a price" in found[("release.yaml", "price")]
    assert "is not a date" in found[("release.yaml", "date")]
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.settings.price == Decimal(3)  # the inherited value survives


def test_corrupt_and_empty_audio_are_skipped_with_a_message(catalog_dir: Path) -> None:
    rel = catalog_dir / "releases/Engines (2024)"
    (rel / "04 - Corrupt.flac").write_bytes(b"fLaC" + os.urandom(300))
    (rel / "05 - Empty.mp3").write_bytes(b"")
    catalog, problems = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert len(release.tracks) == 3
    skipped = {p.path.name for p in problems.errors}
    assert {"04 - Corrupt.flac", "05 - Empty.mp3"} <= skipped
    assert all("track skipped" in p.message for p in problems.errors)


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("status: published\ncover: ../../../etc/passwd\n", "cover"),
        ("status: published\ntracks:\n  - file: ../../elsewhere.mp3\n", "tracks[0].file"),
        ("status: published\nslug: ../escape\n", "slug"),
    ],
)
def test_hostile_paths_and_slugs_are_refused(
    catalog_dir: Path, make_audio: MakeAudio, yaml_text: str, key: str
) -> None:
    rel = catalog_dir / "releases/hostile"
    make_audio(rel / "a.mp3")
    write(rel / "release.yaml", yaml_text)
    catalog, problems = scan(catalog_dir)
    assert any(p.key == key and p.path.parent.name == "hostile" for p in problems.errors), problems.items
    for release in catalog.releases:
        assert release.cover is None or release.cover.source.is_relative_to(catalog_dir)


def test_folder_with_yaml_but_no_audio_is_reported(catalog_dir: Path) -> None:
    write(catalog_dir / "releases/empty/release.yaml", "status: published\n")
    (catalog_dir / "releases/just-a-folder").mkdir()
    _, problems = scan(catalog_dir)
    assert [p.path.name for p in problems.errors] == ["empty"]


def test_embedded_cover_is_used_when_the_folder_has_none(catalog_dir: Path, make_audio: MakeAudio) -> None:
    from conftest import PNG_1PX

    rel = catalog_dir / "releases/embedded"
    make_audio(rel / "a.flac", tags={"title": "A"}, cover=PNG_1PX)
    write(rel / "release.yaml", "status: published\n")
    catalog, _ = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "embedded")
    assert release.cover is not None and release.cover.embedded_in == rel / "a.flac"


def test_missing_catalog_yaml_is_a_warning(tmp_path: Path) -> None:
    catalog, problems = scan(tmp_path)
    assert catalog.releases == () and not problems.errors
    assert "tunecamp init" in problems.warnings[0].message
