"""Benchmark: federation delivery fan-out and inbox throughput, against bare aiohttp baselines.

    .venv/bin/python bench/federation.py [--followers 10000] [--hosts 500] [--rate 1000] [--seconds 10]
                                         [--write docs/performance.md]

Fan-out: 10,000 followers of one artist on 500 servers, each with a shared inbox. A release is
published (publishing.sync on a real database: the manifest against what was delivered) and the
delivery worker (its shipped settings) signs and POSTs through the guarded outbound client until
every delivery is acknowledged. The 500 servers are one aiohttp process (a helper this script
starts) that answers 500 host names, mapped to 127.0.0.1 by the outbound client's resolver seam;
it verifies every signature (draft-cavage, tunecamp's verifier) and counts requests per host.
Printed: requests (must be exactly one per shared inbox), signatures verified, signatures/s
(signing time alone), wall time from publish to the last acknowledgement, peak RSS of this
process; and the same 500 bodies POSTed unsigned by a bare aiohttp client as the baseline.

Inbox: `tunecamp serve` as its own process, 1,000 signed POSTs/s (Likes from 50 remote actors,
half draft-cavage, half RFC 9421, signed beforehand) for 10 s, open loop: each request's latency
runs from when it was due, so a daemon falling behind shows in the numbers. Every POST is
verified (signature, digest, date, key owner) and stored. The same schedule against a bare
aiohttp app answering 202 is the baseline. The remote actors' documents are served by the helper.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from load import free_port, wait_ready, write_section  # bench/ is on sys.path: this file runs as a script

from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import delivery, publishing, sending
from tunecamp.daemon.federation.delivery import DeliverySettings, DeliveryWorker
from tunecamp.daemon.federation.keys import ActorKey, KeyStore, generate
from tunecamp.daemon.federation.queue import SqliteQueue
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage, sign_rfc9421
from tunecamp.daemon.outbound import Outbound, OutboundConfig

AS = "https://www.w3.org/ns/activitystreams"
TARGETS = {"wall": 10.0, "p99_ms": 100.0}
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

    app = web.Application(client_max_size=2**20)
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/plain", plain)
    app.router.add_get("/actors/{n}", actor)
    app.router.add_get("/stats", report)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
    requests: int
    verified: int
    max_per_host: int
    wall: float
    signatures: int
    signatures_per_s: float
    baseline: float
    rss_mb: float


async def fan_out(tmp: Path, followers: int, hosts: int, port: int) -> FanOut:
    db = Db(tmp / "tunecamp.db")
    await db.open()
    store = KeyStore(db)
    await store.ensure("aurora")  # made before the helper started (it verifies with it)
    per_host = followers // hosts

    def follow(database: Any) -> None:
        rows = [
            (
                "aurora",
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
        with database.conn:
            database.conn.executemany("INSERT INTO fed_followers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    public, base = tmp / "public", "https://site.example"
    write_site(public, base, ["first"])
    await db.run(lambda d: publishing.sync(d, publishing.read_site(public)))  # before anyone followed
    await db.run(follow)

    async def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    outbound = Outbound(OutboundConfig(allow_loopback=True, timeout=30), lookup=loopback)
    signing = sending.signing_keys(db)
    signed = {"n": 0}

    async def counted_sign(username: str, inbox: str, body: bytes) -> dict[str, str]:
        signed["n"] += 1
        return await signing(username, inbox, body)

    worker = DeliveryWorker(
        SqliteQueue(db),
        sending.outbound_sender(outbound),
        counted_sign,
        sending.follows_gone(db),
        DeliverySettings(),
    )
    async with delivery.running(worker):
        write_site(public, base, ["first", "second"])
        started = time.perf_counter()
        report = await db.run(lambda d: publishing.sync(d, publishing.read_site(public)))
        worker.wake()
        await worker.drain(600)
        wall = time.perf_counter() - started
    rss = peak_rss_mb()
    # signing alone, as the worker does it per attempt (the key parsed once, cached)
    private = (await store.ensure("aurora")).private_key
    body = json.dumps({"id": "x", "object": {"content": "x" * 400}}).encode()
    started = time.perf_counter()
    for h in range(hosts):
        sign_cavage(
            "POST",
            f"http://host{h}.test/inbox",
            {},
            body,
            SigningKey(f"{base}/ap/artists/aurora.json#main-key", private),
        )
    signatures_per_s = hosts / (time.perf_counter() - started)
    async with aiohttp.ClientSession() as session:
        stats = await (await session.get(f"http://127.0.0.1:{port}/stats")).json()
    # the baseline: the same bodies, unsigned, one client, as many at once as the worker allows
    body = json.dumps({"type": "Create", "id": "x", "object": {"content": "x" * 400}}).encode()
    connector = aiohttp.TCPConnector(limit=DeliverySettings().concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(DeliverySettings().concurrency)

        async def post(h: int) -> None:
            async with (
                gate,
                session.post(
                    f"http://127.0.0.1:{port}/plain", data=body, headers={"Host": f"host{h}.test:{port}"}
                ) as r,
            ):
                await r.read()

        started = time.perf_counter()
        await asyncio.gather(*(post(h) for h in range(hosts)))
        baseline = time.perf_counter() - started
    await outbound.close()
    await db.close()
    assert report.deliveries == hosts, report
    return FanOut(
        followers,
        hosts,
        stats["requests"],
        stats["verified"],
        stats["max_per_host"],
        wall,
        signed["n"],
        signatures_per_s,
        baseline,
        rss,
    )


# --- inbox throughput --------------------------------------------------------------------------------


@dataclass
class InboxLoad:
    rate: int
    seconds: float
    sent: int
    accepted: int
    errors: dict[int, int]
    p50_ms: float
    p99_ms: float
    achieved: float

    @classmethod
    def of(
        cls, rate: int, seconds: float, latencies: list[float], errors: dict[int, int], elapsed: float
    ) -> InboxLoad:
        """The figures of one open-loop run (open_loop's latencies, errors and elapsed time)."""
        total = int(rate * seconds)
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        return cls(rate, seconds, total, total - sum(errors.values()), errors, p50, p99, total / elapsed)


async def open_loop(
    url_of: Any, bodies: list[tuple[bytes, dict[str, str]]], rate: int
) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    errors: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=512)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            body, headers = bodies[i]
            try:
                async with session.post(url_of(i), data=body, headers=headers) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError:
                status = 0
            latencies.append(time.perf_counter() - due)
            if status != 202:
                errors[status] = errors.get(status, 0) + 1

        await asyncio.gather(*(one(i) for i in range(len(bodies))))
        elapsed = time.perf_counter() - start
    return latencies, errors, elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def inbox_load(
    tmp: Path, rate: int, seconds: float, helper_port: int, fan_private: str
) -> tuple[InboxLoad, InboxLoad]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp / "content").mkdir()
    public = tmp / "daemon-public"
    public.mkdir()
    (public / "index.html").write_text("<h1>bench</h1>")
    write_site(public, base, ["first"])
    env = {
        **os.environ,
        "TUNECAMP_DATA_DIR": str(tmp / "daemon-data"),
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "TUNECAMP_INBOX_RATE_HOST": "100000000/60",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_LOG_LEVEL": "warning",
    }
    env.pop("SENTRY_DSN", None)
    command = [
        sys.executable,
        "-c",
        "from tunecamp.daemon.cli import main; main()",
        "serve",
        "--no-build",
        "--content",
        str(tmp / "content"),
        "--public",
        str(public),
        "--port",
        str(port),
    ]
    note = f"{base}/ap/releases/first/note.json"
    total = int(rate * seconds)
    actors = 50
    fan_key = ActorKey("fan", "", fan_private, "").private_key  # parsed once
    bodies = []
    signed_at = time.perf_counter()
    for i in range(total + actors):
        n = i % actors
        actor = f"http://127.0.0.1:{helper_port}/actors/{n}"
        activity = {"@context": AS, "id": f"{actor}#like-{i}", "type": "Like", "actor": actor, "object": note}
        body = json.dumps(activity).encode()
        sign = sign_rfc9421 if i % 2 else sign_cavage
        url = f"{base}/users/aurora/inbox"
        headers = sign(
            "POST",
            url,
            {"Content-Type": "application/activity+json"},
            body,
            SigningKey(f"{actor}#main-key", fan_key),
        )
        bodies.append((body, headers))
    print(f"signed {len(bodies)} requests in {time.perf_counter() - signed_at:.1f} s", file=sys.stderr)
    with process(command, env):
        wait_ready(f"{base}/health", timeout=60)
        _, errors, _ = await open_loop(
            lambda i: f"{base}/users/aurora/inbox", bodies[:actors], 50
        )  # key fetches
        if errors:
            raise SystemExit(f"the daemon refused the warm-up POSTs: {errors}")
        daemon = await open_loop(lambda i: f"{base}/users/aurora/inbox", bodies[actors:], rate)
    bare = await open_loop(lambda i: f"http://127.0.0.1:{helper_port}/plain", bodies[actors:], rate)
    return InboxLoad.of(rate, seconds, *daemon), InboxLoad.of(rate, seconds, *bare)


