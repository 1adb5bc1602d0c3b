"""A real daemon for the Subsonic tests: real audio, a scanned catalog, users, on 127.0.0.1.

The daemon runs in a thread with its own event loop, so the tests (and the real client
libraries, which are blocking) talk to it over TCP exactly as an app would.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from tunecamp.daemon.access_log import ACCESS_LOGGER, AccessLogger
from tunecamp.daemon.app import create_app
from tunecamp.daemon.catalog_index import refresh
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.daemon.subsonic.credentials import PasswordBox, create_api_key, set_app_password
from tunecamp.daemon.subsonic.media_rows import refresh_media
from tunecamp.daemon.users import create_user, hash_password_sync
from tunecamp.generator.catalog.scan import scan

SECRET = "subsonic-tests-secret-0123456789abcdef"
PASSWORDS = {"lena": "lena's app password", "carl": "carl's app password", "olga": "olga's app password"}
ROLES = {"lena": "listener", "carl": "curator", "olga": "owner", "nopass": "listener"}
LYRICS = "[00:00.50]First line\n[00:01.50]Second line\n"
# A 2x1 PNG (red, blue): a real picture with a shape to check after resizing.
PNG_2PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000010802000000"
    "7b40e8dd0000000f4944415408d763f8cfc0f01f0003ff01fe0d5a4d680000000049454e44ae426082"
)


def write_catalog(content: Path, make_audio: Any) -> Path:
    """Two artists; a published album (FLAC + MP3, a cover, lyrics), a paid single, a draft."""
    from PIL import Image

    files = {
        "catalog.yaml": "title: Test Label\nbase_url: http://127.0.0.1:8000\ndaemon_url: http://127.0.0.1:8000\n",
        "artists/aurora/artist.yaml": "name: Aurora Lane\n",
        "artists/aurora/bio.md": "Ambient from the coast.\n",
        "artists/brook/artist.yaml": "name: Brook Ferris\n",
        "releases/tides/release.yaml": "status: published\ntitle: Morning Tides\nartist: aurora\n"
        "date: 2021-05-01\ngenres: [ambient]\ndownload: free\nlabel: Shore Records\n",
        "releases/sold/release.yaml": "status: published\ntitle: Paid Single\nartist: brook\n"
        "date: 2023-01-01\ngenres: [folk]\ndownload: paid\nprice: 5\n",
        "releases/drafty/release.yaml": "title: Night Drafts\nartist: aurora\ngenres: [ambient]\n",
        "releases/tides/01 - First Light.lrc": LYRICS,
    }
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(content / "releases/tides/cover.png")
    make_audio(content / "releases/tides/01 - First Light.flac", seconds=6.0, tags={"title": "First Light"})
    make_audio(
        content / "releases/tides/02 - Low Water.mp3", seconds=2.0, freq=550, tags={"title": "Low Water"}
    )
    make_audio(content / "releases/sold/01 - Lantern.flac", seconds=2.0, freq=660, tags={"title": "Lantern"})
    make_audio(content / "releases/drafty/01 - Unfinished.mp3", freq=330, tags={"title": "Unfinished"})
    return content


def index_catalog(config: DaemonConfig) -> None:
    """Scan content/ into the catalog index, as a build would (without building the site)."""
    catalog, problems = scan(config.content_dir)
    assert not problems.errors, problems.errors
    db = connect(config.database_path)
    try:
        apply_migrations(db)
        refresh(db, catalog)
        refresh_media(db, catalog)
    finally:
        db.close()


@dataclass
class Daemon:
    url: str
    config: DaemonConfig
    app: web.Application
    loop: asyncio.AbstractEventLoop
    api_keys: dict[str, str] = field(default_factory=dict)

    @property
    def rest(self) -> str:
        return f"{self.url}/rest"

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def params(self, user: str = "lena", **extra: Any) -> dict[str, Any]:
        salt = "c19b2d"
        token = hashlib.md5((PASSWORDS[user] + salt).encode()).hexdigest()
        return {"u": user, "t": token, "s": salt, "v": "1.16.1", "c": "tests", **extra}

    def get(self, endpoint: str, user: str = "lena", **extra: Any) -> httpx.Response:
        return httpx.get(f"{self.rest}/{endpoint}", params=self.params(user, **extra), timeout=30)

    def json(self, endpoint: str, user: str = "lena", **extra: Any) -> dict[str, Any]:
        response = self.get(endpoint, user, f="json", **extra)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["subsonic-response"]
        return body

    def ok(self, endpoint: str, user: str = "lena", **extra: Any) -> dict[str, Any]:
        body = self.json(endpoint, user, **extra)
        assert body["status"] == "ok", body
        return body


def make_config(root: Path, content: Path, **overrides: Any) -> DaemonConfig:
    (root / "public").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        "content_dir": content,
        "data_dir": root / "data",
        "public_dir": root / "public",
        "jwt_secret": SECRET,
        "bcrypt_rounds": 4,
        "login_rate_address": Rate(1000, 60),
        "login_rate_account": Rate(1000, 60),
        "build_on_start": False,
        "build_transcode": False,
        "watch": False,
    }
    settings.update(overrides)
    return DaemonConfig(**settings)


def add_users(config: DaemonConfig) -> dict[str, str]:
    """The test users, their app passwords, and an API key each; returns the keys."""
    box = PasswordBox.from_secret(SECRET.encode())
    db = connect(config.database_path)
    keys = {}
    try:
        apply_migrations(db)
        for name, role in ROLES.items():
            user = create_user(db, name, hash_password_sync("account password 1", 4), role)
            if name in PASSWORDS:
                set_app_password(db, box, user.id, PASSWORDS[name])
            keys[name] = create_api_key(db, user.id, "tests")[1]
    finally:
        db.close()
    return keys


@contextmanager
def serve(
    config: DaemonConfig, listen_port: int = 0
) -> Iterator[tuple[str, web.Application, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    app = create_app(config)
    runner = web.AppRunner(app, access_log_class=AccessLogger, access_log=ACCESS_LOGGER)  # as `serve` runs it
    ready = threading.Event()
    port: list[int] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", listen_port)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        port.append(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port[0]}", app, loop
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def lavfi_audio(
    path: Path, seconds: float = 1.0, freq: float = 440.0, tags: dict[str, str] | None = None
) -> Path:
    """Like the `make_audio` fixture, for module-scoped fixtures: a tone straight from ffmpeg."""
    from tunecamp.generator.media.ffmpeg import ffmpeg_path

    path.parent.mkdir(parents=True, exist_ok=True)
    meta = [arg for key, value in (tags or {}).items() for arg in ("-metadata", f"{key}={value}")]
    subprocess.run(
        [ffmpeg_path(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}",
         "-ac", "1", *meta, str(path)],
        check=True,
    )  # fmt: skip
    return path


@contextmanager
def running_daemon(
    root: Path, make_audio: Any = lavfi_audio, extra: dict[str, str | bytes] | None = None, **settings: Any
) -> Iterator[Daemon]:
    """The test catalog, indexed, with the test users, served on 127.0.0.1.

    Test modules wrap it in their own fixture (imported fixtures trip the linters):

        @pytest.fixture
        def daemon(tmp_path, make_audio):
            with running_daemon(tmp_path, make_audio) as d:
                yield d
    """
    content = write_catalog(root / "content", make_audio)
    for name, data in (extra or {}).items():  # more files, under content/ or public/ ("public/...")
        target = root / name if name.startswith("public/") else content / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
    config = make_config(root, content, **settings)
    index_catalog(config)
    keys = add_users(config)
    with serve(config) as (url, app, loop):
        yield Daemon(url, config, app, loop, keys)


SITE = "https://music.example.org/"


def publish_site(daemon: Daemon) -> None:
    """A catalog.json as a build writes it, for the published releases; the snapshot reloads."""
    from tunecamp.daemon.appkeys import DB
    from tunecamp.daemon.subsonic.call import SUBSONIC

    rows = daemon.run(
        daemon.app[DB].run(
            lambda d: list(
                d.query(
                    "SELECT a.slug AS album, t.slug AS track FROM catalog_tracks t JOIN catalog_albums a ON a.id = t.album_id "
                    "WHERE a.status = 'published'"
                )
            )
        )
    )
    releases: dict[str, Any] = {}
    for r in rows:
        release = releases.setdefault(
            r["album"], {"slug": r["album"], "url": f"{SITE}releases/{r['album']}/", "tracks": []}
        )
        release["tracks"].append(
            {
                "slug": r["track"],
                "url": f"{SITE}releases/{r['album']}/{r['track']}/",
                "replaygain": {"track_gain_db": -3.5, "track_peak": 0.9, "album_gain_db": -4.0},
            }
        )
    data = {
        "catalog": {"title": "Test Label", "url": SITE, "feeds": {"podcast": f"{SITE}podcast.rss"}},
        "releases": list(releases.values()),
    }
    (daemon.config.public_dir / "catalog.json").write_text(json.dumps(data))
    daemon.app[SUBSONIC].library.invalidate()
