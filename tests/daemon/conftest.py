"""Daemon fixtures: a real app on 127.0.0.1 with a real SQLite file in tmp_path."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tunecamp.daemon.accounts.sessions import SIGNER
from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.users import User, create_user, get_user_by_name, hash_password_sync, set_artists

PASSWORD = "correct horse battery"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small built site, as the generator would leave it."""
    public = tmp_path / "public"
    files = {
        "index.html": "<h1>Home</h1>",
        "404.html": "<h1>Not here</h1>",
        "releases/morning/index.html": "<h1>Morning</h1>",
        "releases/morning/playlist.m3u8": "#EXTM3U\n",
        "artists/a/feed.rss": "<rss/>",
        "artists/a/feed.atom": "<feed/>",
        "catalog.json": "{}",
        "style.css": "body{}",
    }
    for name, text in files.items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_text(text)
    return public


@pytest.fixture
def catalog_content(tmp_path: Path, make_audio: Any) -> Path:
    """A real catalog: one published release and one draft, with real audio."""
    content = tmp_path / "catalog"
    files = {
        "catalog.yaml": "title: Test Label\nbase_url: http://127.0.0.1:8000\n",
        "artists/aurora/artist.yaml": "name: Aurora Lane\n",
        "releases/tides/release.yaml": "status: published\ntitle: Morning Tides\nartist: aurora\n",
        "releases/drafty/release.yaml": "# the artist's own note, kept by promotion\ntitle: Night Drafts\n"
        "artist: aurora  # inline comment\ngenres: [ambient]\n",
    }
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    make_audio(content / "releases/tides/01 - First Light.flac", tags={"title": "First Light"})
    make_audio(content / "releases/drafty/01 - Unfinished.mp3", freq=330, tags={"title": "Unfinished"})
    return content


@pytest.fixture
def site_config(tmp_path: Path, catalog_content: Path) -> DaemonConfig:
    """Settings for a daemon that builds `catalog_content` into tmp_path/site."""
    return DaemonConfig(
        content_dir=catalog_content,
        data_dir=tmp_path / "data",
        public_dir=tmp_path / "site",
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
    )


@pytest.fixture
def config(tmp_path: Path, site: Path) -> DaemonConfig:
    (tmp_path / "content").mkdir(exist_ok=True)
    return DaemonConfig(
        content_dir=tmp_path / "content",
        data_dir=tmp_path / "data",
        public_dir=site,
        bcrypt_rounds=4,
        login_rate_address=Rate(50, 60),
        login_rate_account=Rate(5, 60),
        build_on_start=False,
        build_transcode=False,
        watch=False,
    )


@pytest.fixture
async def client(aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig) -> TestClient:
    return await aiohttp_client(create_app(config))


async def _add_user(
    app: web.Application, username: str, role: str, artists: tuple[str, ...] = (), password: str = PASSWORD
) -> User:
    hashed = hash_password_sync(password, 4)

    def add(db: Any) -> User:
        user = create_user(db, username, hashed, role)
        if artists:
            set_artists(db, user.id, list(artists))
        found = get_user_by_name(db, username)
        assert found is not None
        return found

    return await app[DB].run(add)


async def _token_for(app: web.Application, username: str, ttl: int = 3600, now: float | None = None) -> str:
    user = await app[DB].run(lambda db: get_user_by_name(db, username))
    assert user is not None
    return app[SIGNER].issue(user.id, user.token_generation, ttl, now if now is not None else time.time())


@pytest.fixture
def add_user() -> Callable[..., Awaitable[User]]:
    """await add_user(app, name, role, artists=(), password=PASSWORD)"""
    return _add_user


@pytest.fixture
def token_for() -> Callable[..., Awaitable[str]]:
    """await token_for(app, name, ttl=3600, now=None): a token as login would issue it"""
    return _token_for


@pytest.fixture
async def owner_headers(client: TestClient, add_user: Any, token_for: Any) -> dict[str, str]:
    await add_user(client.app, "olivia", "owner")
    return {"Authorization": f"Bearer {await token_for(client.app, 'olivia')}"}
