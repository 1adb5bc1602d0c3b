"""A data directory made before the daemon moved into feature folders keeps working.

fixtures/db-before-rooms.sqlite was made by the daemon of commit f9914b1 (see
fixtures/make_db_before_rooms.py): every table holds a row. Opened with today's code, it
migrates without error (every (set, name) it recorded is still a known migration, so nothing
is applied twice), it has the schema a fresh database gets, and what it holds reads back
through the daemon: sign-in, an account's artists, the catalog index, the Subsonic API key
and app password, stars, ratings, plays, a playlist, a bookmark and a play queue.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import SETS, apply_migrations

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE = FIXTURES / "db-before-rooms.sqlite"
SECRETS: dict[str, str] = json.loads((FIXTURES / "db-before-rooms.json").read_text())
# Migration sets added since the split (new features' tables): the database of before gets them
# as any database made before them does, by applying them; the rest must be as it was.
LATER = (
    "tunecamp.entitlements",
    "tunecamp.unlock",
    "tunecamp.payments",
    "tunecamp.federation",
    "tunecamp.live",
    "tunecamp.discovery",
    "tunecamp.chat",
    "tunecamp.enrich",
    "tunecamp.subsonic",
    "tunecamp.accounts",  # empty at the split; account_languages came with issue 18
    "tunecamp.jobqueue",  # background jobs (issue 20)
    "tunecamp.site",  # empty at the split (its tables are in tunecamp.instance); queued builds came with issue 20
)
# Tables a later migration rebuilt (SQLite cannot alter a CHECK): builds, for its `queued` state.
REBUILT = {"builds"}
AT_THE_SPLIT = tuple(s for s in SETS if s.name not in LATER)


def _schema(path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(path) as conn:
        return sorted(
            conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        )


def _recorded(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"))


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "tunecamp.db"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BEFORE, target)
    return target


def test_a_fresh_database_gets_the_schema_of_before(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    db = connect(fresh)
    apply_migrations(db, AT_THE_SPLIT)
    db.close()
    assert _schema(fresh) == _schema(BEFORE)
    assert _recorded(fresh) == _recorded(BEFORE)  # the same (set, name) pairs, in the same order


def test_the_database_of_before_migrates_without_error(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    db = connect(path)
    assert apply_migrations(db, AT_THE_SPLIT) == []  # everything it recorded is still known by its name
    later = apply_migrations(db)
    assert later and all(name.split(":")[0] in LATER for name in later)
    assert apply_migrations(db) == []
    db.close()
    kept = {entry for entry in _schema(BEFORE) if entry[2] not in REBUILT}
    assert kept <= set(_schema(path))  # later sets only add tables of their own, but REBUILT
    with sqlite3.connect(path) as conn, sqlite3.connect(BEFORE) as before:
        rows = "SELECT id, reason, state, log FROM builds ORDER BY id"
        assert list(conn.execute(rows)) == list(before.execute(rows))  # its rows kept


async def _json(client: TestClient, path: str, **params: str) -> Any:
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_what_it_holds_reads_back_through_the_daemon(
    tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    _copy(tmp_path)
    (tmp_path / "content").mkdir()
    config = DaemonConfig(
        content_dir=tmp_path / "content",
        data_dir=tmp_path / "data",
        public_dir=tmp_path / "public",
        jwt_secret=SECRETS["jwt_secret"],
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
    )
    client = await aiohttp_client(create_app(config))

    login = await client.post("/api/auth/login", json={"username": "olivia", "password": SECRETS["password"]})
    assert login.status == 200, await login.text()
    headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
    users = await client.get("/api/admin/users", headers=headers)
    by_name = {u["username"]: u for u in (await users.json())["users"]}
    assert by_name["carl"]["role"] == "curator" and by_name["carl"]["artists"] == ["aurora"]
    releases = await client.get("/api/admin/releases", headers=headers)
    assert {r["slug"]: r["status"] for r in (await releases.json())["releases"]} == {
        "tides": "published",
        "drafty": "draft",
    }

    key = {"apiKey": SECRETS["api_key"], "f": "json", "c": "test", "v": "1.16.1"}
    starred = (await _json(client, "/rest/getStarred2", **key))["subsonic-response"]
    assert starred["status"] == "ok", starred
    assert [s["title"] for s in starred["starred2"]["song"]] == ["First Light"]
    assert [a["name"] for a in starred["starred2"]["album"]] == ["Morning Tides"]
    assert [a["name"] for a in starred["starred2"]["artist"]] == ["Aurora Lane"]
    assert starred["starred2"]["song"][0]["userRating"] == 4
    assert starred["starred2"]["song"][0]["playCount"] == 1

    playlists = (await _json(client, "/rest/getPlaylists", **key))["subsonic-response"]["playlists"]
    assert [(p["name"], p["songCount"]) for p in playlists["playlist"]] == [("Morning mix", 2)]
    bookmarks = (await _json(client, "/rest/getBookmarks", **key))["subsonic-response"]["bookmarks"]
    assert [(b["entry"]["title"], b["position"]) for b in bookmarks["bookmark"]] == [("High Water", 700)]
    queue = (await _json(client, "/rest/getPlayQueue", **key))["subsonic-response"]["playQueue"]
    assert [e["title"] for e in queue["entry"]] == ["First Light", "High Water"] and queue["position"] == 300

    password = {"u": "lena", "p": SECRETS["app_password"], "f": "json", "c": "test", "v": "1.16.1"}
    ping = (await _json(client, "/rest/ping", **password))["subsonic-response"]
    assert ping["status"] == "ok", ping  # the app password still decrypts with the instance secret
