"""Benchmark: the Subsonic API on a synthetic 10,000-track library.

    .venv/bin/python bench/subsonic.py [--tracks 10000] [--duration 3] [--concurrency 1,32] [--write docs/performance.md]

Fills a throwaway data folder's catalog index with a synthetic library (100 artists, 20
tracks an album; one small cover image per album, no audio: nothing here streams), starts
`tunecamp serve` on it as a separate process (logging every request, as in production),
and drives it from this process with N concurrent keep-alive connections, token auth with
a reused salt as most apps do: getAlbumList2, getAlbum, search3 with a term, getCoverArt
of a cover already resized once (the cache), each for a fixed time; then a full sync as
Symfonium does it, search3 with an empty query paged 500 songs at a time through the whole
library, one page after another, timed end to end.

Targets (issue 6): p99 under 25 ms at 32 concurrent clients for the browsing calls, and
the full empty-query sync of 10,000 tracks in under 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from load import Result, free_port, measure, wait_ready  # bench/ is on sys.path: this file runs as a script

PASSWORD = "bench subsonic password"
SALT = "reused-salt"
NOTE = """Numbers from `bench/subsonic.py` (see its docstring): a synthetic library of 10,000 tracks in
500 albums by 100 artists, the daemon in its own process, the load client on the same two cores,
token auth with a reused salt. Targets: p99 under 25 ms at 32 clients for the browsing calls, a
full empty-query sync of 10,000 tracks under 3 s. Browsing and search are answered from an
in-memory snapshot of the catalog index (reloaded when a rebuild commits) and each user's stars,
ratings and play counts are kept in memory too (loaded once, forgotten at each change), so a
browsing call does not wait for the database thread; a successful sign-in is remembered for 5 s.
Each rendered song and album is kept per snapshot, with the user's own fields added per call.
Covers are resized once, kept on disk and the most recent in memory. A term search scans every
song's folded title, artist and album (about 1 ms for 10,000 songs)."""


def synthetic_library(data: Path, content: Path, tracks: int) -> None:
    """Catalog index rows for `tracks` tracks, as a scan of such a library would leave them."""
    from PIL import Image

    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations

    rng = random.Random(6)
    words = [
        "amber",
        "blue",
        "coast",
        "drift",
        "ember",
        "fern",
        "glass",
        "harbor",
        "iris",
        "june",
        "kite",
        "lumen",
        "mist",
        "north",
        "ocean",
        "pine",
    ]
    genres = ["ambient", "folk", "jazz", "techno", "classical", "post-rock", "dub", "soul"]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    per_album, artists_count = 20, 100
    albums_count = max(1, tracks // per_album)
    data.mkdir(parents=True, exist_ok=True)
    db = connect(data / "tunecamp.db")
    apply_migrations(db)
    with db.atomic():
        for a in range(1, artists_count + 1):
            name = f"{rng.choice(words).title()} {rng.choice(words).title()} {a}"
            db.execute(
                "INSERT INTO catalog_artists (id, slug, name, updated_at) VALUES (?, ?, ?, ?)",
                [a, f"artist-{a}", name, now],
            )
        track_id = 0
        for al in range(1, albums_count + 1):
            artist = (al % artists_count) + 1
            folder = content / "releases" / f"album-{al}"
            folder.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (600, 600), (rng.randrange(256), 80, 120)).save(folder / "cover.jpg", quality=80)
            genre = rng.choice(genres)
            title = f"{rng.choice(words).title()} {rng.choice(words)} {al}"
            year = rng.randrange(1970, 2026)
            db.execute(
                "INSERT INTO catalog_albums (id, slug, title, artist_id, artist_slugs, status, source_dir, "
                "date, genres, track_count, duration, cover, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?, ?, ?)",
                [al, f"album-{al}", title, artist, json.dumps([f"artist-{artist}"]), f"releases/album-{al}",
                 f"{year}-01-01", json.dumps([genre]), per_album, per_album * 200.0,
                 f"releases/album-{al}/cover.jpg", now],
            )  # fmt: skip
            db.execute(
                "INSERT INTO catalog_album_media (album_id, first_seen, download) VALUES (?, ?, 'free')",
                [al, now],
            )
            for n in range(1, per_album + 1):
                track_id += 1
                db.execute(
                    "INSERT INTO catalog_tracks (id, album_id, slug, title, artist, number, duration, size, "
                    "source_path, format, mime, bitrate, genres, updated_at) "
                    "VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 'flac', 'audio/flac', 900000, '[]', ?)",
                    [track_id, al, f"t{n}", f"{rng.choice(words).title()} {rng.choice(words)} {track_id}", n,
                     rng.uniform(90, 400), 20_000_000, f"releases/album-{al}/{n:02d}.flac", now],
                )  # fmt: skip
                db.execute(
                    "INSERT INTO catalog_track_media (track_id, first_seen, download, streaming, codec, "
                    "sample_rate, channels, bits_per_sample, year) "
                    "VALUES (?, ?, 'free', 'standard', 'flac', 44100, 2, 16, ?)",
                    [track_id, now, year],
                )
    db.close()


