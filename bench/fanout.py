"""The federation fan-out, importable: N followers on M loopback servers, a release published,
every delivery signed and POSTed through the jobs engine until none is left.

    from fanout import fan_out, seed_followers, write_site, inboxes, received   # bench/ on sys.path

Used by bench/federation.py (one process: the app's own consumer, on SQLite or Redis) and meant
for bench/scale.py (real `tunecamp serve` and `tunecamp worker` processes on Redis): the pieces
work without an app too:

- `inboxes(port, key_file)`: the helper process, one aiohttp server answering M host names
  (host0.test ... mapped to 127.0.0.1 by the daemon's resolver seam, or by a Host header), that
  verifies every signature (draft-cavage, tunecamp's verifier) and counts requests per host
  (`GET /stats`); `received(port, n)` waits until it has counted n;
- `seed_followers(database, followers, hosts, port)`: the artist's accepted followers in a
  daemon's database (sqlite3; the daemon may be running), one shared inbox per host;
- `write_site(public, base, releases)`: public/ as the generator writes it (manifest, notes,
  creates) for one artist: publishing a release is writing the site with one more slug.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from load import peak_rss_mb, process  # bench/ is on sys.path: this file runs as a script

AS = "https://www.w3.org/ns/activitystreams"
HELPER = "--helper"


# --- the helper process: 500 inboxes (verifying) and the remote actors' documents ------------------


def helper(port: int, key_file: Path) -> None:
    from aiohttp import web

    from tunecamp.daemon.federation.signatures import (
        SignatureError,
        SignedRequest,
        load_public,
        verify,
    )

    keys = json.loads(key_file.read_text())
    artist_key = load_public(keys["artist_public"]) if keys.get("artist_public") else None
    stats: dict[str, Any] = {"requests": 0, "verified": 0, "failed": 0, "hosts": {}}

    async def resolve(key_id: str, refresh: bool) -> Any:
        assert artist_key is not None
        return artist_key

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        stats["requests"] += 1
        host = request.headers.get("Host", "")
        stats["hosts"][host] = stats["hosts"].get(host, 0) + 1
        try:
            await verify(
                SignedRequest("POST", (f"http://{host}{request.path_qs}",), request.headers, body), resolve
            )
        except SignatureError as exc:
            stats["failed"] += 1
            return web.Response(status=401, text=exc.reason)
        stats["verified"] += 1
        return web.Response(status=202)

    async def plain(request: web.Request) -> web.Response:  # the baseline: no verification
        await request.read()
        return web.Response(status=202)

    async def actor(request: web.Request) -> web.Response:
        n = request.match_info["n"]
        actor_id = f"http://127.0.0.1:{port}/actors/{n}"
        doc = {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": actor_id,
            "type": "Person",
            "preferredUsername": f"fan{n}",
            "inbox": f"{actor_id}/inbox",
            "publicKey": {
                "id": f"{actor_id}#main-key",
                "owner": actor_id,
                "publicKeyPem": keys["fan_public"],
            },
        }
        return web.json_response(doc, content_type="application/activity+json")

    async def report(request: web.Request) -> web.Response:
        return web.json_response(
            {**stats, "hosts": len(stats["hosts"]), "max_per_host": max(stats["hosts"].values(), default=0)}
        )

    async def reset(request: web.Request) -> web.Response:  # a run of its own: counted from zero
        stats.update({"requests": 0, "verified": 0, "failed": 0, "hosts": {}})
        return web.Response(status=204)

    app = web.Application(client_max_size=2**20)
    app.router.add_post("/reset", reset)
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/plain", plain)
    app.router.add_get("/actors/{n}", actor)
    app.router.add_get("/stats", report)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- a site as the generator writes it (one artist, one release) ----------------------------------


def write_site(public: Path, base: str, releases: list[str]) -> None:
    from hashlib import sha256

    actor = f"{base}/ap/artists/aurora.json"
    notes = []
    for slug in releases:
        note = {
            "@context": AS,
            "id": f"{base}/ap/releases/{slug}/note.json",
            "type": "Note",
            "attributedTo": actor,
            "content": f"<p>{slug}</p>",
            "to": [AS + "#Public"],
            "cc": [f"{base}/users/aurora/followers"],
        }
        create = {
            "@context": AS,
            "id": f"{base}/ap/releases/{slug}/create.json",
            "type": "Create",
            "actor": actor,
            "object": note,
            "to": note["to"],
            "cc": note["cc"],
        }
        for doc in (note, create):
            path = public / doc["id"][len(base) + 1 :]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc))
        canonical = json.dumps(note, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        notes.append(
            {
                "release": slug,
                "actor": "aurora",
                "id": note["id"],
                "create": create["id"],
                "announce": "",
                "hash": sha256(canonical.encode()).hexdigest(),
                "published": "2026-01-01T00:00:00Z",
            }
        )
    manifest = {
        "version": 1,
        "base_url": base,
        "daemon_url": base,
        "actors": [
            {
                "username": "aurora",
                "kind": "artist",
                "id": actor,
                "url": f"{base}/artists/aurora/",
                "name": "Aurora",
                "manually_approves_followers": False,
            },
            {
                "username": "label",
                "kind": "label",
                "id": f"{base}/ap/label.json",
                "url": f"{base}/",
                "name": "Label",
                "manually_approves_followers": False,
            },
        ],
        "notes": notes,
    }
    (public / "ap").mkdir(parents=True, exist_ok=True)
    (public / "ap/manifest.json").write_text(json.dumps(manifest))


# --- fan-out -----------------------------------------------------------------------------------------


@dataclass
class FanOut:
    followers: int
    hosts: int
    backend: str
    requests: int
    verified: int
    max_per_host: int
    wall: float
    cpu: float  # this process's CPU time (every thread: the loop, the database's) from publish to drained
    signatures: int
    rss_mb: float


def seed_followers(database: Path, followers: int, hosts: int, port: int, username: str = "aurora") -> None:
    """`followers` accepted followers of `username` on `hosts` servers (http://hostN.test:port), each
    server with a shared inbox: a delivery of theirs is one POST per server."""
    per_host = followers // hosts
    rows = [
        (
            username,
            f"http://host{h}.test:{port}/users/fan{i}",
            f"http://host{h}.test:{port}/users/fan{i}/inbox",
            f"http://host{h}.test:{port}/inbox",
            f"f{h}-{i}",
            "{}",
            "accepted",
            "2026-01-01",
        )
        for h in range(hosts)
        for i in range(per_host)
    ]
    with closing(sqlite3.connect(database, timeout=30)) as db, db:
        db.executemany(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


@contextmanager
def inboxes(port: int, key_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The helper process: every hostN.test's inbox (and the remote actors' documents) on one port.

    `key_file` (JSON) holds "artist_public" (the PEM that verifies the deliveries) and "fan_public"."""
    with process([sys.executable, __file__, HELPER, str(port), str(key_file)]) as proc:
        from load import wait_ready

        wait_ready(f"http://127.0.0.1:{port}/stats", timeout=30)
        yield proc


async def stats(port: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        return dict(await (await session.get(f"http://127.0.0.1:{port}/stats")).json())


async def reset(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        (await session.post(f"http://127.0.0.1:{port}/reset")).release()


async def received(port: int, requests: int, timeout: float = 600) -> dict[str, Any]:
    """Wait until the helper has counted `requests` POSTs (a fan-out by other processes)."""
    deadline = time.monotonic() + timeout
    while (found := await stats(port))["requests"] < requests:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{found['requests']} of {requests} deliveries arrived")
        await asyncio.sleep(0.05)
    return found


async def fan_out(tmp: Path, followers: int, hosts: int, port: int, redis_url: str = "") -> FanOut:
    """One release to `followers` on `hosts` servers, through the whole app in this process (the
    shipped delivery settings; its consumer runs the jobs, on SQLite or, with `redis_url`, on Redis)."""
    from aiohttp import web

    from tunecamp.daemon.app import create_app
    from tunecamp.daemon.appkeys import DB, OUTBOUND
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.federation.delivery import WORKER, drained
    from tunecamp.daemon.federation.publishing import PUBLISHER
    from tunecamp.daemon.jobs import JOBS

    public, base = tmp / "public", "https://site.example"
    (tmp / "content").mkdir(exist_ok=True)
    write_site(public, base, ["first"])
    config = DaemonConfig(
        content_dir=tmp / "content",
        data_dir=tmp,
        public_dir=public,
        build_on_start=False,
        watch=False,
        live_reload=False,
        discovery_interval=0,
        outbound_allow_loopback=True,
        outbound_timeout=30,
        redis_url=redis_url,
        jobs_in_process="on",
        log_level="warning",
    )
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()  # no listener: the deliveries go out, nothing comes in
    try:

        async def loopback(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        app[OUTBOUND].set_lookup(loopback)
        await app[PUBLISHER].sync_now()  # "first", before anyone followed: recorded, not sent
        await asyncio.to_thread(seed_followers, config.database_path, followers, hosts, port)
        worker = app[WORKER]
        signing, signed = worker.sign, {"n": 0}

        async def counted_sign(username: str, inbox: str, body: bytes) -> dict[str, str]:
            signed["n"] += 1
            return await signing(username, inbox, body)

        worker.sign = counted_sign
        await reset(port)
        write_site(public, base, ["first", "second"])
        started, cpu = time.perf_counter(), time.process_time()
        report = await app[PUBLISHER].sync_now()
        counts = await drained(app[JOBS], 600)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert report is not None and report.deliveries == hosts, report
        assert counts.dead == 0, counts
        await app[DB].run(lambda d: d.execute("PRAGMA wal_checkpoint(PASSIVE)"))
    finally:
        await runner.cleanup()
    found = await stats(port)
    return FanOut(
        followers,
        hosts,
        "redis" if redis_url else "sqlite",
        found["requests"],
        found["verified"],
        found["max_per_host"],
        wall,
        cpu,
        signed["n"],
        peak_rss_mb(),
    )


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == HELPER:
    helper(int(sys.argv[2]), Path(sys.argv[3]))
