"""The catalog index scan, for bench/subsonic.py: a scanned catalog of N tracks into the index.

    .venv/bin/python bench/subsonic_index.py [--tracks 10000]

A synthetic Catalog (what the scanner returns: 20 tracks an album, 100 artists, empty files on
disk) goes through the catalog index and the Subsonic media rows, as a build's after-build step
does; a first scan into an empty database, then a rescan that keeps every ID. Tracks a second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def synthetic_catalog(content: Path, tracks: int) -> Any:
    """A scanned-looking Catalog of `tracks` tracks (20 an album, 100 artists), files on disk but empty."""
    from tunecamp.generator.catalog.model import Artist, AudioInfo, Catalog, CatalogConfig, Release, Track
    from tunecamp.generator.catalog.settings import Settings

    settings = Settings()
    artists = tuple(Artist(f"artist-{a}", f"Artist {a}", settings) for a in range(1, 101))
    releases = []
    for al in range(1, max(1, tracks // 20) + 1):
        folder = content / "releases" / f"album-{al}"
        folder.mkdir(parents=True, exist_ok=True)
        items = []
        for n in range(1, 21):
            source = folder / f"{n:02d}.flac"
            source.touch()
            audio = AudioInfo("flac", "flac", "audio/flac", 20_000_000 + n, 200.0 + n, 900_000, 44100, 2, 16)
            items.append(
                Track(f"t{n}", source, f"Song {al}-{n}", (f"Artist {al % 100 + 1}",), n, 1, audio, settings)
            )
        releases.append(
            Release(f"album-{al}", f"Album {al}", (f"artist-{al % 100 + 1}",), "published", tuple(items),
                    settings, folder)
        )  # fmt: skip
    return Catalog(CatalogConfig("Bench", "http://bench.invalid"), content, artists, tuple(releases))


def index_scan(tmp: Path, tracks: int) -> list[tuple[str, float]]:
    """Tracks a second through the catalog index and the Subsonic media rows: a first scan, then a rescan."""
    from tunecamp.daemon.catalog_index import refresh
    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations
    from tunecamp.daemon.subsonic.media_rows import refresh_media

    catalog = synthetic_catalog(tmp / "content", tracks)
    db = connect(tmp / "index.db")
    apply_migrations(db)
    rates = []
    try:
        for label in ("first scan", "rescan"):
            started = time.perf_counter()
            refresh(db, catalog)
            refresh_media(db, catalog)
            rates.append((label, tracks / (time.perf_counter() - started)))
    finally:
        db.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, rate in index_scan(Path(tmp), args.tracks):
            print(f"{label}: {rate:,.0f} tracks/s")


if __name__ == "__main__":
    main()
