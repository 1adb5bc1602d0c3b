"""Benchmark: the job queue's own cost per job, on SQLite and on Redis (SAQ), in one process.

    .venv/bin/python bench/jobs.py [--jobs 10000] [--no-redis]

A fan-out as federation makes it: `enqueue_many` of N jobs of one kind at once, then one
consumer (concurrency 32, the delivery default) runs them with a handler that does nothing, so
what is measured is the queue: claiming, heartbeats, acknowledging. Printed per backend: wall time
and process CPU time (the database thread included) of the enqueue and of the drain, and CPU per
job. The baseline is the floor under the SQLite numbers: the same N rows inserted by one bare
`executemany` into a table without indexes, in the same database. Redis runs on a redis-server
this script starts on a loopback port (the Debian package).

CPU time, not wall time, is the number to compare on a shared machine: wall time includes
whatever else runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tunecamp.daemon.db import Db
from tunecamp.daemon.jobqueue.consumers import worker_row
from tunecamp.daemon.jobqueue.redis_backend import RedisJobs
from tunecamp.daemon.jobqueue.redis_consumer import RedisConsumer
from tunecamp.daemon.jobqueue.sqlite_backend import ConsumerSettings, SqliteConsumer, SqliteJobs
from tunecamp.daemon.jobs import Job, Jobs, Kind
from tunecamp.daemon.redis_link import connect

KIND = "bench.noop"


async def noop(job: Job) -> None:
    return None


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[f"{name} wall"] = time.perf_counter() - wall
    into[f"{name} cpu"] = time.process_time() - cpu


async def fan_out(jobs: Jobs, consumer: SqliteConsumer | RedisConsumer, count: int) -> dict[str, float]:
    numbers: dict[str, float] = {}
    rows = [
        (f"https://host{i % 500}.test/inbox#{i}", {"activity": "https://here.test/a/1", "n": i})
        for i in range(count)
    ]
    with timed(numbers, "enqueue"):
        assert await jobs.enqueue_many(KIND, rows) == count
    with timed(numbers, "drain"):
        await consumer.start()
        while (await jobs.counts())[KIND].done < count:
            await asyncio.sleep(0.02)
    await consumer.stop(10)
    return numbers


def settings() -> tuple[dict[str, Kind], ConsumerSettings]:
    kind = Kind(KIND, noop, concurrency=32)
    return {KIND: kind}, ConsumerSettings(kinds=(kind,), poll=1.0, in_serve=False)


async def on_sqlite(folder: Path, count: int) -> dict[str, float]:
    db = Db(folder / "bench.db")
    await db.open()
    kinds, consumer_settings = settings()
    jobs = SqliteJobs(db, kinds)
    numbers = await fan_out(jobs, SqliteConsumer(jobs, consumer_settings, worker_row((KIND,), False)), count)

    def bare(d: object) -> None:
        conn = d.conn  # type: ignore[attr-defined]
        conn.execute("CREATE TABLE bare (kind TEXT, key TEXT, payload TEXT, created REAL)")
        with conn:
            conn.executemany(
                "INSERT INTO bare VALUES (?, ?, ?, ?)", [(KIND, f"k{i}", "{}", 0.0) for i in range(count)]
            )

    with timed(numbers, "baseline insert"):
        await db.run(bare)
    await db.close()
    return numbers


async def on_redis(url: str, count: int) -> dict[str, float]:
    redis = connect(url)
    kinds, consumer_settings = settings()
    jobs = RedisJobs(redis, kinds)
    numbers = await fan_out(jobs, RedisConsumer(jobs, consumer_settings, worker_row((KIND,), False)), count)
    await redis.aclose()
    return numbers


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server), or pass --no-redis"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def report(name: str, numbers: dict[str, float], count: int) -> None:
    print(f"\n{name}: {count:,} jobs")
    for key, value in numbers.items():
        print(f"  {key:<22} {value * 1000:9.0f} ms")
    per_job = (numbers["enqueue cpu"] + numbers["drain cpu"]) / count * 1e6
    print(f"  {'CPU per job':<22} {per_job:9.0f} µs (enqueue and run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tunecamp-bench-jobs-") as tmp:
        folder = Path(tmp)
        report("SQLite", asyncio.run(on_sqlite(folder, args.jobs)), args.jobs)
        if not args.no_redis:
            with redis_server(folder) as url:
                report("Redis (SAQ)", asyncio.run(on_redis(url, args.jobs)), args.jobs)


if __name__ == "__main__":
    main()
