"""Disc titles: release.yaml `discs`, else the DISCSUBTITLE (Vorbis, MP4) or TSST (ID3) tag."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeAudio
from mutagen.id3 import ID3, TSST

from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.catalog.tags import read_tags


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_tags_give_the_disc_subtitle(tmp_path: Path, make_audio: MakeAudio) -> None:
    flac = make_audio(tmp_path / "a.flac", tags={"discsubtitle": "The Studio Sessions"})
    assert read_tags(flac)[0].disc_subtitle == "The Studio Sessions"
    mp3 = make_audio(tmp_path / "a.mp3")
    id3 = ID3(mp3)
    id3.add(TSST(encoding=3, text=["Live"]))
    id3.save()
    assert read_tags(mp3)[0].disc_subtitle == "Live"
    assert read_tags(make_audio(tmp_path / "b.flac"))[0].disc_subtitle is None


def test_release_yaml_titles_the_discs(tmp_path: Path, make_audio: MakeAudio) -> None:
    root = tmp_path / "content"
    write(root / "catalog.yaml", "title: Label\nbase_url: https://music.example.org/\n")
    rel = root / "releases/double"
    make_audio(rel / "01.flac", tags={"title": "One", "discnumber": "1", "discsubtitle": "From the tag"})
    make_audio(rel / "02.flac", tags={"title": "Two", "discnumber": "2", "discsubtitle": "Overridden"})
    make_audio(rel / "03.flac", tags={"title": "Three", "discnumber": "3"})
    write(rel / "release.yaml", "status: published\ndiscs:\n  2: Live at the Harbour\n")
    catalog, problems = scan(root)
    release = next(r for r in catalog.releases if r.slug == "double")
    assert [(t.disc, t.disc_title) for t in release.tracks] == [
        (1, "From the tag"),
        (2, "Live at the Harbour"),
        (3, None),
    ]
    assert not [p for p in problems.errors if p.key and p.key.startswith("discs")]


def test_bad_discs_name_the_key(tmp_path: Path, make_audio: MakeAudio) -> None:
    root = tmp_path / "content"
    write(root / "catalog.yaml", "title: Label\nbase_url: https://music.example.org/\n")
    make_audio(root / "releases/a/01.flac", tags={"title": "One"})
    write(root / "releases/a/release.yaml", "status: published\ndiscs:\n  one: Studio\n  2: ''\n  3: Fine\n")
    make_audio(root / "releases/b/01.flac", tags={"title": "One"})
    write(root / "releases/b/release.yaml", "status: published\ndiscs: [Studio, Live]\n")
    catalog, problems = scan(root)
    found = {(p.path.parent.name, p.key): p.message for p in problems.errors}
    assert "'one' is not a disc number" in found[("a", "discs")]
    assert "disc 2: expected a title" in found[("a", "discs.2")]
    assert "expected a mapping of disc numbers to titles" in found[("b", "discs")]
    assert {r.slug for r in catalog.releases} == {"a", "b"}  # the rest of each release is still built
