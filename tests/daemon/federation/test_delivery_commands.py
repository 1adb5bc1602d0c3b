"""`tunecamp keys ensure|rotate` and `tunecamp federation move` on a real catalog, built for real."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import click
import pytest
from click.testing import CliRunner
from fedsite import Site

from tunecamp.daemon.cli import open_jobs, tunecamp
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db, connect
from tunecamp.daemon.federation import outbox
from tunecamp.daemon.federation.move import enqueue_to_followers
from tunecamp.daemon.federation.outbox import Activity, Outbox
from tunecamp.daemon.migrations import apply_migrations


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(tunecamp(), list(args), env=env, catch_exceptions=False)


@contextlib.contextmanager
def db_conn(db: Db) -> Iterator[Callable[[Activity, list[str]], Awaitable[int]]]:
    """Write an activity to the outbox as a command does, on the command's own database."""

    async def add(activity: Activity, inboxes: list[str]) -> int:
        def write(d: Any) -> int:
            with d.conn:
                return outbox.add(d, activity, inboxes)

        return await db.run(write)

    yield add


def database(data: Path) -> Any:
    data.mkdir(parents=True, exist_ok=True)
    db = connect(data / "tunecamp.db")
    apply_migrations(db)
    return db


def test_keys_ensure_makes_the_missing_keys_and_exports_them(tmp_path: Path) -> None:
    data, public = tmp_path / "data", tmp_path / "public"
    database(data).close()
    Site(public).publish("tides")
    r = invoke("keys", "ensure", "--data", str(data), "--public", str(public))
    assert r.exit_code == 0, r.output
    assert "2 new key(s): aurora, label" in r.output
    exported = json.loads((data / "federation/public-keys.json").read_text())
    assert exported["keys"]["aurora"]["id"] == "http://site.test/ap/artists/aurora.json#main-key"
    assert exported["keys"]["aurora"]["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    again = invoke("keys", "ensure", "--data", str(data), "--public", str(public))
    assert "0 new key(s)" in again.output


def test_keys_commands_say_what_is_missing(tmp_path: Path) -> None:
    r = invoke("keys", "ensure", "--data", str(tmp_path / "nowhere"))
    assert r.exit_code == 1 and "no TuneCamp database" in r.output
    database(tmp_path / "data").close()
    r = invoke("keys", "ensure", "--data", str(tmp_path / "data"), "--public", str(tmp_path / "public"))
    assert r.exit_code == 1 and "manifest.json: not there" in r.output and "daemon_url" in r.output
    Site(tmp_path / "public").publish("tides")
    r = invoke(
        "keys", "rotate", "nobody", "--data", str(tmp_path / "data"), "--public", str(tmp_path / "public")
    )
    assert r.exit_code == 1 and "nobody: not an actor of this site" in r.output


@pytest.fixture
def built(tmp_path: Path, make_audio: Any) -> Iterator[tuple[Path, Path, Path]]:
    """A catalog with daemon_url, built with its actors' keys: (content, public, data)."""
    content, public, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    files = {
        "catalog.yaml": "title: Label\nbase_url: https://music.example\ndaemon_url: https://music.example\n",
        "artists/aurora-lane/artist.yaml": "name: Aurora Lane\n",
        "releases/tides/release.yaml": "status: published\ntitle: Morning Tides\nartist: aurora-lane\n",
    }
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    make_audio(content / "releases/tides/01 - First Light.flac", tags={"title": "First Light"})
    db = database(data)
    folders = ["--data", str(data)]
    assert invoke("build", str(content), "-o", str(public), *folders, "--no-transcode").exit_code == 0
    assert invoke("keys", "ensure", *folders, "--public", str(public)).exit_code == 0
    assert invoke("build", str(content), "-o", str(public), *folders, "--no-transcode").exit_code == 0
    with db.conn:
        db.execute(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
            " VALUES ('aurora-lane', 'https://fans.example/u/a', 'https://fans.example/u/a/inbox',"
            " 'https://fans.example/inbox', 'f', '{}', 'accepted', '2026-01-01')"
        )
    db.close()
    yield content, public, data


def queued(data: Path) -> list[dict[str, Any]]:
    """The activities the command handed to the jobs engine (SQLite: its jobs table), with the inbox."""
    db = connect(data / "tunecamp.db")
    rows = db.execute(
        "SELECT a.body, json_extract(j.payload, '$.inbox') FROM jobs j"
        " JOIN fed_activities a ON a.id = json_extract(j.payload, '$.activity')"
        " WHERE j.kind = 'federation.deliver' AND a.inboxes IS NULL"
    ).fetchall()
    db.close()
    return [{**json.loads(body), "_inbox": inbox} for body, inbox in rows]


@pytest.mark.slow
def test_keys_rotate_rebuilds_and_queues_update_person(built: tuple[Path, Path, Path]) -> None:
    content, public, data = built
    actor_file = public / "ap/artists/aurora-lane.json"
    old = json.loads(actor_file.read_text())["publicKey"]["publicKeyPem"]
    folders = ["--data", str(data), "--public", str(public), "--content", str(content)]
    r = invoke("keys", "rotate", "aurora-lane", *folders, env={"TUNECAMP_BUILD_TRANSCODE": "false"})
    assert r.exit_code == 0, r.output
    assert "Update{Person} queued for 1 inbox(es)" in r.output
    new = json.loads(actor_file.read_text())["publicKey"]["publicKeyPem"]
    assert new != old  # the site was rebuilt with the new key
    (update,) = queued(data)
    assert update["type"] == "Update" and update["_inbox"] == "https://fans.example/inbox"
    assert update["object"]["type"] == "Person" and update["object"]["publicKey"]["publicKeyPem"] == new


class Target(BaseHTTPRequestHandler):
    document: ClassVar[dict[str, Any]] = {}

    def do_GET(self) -> None:
        body = json.dumps(self.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def target() -> Iterator[tuple[str, type[Target]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/users/aurora", Target
    server.shutdown()


@pytest.mark.slow
def test_move_checks_the_alias_then_writes_moved_to_and_queues_move(
    built: tuple[Path, Path, Path], target: tuple[str, type[Target]]
) -> None:
    content, public, data = built
    url, handler = target
    ours = "https://music.example/ap/artists/aurora-lane.json"
    folders = ["--data", str(data), "--public", str(public), "--content", str(content)]
    env = {"TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true", "TUNECAMP_BUILD_TRANSCODE": "false"}
    handler.document = {"id": url, "type": "Person", "alsoKnownAs": []}
    r = invoke("federation", "move", "aurora-lane", "--to", url, *folders, env=env)
    assert r.exit_code == 1 and f"must first list {ours} as an alias" in r.output
    assert "moved_to" not in (content / "artists/aurora-lane/artist.yaml").read_text()
    assert queued(data) == []

    handler.document = {"id": url, "type": "Person", "alsoKnownAs": [ours]}
    r = invoke("federation", "move", "aurora-lane", "--to", url, *folders, env=env)
    assert r.exit_code == 0, r.output
    assert (
        content / "artists/aurora-lane/artist.yaml"
    ).read_text() == f'name: Aurora Lane\nmoved_to: "{url}"\n'
    person = json.loads((public / "ap/artists/aurora-lane.json").read_text())
    assert person["movedTo"] == url  # the site was rebuilt with it
    (move,) = queued(data)
    assert move["type"] == "Move" and move["object"] == ours and move["target"] == url
    assert move["_inbox"] == "https://fans.example/inbox"


def test_move_refuses_what_is_not_an_artist_or_an_actor_url(tmp_path: Path) -> None:
    database(tmp_path / "data").close()
    Site(tmp_path / "public").publish("tides")
    folders = ["--data", str(tmp_path / "data"), "--public", str(tmp_path / "public")]
    r = invoke("federation", "move", "label", "--to", "https://x.example/u", *folders)
    assert r.exit_code == 1 and "label: not an artist of this site" in r.output
    r = invoke("federation", "move", "aurora", "--to", "ftp://x.example/u", *folders)
    assert r.exit_code == 1 and "the new account's actor URL" in r.output


@pytest.fixture(params=["sqlite", "redis"])
def engine_config(request: pytest.FixtureRequest, tmp_path: Path) -> DaemonConfig:
    redis = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return DaemonConfig(content_dir=tmp_path, data_dir=tmp_path / "data", redis_url=redis)


async def test_a_command_hands_what_it_wrote_to_the_daemons_engine(engine_config: DaemonConfig) -> None:
    """What `keys rotate` and `federation move` do after writing: SQLite's jobs table, or Redis."""
    db = Db(engine_config.database_path)
    await db.open()
    try:
        update = Activity("https://music.example/a#update-1", "aurora", {"id": "x", "type": "Update"})
        await db.run(lambda d: enqueue_to_followers(d, update, ["aurora"]))  # nobody follows: nothing
        with db_conn(db) as add:
            await add(update, ["https://fans.example/inbox", "https://other.example/inbox"])
        async with open_jobs(engine_config, db) as jobs:
            assert jobs.backend == ("redis" if engine_config.redis_url else "sqlite")
            assert await Outbox(db, jobs).hand_over() == 0  # known: written once, never twice
            fresh = Activity("https://music.example/a#move-1", "aurora", {"id": "y", "type": "Move"})
            await add(fresh, ["https://fans.example/inbox", "https://other.example/inbox"])
            assert await Outbox(db, jobs).hand_over() == 2
            assert (await jobs.counts())["federation.deliver"].queued == 2
            assert await Outbox(db, jobs).hand_over() == 0
    finally:
        await db.close()


def test_a_command_says_when_redis_does_not_answer(tmp_path: Path) -> None:
    config = DaemonConfig(content_dir=tmp_path, data_dir=tmp_path / "data", redis_url="redis://127.0.0.1:1/0")

    async def run() -> None:
        db = Db(config.database_path)
        await db.open()
        try:
            async with open_jobs(config, db):
                pass
        finally:
            await db.close()

    with pytest.raises(click.ClickException, match="TUNECAMP_REDIS_URL: Redis does not answer"):
        asyncio.run(run())
