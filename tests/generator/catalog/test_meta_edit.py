from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tunecamp.generator.catalog.meta_edit import Edits, render, with_values, write_values
from tunecamp.generator.catalog.publish import PublishError

META = Path("release.yaml")

ARTIST_FILE = """\
# Written by hand: keep this comment
title: "Night Drive"   # and this one
artist: someone
genres:
    - ambient   # four-space list
    - drone

tracks:
  - file: 01 - One.flac
    title: One  # the artist's own title
  - file: 02 - Two.flac
"""


def test_new_keys_go_above_tracks_and_everything_else_stays() -> None:
    edits = Edits(release={"label": "Quiet Records", "date": dt.date(2019, 5, 1), "catalog_number": "0042"})
    out = with_values(ARTIST_FILE, edits, META)
    assert out == ARTIST_FILE.replace(
        "    - drone\n", '    - drone\nlabel: Quiet Records\ndate: 2019-05-01\ncatalog_number: "0042"\n'
    )
    data = yaml.safe_load(out)
    assert data["catalog_number"] == "0042" and data["date"] == dt.date(2019, 5, 1)


def test_a_track_entry_gains_a_key_after_its_last_one() -> None:
    out = with_values(ARTIST_FILE, Edits(tracks={"01 - One.flac": {"isrc": "GBAYE0601498"}}), META)
    assert "    title: One  # the artist's own title\n    isrc: GBAYE0601498\n  - file: 02" in out
    out = with_values(ARTIST_FILE, Edits(tracks={"02 - Two.flac": {"composer": ["A. Person"]}}), META)
    assert out.endswith("  - file: 02 - Two.flac\n    composer: [A. Person]\n")


def test_a_track_without_an_entry_gets_one() -> None:
    out = with_values(ARTIST_FILE, Edits(tracks={"03 - Three.flac": {"title": "Three"}}), META)
    assert out.endswith("  - file: 02 - Two.flac\n  - file: 03 - Three.flac\n    title: Three\n")


def test_a_file_without_tracks_gets_a_tracks_block() -> None:
    out = with_values("title: A\n", Edits(tracks={"a.flac": {"isrc": "X"}}), META)
    assert out == "title: A\ntracks:\n  - file: a.flac\n    isrc: X\n"
    assert with_values("", Edits(release={"label": "L"}), META) == "label: L\n"


def test_existing_values_are_replaced_in_place() -> None:
    out = with_values(ARTIST_FILE, Edits(release={"title": "Night Drive (Remastered)"}), META)
    assert "\ntitle: Night Drive (Remastered)   # and this one\nartist: someone\n" in out
    out = with_values(ARTIST_FILE, Edits(release={"genres": ["jazz", "soul"]}), META)
    assert "genres: [jazz, soul]\n\ntracks:" in out and "# Written by hand" in out


def test_crlf_bom_and_flow_mappings() -> None:
    out = with_values("\ufefftitle: A\r\ntracks: []\r\n", Edits(release={"label": "L"}), META)
    assert out == "\ufefftitle: A\r\nlabel: L\r\ntracks: []\r\n"
    assert with_values("{title: A}\n", Edits(release={"label": "L"}), META) == "{title: A, label: L}\n"
    out = with_values("title: A\ntracks: []\n", Edits(tracks={"a.mp3": {"isrc": "X"}}), META)
    assert yaml.safe_load(out)["tracks"] == [{"file": "a.mp3", "isrc": "X"}]


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "null",
        "0042",
        "a: b",
        "# not a comment",
        "- dash",
        "Ünïcode Ärtist",
        'say "hi"',
        "two\nlines",
        " pad",
    ],
)
def test_every_value_reads_back_as_itself(value: str) -> None:
    assert yaml.safe_load(f"k: {render(value)}")["k"] == value
    assert yaml.safe_load(f"k: {render([value, 'b'])}")["k"] == [value, "b"]


def test_a_layout_it_cannot_edit_safely_is_left_alone() -> None:
    with pytest.raises(PublishError, match=r"release.yaml \[label\]: an alias"):
        with_values("x: &a L\nlabel: *a\n", Edits(release={"label": "M"}), META)
    with pytest.raises(PublishError, match="invalid YAML"):
        with_values("title: [unclosed\n", Edits(release={"label": "M"}), META)
    with pytest.raises(PublishError, match="tracks"):
        with_values("tracks: nope\n", Edits(tracks={"a.mp3": {"isrc": "X"}}), META)


def test_write_values_edits_the_file_in_place(tmp_path: Path) -> None:
    meta = tmp_path / "release.yaml"
    meta.write_text(ARTIST_FILE)
    inode = meta.stat().st_ino
    assert write_values(meta, Edits(release={"label": "Quiet"}))
    assert meta.stat().st_ino == inode and "    - drone\nlabel: Quiet\n\ntracks:" in meta.read_text()
    assert not write_values(meta, Edits(release={"label": "Quiet"}))  # already says so: not written
    assert not write_values(meta, Edits())
    fresh = tmp_path / "new" / "release.yaml"
    fresh.parent.mkdir()
    assert write_values(fresh, Edits(release={"date": dt.date(2001, 2, 3)}))
    assert fresh.read_text() == "date: 2001-02-03\n"


def test_flow_entries_paths_and_block_values() -> None:
    text = "tracks:\n  - {file: ./a.flac, title: A}\n  - file: b.flac\n"
    out = with_values(text, Edits(tracks={"a.flac": {"isrc": "X"}}), META)
    assert out == "tracks:\n  - {file: ./a.flac, title: A, isrc: X}\n  - file: b.flac\n"
    text = "credits: |\n  Recorded at home\n  in winter\ntitle: A\n"
    out = with_values(text, Edits(release={"credits": "Mixed by Sam"}), META)
    assert out == "credits: Mixed by Sam\ntitle: A\n"
    text = "tracks: [{file: a.flac}]\n"
    out = with_values(text, Edits(tracks={"b.flac": {"isrc": "Y"}}), META)
    assert yaml.safe_load(out)["tracks"] == [{"file": "a.flac"}, {"file": "b.flac", "isrc": "Y"}]