# --- report ------------------------------------------------------------------------------------------


def table(f: FanOut, daemon: InboxLoad, bare: InboxLoad, load: float) -> str:
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared by the daemon, "
            f"the helper servers and the load client, Python {platform.python_version()}; load average "
            f"{load:.1f} before the run (other work on the machine shows in the baselines).",
            "",
            f"| Fan-out: one release to {f.followers:,} followers on {f.hosts} servers | Measured | Target |",
            "| --- | --- | --- |",
            f"| requests (one per shared inbox) | {f.requests:,} (at most {f.max_per_host} per server) | {f.hosts} {ok(f.requests == f.hosts)} |",
            f"| signatures verified by the servers | {f.verified:,} | {f.hosts} {ok(f.verified == f.hosts)} |",
            f"| wall time, publish → last acknowledgement | {f.wall:.2f} s | ≤ {TARGETS['wall']:.0f} s {ok(f.wall <= TARGETS['wall'])} |",
            f"| signing (rsa-sha256, at send time) | {f.signatures_per_s:,.0f} signatures/s | |",
            f"| baseline: the same {f.hosts} POSTs unsigned, bare aiohttp | {f.baseline:.2f} s ({f.wall / f.baseline:.1f}× ours) | |",
            f"| peak RSS of the process | {f.rss_mb:.0f} MB | |",
            "",
            f"| Inbox: {daemon.rate:,} signed POSTs/s for {daemon.seconds:g} s, open loop | Daemon | Bare aiohttp (202) | Target |",
            "| --- | --- | --- | --- |",
            f"| accepted (202) | {daemon.accepted:,} of {daemon.sent:,} | {bare.accepted:,} | |",
            f"| achieved rate | {daemon.achieved:,.0f}/s | {bare.achieved:,.0f}/s | {daemon.rate:,}/s |",
            f"| p50 latency | {daemon.p50_ms:.1f} ms | {bare.p50_ms:.1f} ms | |",
            f"| p99 latency | {daemon.p99_ms:.1f} ms | {bare.p99_ms:.1f} ms | < {TARGETS['p99_ms']:.0f} ms {ok(daemon.p99_ms < TARGETS['p99_ms'])} |",
        ]
        + (["", f"Errors: {daemon.errors}"] if daemon.errors else [])
    )


