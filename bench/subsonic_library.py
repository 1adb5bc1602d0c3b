"""The daemon bench/subsonic.py measures: a synthetic library in a throwaway data folder, served.

`synthetic_library` fills a catalog index as a scan of such a library would (100 artists, 20
tracks an album, one small cover an album, no audio); `daemon` starts `tunecamp serve` on it in a
process of its own and yields its address once its startup work is done. `rest` signs a request
as an app does (token auth; a reused salt unless given one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from load import free_port, wait_quiet, wait_ready  # bench/ is on sys.path: this file runs as a script

PASSWORD = "bench subsonic password"
SALT = "reused-salt"


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
def daemon(tmp: Path, tracks: int) -> Iterator[tuple[str, int]]:
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
        print(f"daemon busy with its startup work for {wait_quiet(process.pid):.1f} s", file=sys.stderr)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)


def auth(salt: str = SALT) -> dict[str, str]:
    token = hashlib.md5((PASSWORD + salt).encode()).hexdigest()
    return {"u": "bench", "t": token, "s": salt, "v": "1.16.1", "c": "bench", "f": "json"}


def failed(status: int, body: bytes) -> bool:
    """A Subsonic error comes back as 200 with status "failed" near the start of the body."""
    return status != 200 or b'"status":"failed"' in body[:400]


def rest(base: str, endpoint: str, salt: str = SALT, **params: object) -> str:
    from urllib.parse import urlencode

    return f"{base}/rest/{endpoint}?{urlencode({**auth(salt), **params})}"


def fresh_salts(base: str, endpoint: str, count: int) -> list[str]:
    return [rest(base, endpoint, salt=os.urandom(6).hex()) for _ in range(count)]
