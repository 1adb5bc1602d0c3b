from __future__ import annotations

import zipfile
from pathlib import Path

from tunecamp.generator.media.archives import Member, safe_name, track_name, unique_names, write_zip, zip_key


def test_names_are_safe_everywhere() -> None:
    assert safe_name('AC/DC: "Live" <1979>?') == "AC_DC_ _Live_ _1979__"
    assert safe_name("..") == "untitled" and safe_name("  ") == "untitled"
    assert safe_name("x" * 500) == "x" * 120
    assert track_name(3, "Night/Drive", "flac") == "03 - Night_Drive.flac"
    assert track_name(3, "Night Drive", "mp3", disc=2) == "2-03 - Night Drive.mp3"


def test_duplicate_names_get_numbered() -> None:
    members = [Member(n, Path("/x"), "k") for n in ("a.txt", "A.txt", "a.txt", "b")]
    assert [m.name for m in unique_names(members)] == ["a.txt", "A (2).txt", "a (3).txt", "b"]


def test_zips_are_deterministic_and_hold_every_member(tmp_path: Path) -> None:
    (tmp_path / "01.flac").write_bytes(b"fLaC" * 1000)
    (tmp_path / "notes.md").write_text("# Notes\n" * 100)
    members = [
        Member("Ada - Roads/01 - One.flac", tmp_path / "01.flac", "k1"),
        Member("Ada - Roads/notes.md", tmp_path / "notes.md", "k2"),
    ]
    write_zip(members, tmp_path / "a.zip")
    write_zip(list(reversed(members)), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.testzip() is None
        info = {i.filename: i for i in zf.infolist()}
        assert info["Ada - Roads/01 - One.flac"].compress_type == zipfile.ZIP_STORED
        assert info["Ada - Roads/notes.md"].compress_type == zipfile.ZIP_DEFLATED
        assert zf.read("Ada - Roads/notes.md") == (tmp_path / "notes.md").read_bytes()
    assert zip_key("flac", members) == zip_key("flac", list(reversed(members)))
    assert zip_key("flac", members) != zip_key("flac", [members[0]])
