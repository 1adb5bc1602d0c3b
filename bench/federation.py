"""Benchmark: federation delivery fan-out and inbox throughput, against bare aiohttp baselines.

    .venv/bin/python bench/federation.py [--followers 10000] [--hosts 500] [--rate 1000] [--seconds 10]
                                         [--redis redis://127.0.0.1:6379/15] [--write docs/performance.md]

Fan-out (bench/fanout.py): 10,000 followers of one artist on 500 servers, each with a shared
inbox. The whole app runs in this process without a listener, its consumer on the jobs engine
(SQLite; with --redis, a second run on Redis). A release is published (the publisher's sync: the
manifest against what was delivered, written to the outbox, handed to the engine as 500 jobs)
and the `federation.deliver` handler (its shipped settings) signs and POSTs through the guarded
outbound client until no job is left. The 500 servers are one aiohttp process (a helper this
script starts) that answers 500 host names, mapped to 127.0.0.1 by the outbound client's
resolver seam; it verifies every signature (draft-cavage, tunecamp's verifier) and counts
requests per host. Printed: requests (must be exactly one per shared inbox), signatures
verified, wall and CPU time of this process from publish to the last acknowledgement (the CPU
time means something on a busy machine; the wall time does not), peak RSS; signatures/s
(signing alone) and the same 500 bodies POSTed unsigned by a bare aiohttp client as yardsticks.

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
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from fanout import AS, FanOut, fan_out, inboxes, write_site
from load import (  # bench/ is on sys.path: this file runs as a script
    free_port,
    process,
    wait_ready,
    write_section,
)

from tunecamp.daemon.federation.delivery import DeliverySettings
from tunecamp.daemon.federation.keys import ActorKey, generate
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage, sign_rfc9421

TARGETS = {"wall": 10.0, "p99_ms": 100.0}


# --- the fan-out's yardsticks -------------------------------------------------------------------------


def signing_rate(private_pem: str, hosts: int) -> float:
    """Signatures per second as the handler makes them per attempt (the key parsed once, cached)."""
    private = ActorKey("aurora", "", private_pem, "").private_key
    body = json.dumps({"id": "x", "object": {"content": "x" * 400}}).encode()
    key = SigningKey("https://site.example/ap/artists/aurora.json#main-key", private)
    started = time.perf_counter()
    for h in range(hosts):
        sign_cavage("POST", f"http://host{h}.test/inbox", {}, body, key)
    return hosts / (time.perf_counter() - started)


async def baseline(port: int, hosts: int) -> float:
    """The same bodies, unsigned, one client, as many at once as a process delivers."""
    body = json.dumps({"type": "Create", "id": "x", "object": {"content": "x" * 400}}).encode()
    concurrency = DeliverySettings().concurrency
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(concurrency)

        async def post(h: int) -> None:
            headers = {"Host": f"host{h}.test:{port}"}
            async with gate, session.post(f"http://127.0.0.1:{port}/plain", data=body, headers=headers) as r:
                await r.read()

        started = time.perf_counter()
        await asyncio.gather(*(post(h) for h in range(hosts)))
        return time.perf_counter() - started


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


def table(
    runs: list[FanOut], rate: float, bare_fan: float, daemon: InboxLoad, bare: InboxLoad, load: float
) -> str:
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    f = runs[0]
    head = " | ".join(f"{r.backend}" for r in runs)
    row = lambda cells: "| " + " | ".join(cells) + " |"  # noqa: E731
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared by the daemon, "
            f"the helper servers and the load client, Python {platform.python_version()}; load average "
            f"{load:.1f} before the run (other work on the machine shows in the wall times; the CPU time is this process's own).",
            "",
            f"| Fan-out: one release to {f.followers:,} followers on {f.hosts} servers, through the jobs engine | {head} | Target |",
            "| --- | " + " | ".join("---" for _ in runs) + " | --- |",
            row(
                [
                    "requests (one per shared inbox)",
                    *(f"{r.requests:,} (at most {r.max_per_host} per server)" for r in runs),
                    f"{f.hosts} {ok(all(r.requests == f.hosts for r in runs))}",
                ]
            ),
            row(
                [
                    "signatures verified by the servers",
                    *(f"{r.verified:,}" for r in runs),
                    f"{f.hosts} {ok(all(r.verified == f.hosts for r in runs))}",
                ]
            ),
            row(
                [
                    "wall time, publish → last acknowledgement",
                    *(f"{r.wall:.2f} s" for r in runs),
                    f"≤ {TARGETS['wall']:.0f} s {ok(all(r.wall <= TARGETS['wall'] for r in runs))}",
                ]
            ),
            row(
                [
                    "CPU time of the process, publish → last acknowledgement",
                    *(f"{r.cpu:.2f} s" for r in runs),
                    "",
                ]
            ),
            row(["peak RSS of the process", *(f"{r.rss_mb:.0f} MB" for r in runs), ""]),
            "",
            f"Signing (rsa-sha256, at send time): {rate:,.0f} signatures/s. Baseline: the same {f.hosts} POSTs unsigned "
            f"from a bare aiohttp client: {bare_fan:.2f} s.",
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
        artist_private, artist_public = generate()
        keys = tmp / "keys.json"
        keys.write_text(json.dumps({"fan_public": fan_public, "artist_public": artist_public}))
        port = free_port()
        with inboxes(port, keys):
            runs = []
            for backend in ["sqlite", *(["redis"] if args.redis else [])]:
                folder = tmp / f"fan-out-{backend}"
                folder.mkdir()
                seed_key(folder / "tunecamp.db", artist_private, artist_public)
                f = await fan_out(
                    folder, args.followers, args.hosts, port, args.redis if backend == "redis" else ""
                )
                print(f"fan-out: {f}", file=sys.stderr)
                runs.append(f)
            rate = signing_rate(artist_private, args.hosts)
            bare_fan = await baseline(port, args.hosts)
            daemon, bare = await inbox_load(tmp, args.rate, args.seconds, port, fan_private)
            print(f"inbox: {daemon}\nbare: {bare}", file=sys.stderr)
    return table(runs, rate, bare_fan, daemon, bare, load)


def seed_key(database: Path, private_pem: str, public_pem: str) -> None:
    """The artist's key, made before the helper started (it verifies with it), in a fresh database."""
    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations

    db = connect(database)
    apply_migrations(db)
    with db.conn:
        db.execute(
            "INSERT INTO fed_keys (username, private_pem, public_pem, created_at) VALUES ('aurora', ?, ?, '')",
            [private_pem, public_pem],
        )
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--rate", type=int, default=1000, help="inbox POSTs per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="also run the fan-out on this Redis (flushes nothing; use an empty db)",
    )
    parser.add_argument("--write", type=Path, help="update the Federation section of this Markdown file")
    args = parser.parse_args()
    body = asyncio.run(run(args))
    print(body)
    if args.write:
        write_section(args.write, "Federation", "bench/federation.py", body)


if __name__ == "__main__":
    main()