async def run(args: argparse.Namespace) -> str:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        fan_private, fan_public = generate()
        (tmp / "keys.json").write_text(json.dumps({"fan_public": fan_public}))
        port = free_port()
        # the helper reads keys.json when it starts: the artist's key is made first
        db = Db(tmp / "tunecamp.db")
        await db.open()
        key = await KeyStore(db).ensure("aurora")
        await db.close()
        (tmp / "keys.json").write_text(
            json.dumps({"fan_public": fan_public, "artist_public": key.public_pem})
        )
        with process([sys.executable, __file__, HELPER, str(port), str(tmp / "keys.json")]):
            wait_ready(f"http://127.0.0.1:{port}/stats", timeout=30)
            f = await fan_out(tmp, args.followers, args.hosts, port)
            print(f"fan-out: {f}", file=sys.stderr)
            daemon, bare = await inbox_load(tmp, args.rate, args.seconds, port, fan_private)
            print(f"inbox: {daemon}\nbare: {bare}", file=sys.stderr)
    return table(f, daemon, bare, load)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == HELPER:
        helper(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--rate", type=int, default=1000, help="inbox POSTs per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--write", type=Path, help="update the Federation section of this Markdown file")
    args = parser.parse_args()
    body = asyncio.run(run(args))
    print(body)
    if args.write:
        write_section(args.write, "Federation", "bench/federation.py", body)


if __name__ == "__main__":
    main()
