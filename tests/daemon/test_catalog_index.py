"""IDs in the catalog index survive rescans, renames and moves; they are never reused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlite_utils import Database

from tunecamp.daemon.catalog_index import Known, albums, match, refresh, release_artists
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.generator.catalog.model import Artist, AudioInfo, Catalog, CatalogConfig, Release, Track
from tunecamp.generator.catalog.settings import Settings

ROOT = Path("/music")


def track(folder: str, name: str, title: str, size: int, duration: float = 180.0, n: int = 1) -> Track:
    audio = AudioInfo(format="flac", codec="flac", mime="audio/flac", size=size, duration=duration)
    slug = title.lower().replace(" ", "-")
    return Track(slug, ROOT / "releases" / folder / name, title, ("Aurora",), n, 1, audio, Settings())


def release(
    slug: str,
    folder: str,
    tracks: list[Track],
    status: str = "published",
    artist: str = "aurora",
    title: str | None = None,
) -> Release:
    return Release(
        slug,
        title or slug.title(),
        (artist,),
        status,
        tuple(tracks),
        Settings(),  # type: ignore[arg-type]
        ROOT / "releases" / folder,
    )


def catalog(*releases: Release, artists: tuple[str, ...] = ("aurora",)) -> Catalog:
    return Catalog(
        CatalogConfig("T", "http://x"),
        ROOT,
        tuple(Artist(a, a.title(), Settings(), source_dir=ROOT / "artists" / a) for a in artists),
        tuple(releases),
    )


def ids(db: Database) -> dict[str, int]:
    out = {
        f"album:{r['slug']}": r["id"]
        for r in db.query("SELECT id, slug FROM catalog_albums WHERE missing = 0")
    }
    out |= {
        f"track:{r['title']}": r["id"]
        for r in db.query("SELECT id, title FROM catalog_tracks WHERE missing = 0")
    }
    out |= {
        f"artist:{r['slug']}": r["id"]
        for r in db.query("SELECT id, slug FROM catalog_artists WHERE missing = 0")
    }
    return out


def fresh(tmp_path: Path) -> Database:
    db = connect(tmp_path / "t.db")
    apply_migrations(db)
    return db


def first() -> Catalog:
    return catalog(
        release(
            "tides",
            "tides",
            [track("tides", "01.flac", "First Light", 1000), track("tides", "02.flac", "Bells", 2000, n=2)],
        ),
        release("drafts", "drafts", [track("drafts", "01.m4a", "Unfinished", 3000)], status="draft"),
    )


def test_match_prefers_certain_keys_over_weaker_ones() -> None:
    known = [Known(1, ("a.flac", "same")), Known(2, ("b.flac", "same"))]
    # the second item has b's path: it gets 2 even though the first item's weaker key also names 2's identity
    assert match(known, [("c.flac", "same"), ("b.flac", "other")]) == [1, 2]
    assert match(known, [("x", None), ("y", "none")]) == [None, None]
    assert match([], [("a",)]) == [None]


def test_rescan_keeps_every_id(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    stats = refresh(db, first())
    assert stats.new == {"artists": 1, "albums": 2, "tracks": 3}
    before = ids(db)
    again = refresh(db, first())
    assert again.new == {} and ids(db) == before
    assert release_artists(db, "drafts") == {"aurora"}
    assert [a["status"] for a in albums(db) if a["slug"] == "drafts"] == ["draft"]


def test_renamed_and_moved_files_keep_their_ids(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    refresh(db, first())
    before = ids(db)
    moved = catalog(
        # folder renamed and slug changed: the album is found through its tracks
        release(
            "morning-tides",
            "Morning Tides",
            [
                track("Morning Tides", "01 - First Light.flac", "First Light", 1000),
                track("Morning Tides", "02 - Bells.flac", "Bells", 2000, n=2),
            ],
        ),
        # file renamed inside the same folder, and the release promoted
        release("drafts", "drafts", [track("drafts", "unfinished-v2.m4a", "Unfinished", 3000)]),
    )
    stats = refresh(db, moved)
    assert stats.new == {}
    after = ids(db)
    assert after["album:morning-tides"] == before["album:tides"]
    for title in ("First Light", "Bells", "Unfinished"):
        assert after[f"track:{title}"] == before[f"track:{title}"]


def test_retagged_title_keeps_its_id_by_path(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    refresh(db, first())
    before = ids(db)
    tides = first().releases[0]
    retitled = replace(tides, tracks=(replace(tides.tracks[0], title="First Light (edit)"), tides.tracks[1]))
    refresh(db, catalog(retitled, first().releases[1]))
    assert ids(db)["track:First Light (edit)"] == before["track:First Light"]


def test_gone_then_back_gets_the_old_id_and_ids_are_never_reused(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    refresh(db, first())
    before = ids(db)
    only_tides = catalog(first().releases[0])
    stats = refresh(db, only_tides)
    assert stats.missing == {"artists": 0, "albums": 1, "tracks": 1}
    assert "album:drafts" not in ids(db)
    # a new, different track gets a fresh id, above every id ever handed out
    newcomer = release("new", "new", [track("new", "01.flac", "Brand New", 9999)])
    refresh(db, catalog(first().releases[0], newcomer))
    assert ids(db)["track:Brand New"] > max(before.values())
    # the draft comes back: old ids again
    refresh(db, catalog(*first().releases, newcomer))
    assert ids(db)["album:drafts"] == before["album:drafts"]
    assert ids(db)["track:Unfinished"] == before["track:Unfinished"]


def test_two_identical_files_keep_distinct_ids(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    same = catalog(
        release(
            "twins", "twins", [track("twins", "a.flac", "Same", 5), track("twins", "b.flac", "Same", 5, n=2)]
        )
    )
    refresh(db, same)
    rows = sorted(r["id"] for r in db.query("SELECT id FROM catalog_tracks"))
    refresh(db, same)
    assert sorted(r["id"] for r in db.query("SELECT id FROM catalog_tracks WHERE missing = 0")) == rows
    assert len(set(rows)) == 2


def test_relative_paths_agree_with_relative_path(tmp_path: Path) -> None:
    from tunecamp.daemon.catalog_index import RelativePaths, relative_path

    root = tmp_path / "content"
    (root / "releases/a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / "releases/linked").symlink_to(tmp_path / "elsewhere")
    paths = RelativePaths(root.resolve())
    cases = [
        root / "releases/a/01.flac",
        root / "releases/a/../a/02.flac",
        root / "top.flac",
        tmp_path / "elsewhere/x.flac",
        root / "releases/linked/y.flac",  # a symlinked folder leaves content/: absolute, as before
        None,
    ]
    for case in cases:
        assert paths(case) == relative_path(case, root.resolve()), case
    assert paths(root / "releases/a/01.flac") == "releases/a/01.flac"
    assert paths(root / "top.flac") == "top.flac"
