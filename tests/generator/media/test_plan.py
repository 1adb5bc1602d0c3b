from __future__ import annotations

from pathlib import Path

import pytest
from mediacatalog import catalog, release, settings

from tunecamp.generator.media.plan import Product, analysis_key, plan_release, product_keys, visibility


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("free", "public"),
        ("name-your-price", "public"),
        ("codes", "private"),
        ("paid", "private"),
        ("external", None),
        ("none", None),
    ],
)
def test_only_free_and_name_your_price_are_public(policy: str, expected: str | None) -> None:
    assert visibility(policy) == expected


@pytest.fixture
def files(tmp_path: Path, make_audio) -> list[Path]:
    return [make_audio(tmp_path / "r" / f"{name}.flac", seconds=0.5) for name in ("a", "b", "c", "d")]


def test_a_protected_track_never_joins_a_public_zip(tmp_path: Path, files: list[Path]) -> None:
    per_track = {
        "b.flac": settings(download="paid"),
        "c.flac": settings(download="none"),
        "d.flac": settings(download="external", external_url="https://example.org"),
    }
    r = release(tmp_path / "r", files, settings_=settings(download="free"), track_settings=per_track)
    plan = plan_release(catalog(tmp_path, [r]), r)
    assert plan.zip_visibility == "public"
    assert [tp.track.source.name for tp in plan.zip_members()] == ["a.flac"]
    a, b, c, d = plan.tracks
    assert a.download_visibility == "public" and b.download_visibility == "private"
    assert c.downloads == () and d.downloads == () and c.download_visibility is None
    assert [p.format.name for p in b.downloads] == ["flac", "mp3-v0"] and b.zip_formats == ()


def test_a_private_zip_holds_every_downloadable_track(tmp_path: Path, files: list[Path]) -> None:
    per_track = {"b.flac": settings(download="free"), "c.flac": settings(download="none")}
    r = release(
        tmp_path / "r",
        files,
        settings_=settings(download="codes", download_formats=["opus-128"]),
        track_settings=per_track,
    )
    plan = plan_release(catalog(tmp_path, [r]), r)
    assert plan.zip_visibility == "private" and [f.name for f in plan.zip_formats] == ["opus-128"]
    assert [tp.track.source.name for tp in plan.zip_members()] == ["a.flac", "b.flac", "d.flac"]


def test_no_zip_without_downloads(tmp_path: Path, files: list[Path]) -> None:
    r = release(tmp_path / "r", files, settings_=settings(download="none"))
    plan = plan_release(catalog(tmp_path, [r]), r)
    assert plan.zip_visibility is None and all(tp.products == tp.streams for tp in plan.tracks)


def test_tags_come_from_the_catalog(tmp_path: Path, files: list[Path]) -> None:
    r = release(tmp_path / "r", files, title="Roads", settings_=settings(license="CC0-1.0"))
    tags = plan_release(catalog(tmp_path, [r]), r).tracks[1].tags
    assert (tags.title, tags.album, tags.album_artists, tags.number, tags.total) == (
        "Song b",
        "Roads",
        ("Ada Lovelace",),
        2,
        4,
    )
    assert tags.date == "2024-05-01" and tags.license == "CC0-1.0"


def test_keys_change_with_what_makes_the_file(tmp_path: Path, files: list[Path]) -> None:
    r = release(tmp_path / "r", files)
    tp = plan_release(catalog(tmp_path, [r]), r).tracks[0]
    keys = product_keys(tp, "hash1", None)
    opus = next(p for p in keys if p.format.name == "opus-96")
    assert keys == product_keys(tp, "hash1", None)
    assert product_keys(tp, "hash2", None)[opus] != keys[opus]
    # a new cover retags the file but keeps the encode
    recovered = product_keys(tp, "hash1", "cover")[opus]
    assert recovered[0] == keys[opus][0] and recovered[1] != keys[opus][1]
    assert analysis_key("hash1") != analysis_key("hash2")


def test_a_small_mp3_streams_as_it_is(tmp_path: Path, make_audio) -> None:
    mp3 = make_audio(tmp_path / "r" / "small.mp3", seconds=0.5)
    r = release(tmp_path / "r", [mp3])
    streams = plan_release(catalog(tmp_path, [r]), r).tracks[0].streams
    assert streams == (Product(streams[0].format), Product(streams[1].format, passthrough=True))