@contextmanager
def daemon(tmp: Path, tracks: int) -> Iterator[str]:
    content, data, public = tmp / "content", tmp / "data", tmp / "public"
    public.mkdir(parents=True)
    (public / "index.html").write_text("<h1>bench</h1>")
    synthetic_library(data, content, tracks)
    env = {**os.environ, "TUNECAMP_DATA_DIR": str(data), "TUNECAMP_BCRYPT_ROUNDS": "4"}
    env.pop("SENTRY_DSN", None)
    tunecamp = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    run = {"env": env, "check": True, "capture_output": True}
    subprocess.run(
        [*tunecamp, "user", "add", "bench", "--password-stdin"], input=b"account password 1\n", **run
    )
    subprocess.run([*tunecamp, "user", "subsonic-password", "bench"], input=f"{PASSWORD}\n".encode(), **run)
    port = free_port()
    process = subprocess.Popen(
        [*tunecamp, "serve", "--no-build", "--content", str(content), "--public", str(public),
         "--port", str(port)],
        env={**env, "TUNECAMP_WATCH": "false"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/health", timeout=60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def auth() -> dict[str, str]:
    token = hashlib.md5((PASSWORD + SALT).encode()).hexdigest()
    return {"u": "bench", "t": token, "s": SALT, "v": "1.16.1", "c": "bench", "f": "json"}


def failed(status: int, body: bytes) -> bool:
    """A Subsonic error comes back as 200 with status "failed" near the start of the body."""
    return status != 200 or b'"status":"failed"' in body[:400]


def rest(base: str, endpoint: str, **params: object) -> str:
    from urllib.parse import urlencode

    return f"{base}/rest/{endpoint}?{urlencode({**auth(), **params})}"


async def full_sync(base: str, page: int = 500) -> tuple[float, int, int]:
    """search3 with an empty query, 500 songs a page, until a short page: (seconds, songs, pages)."""
    songs = pages = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while True:
            url = rest(
                base, "search3", query="", songCount=page, songOffset=songs, artistCount=0, albumCount=0
            )
            async with session.get(url) as response:
                body = await response.json()
            found = len(body["subsonic-response"]["searchResult3"].get("song", []))
            songs, pages = songs + found, pages + 1
            if found < page:
                break
    return time.perf_counter() - started, songs, pages


async def run(
    tracks: int, seconds: float, levels: list[int]
) -> tuple[list[Result], list[tuple[float, int, int]]]:
    results = []
    syncs = []
    with tempfile.TemporaryDirectory() as tmp, daemon(Path(tmp), tracks) as base:
        albums = max(1, tracks // 20)
        rng = random.Random(1)
        album_ids = [f"al-{rng.randrange(1, albums + 1)}" for _ in range(200)]
        covers = [f"al-{n}" for n in range(1, 33)]
        targets = [
            ("getAlbumList2 (newest, 10)", [rest(base, "getAlbumList2", type="newest", size=10, offset=o)
                                            for o in range(0, 200, 10)]),
            ("getAlbum (20 songs)", [rest(base, "getAlbum", id=a) for a in album_ids]),
            ("search3 (a term)", [rest(base, "search3", query=w) for w in ("ember", "harbor 12", "mist", "kite")]),
            ("getCoverArt (cached, 300 px)", [rest(base, "getCoverArt", id=c, size=300) for c in covers]),
        ]  # fmt: skip
        async with aiohttp.ClientSession() as session:  # make every cover once: the cache is what is measured
            for url in targets[-1][1]:
                async with session.get(url) as response:
                    await response.read()
        for _ in range(3):
            syncs.append(await full_sync(base))
            print(
                f"full sync: {syncs[-1][1]} songs in {syncs[-1][2]} pages, {syncs[-1][0]:.2f} s",
                file=sys.stderr,
            )
        for concurrency in levels:
            for name, urls in targets:
                result = await measure(name, urls, concurrency, seconds, failed=failed)
                results.append(result)
                print(f"{name:30} c={concurrency:<4} {result.rps:8.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
                      f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}", file=sys.stderr)  # fmt: skip
    return results, syncs


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


def table(results: list[Result], syncs: list[tuple[float, int, int]], seconds: float, tracks: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared with "
        f"the load client, Python {platform.python_version()}, {tracks:,} tracks, {seconds:g} s per cell.",
        "",
        "| Call | Clients | Requests/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(f"| {r.target} | {r.concurrency} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
                     + (f" ({r.errors} errors)" if r.errors else ""))  # fmt: skip
    best = min(syncs)
    lines += [
        "",
        f"Full sync (search3, empty query, 500 songs a page): {best[1]:,} songs in {best[2]} pages, "
        f"{best[0]:.2f} s (best of {len(syncs)}; all: {', '.join(f'{s[0]:.2f}' for s in syncs)} s).",
    ]
    return "\n".join(lines)


def write_section(path: Path, body: str) -> None:
    """Replace (or add) the "## Subsonic API" section of docs/performance.md, leaving the others."""
    text = path.read_text() if path.exists() else "# Performance\n"
    section = f"## Subsonic API\n\n{NOTE}\n\n{body}\n"
    if re.search(r"^## Subsonic API$", text, re.M):
        text = re.sub(r"^## Subsonic API\n.*?(?=^## |\Z)", section + "\n", text, flags=re.M | re.S)
        text = text.rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated client counts")
    parser.add_argument("--write", type=Path, help="update the Subsonic API section of this Markdown file")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    results, syncs = asyncio.run(run(args.tracks, args.duration, levels))
    body = table(results, syncs, args.duration, args.tracks)
    print(body)
    if args.write:
        write_section(args.write, body)


if __name__ == "__main__":
    main()
