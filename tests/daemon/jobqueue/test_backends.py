"""What both backends promise (daemon/jobs.py), proved on each: SQLite, and Redis through SAQ.

The jobs run in the test's own daemon (TUNECAMP_JOBS_IN_PROCESS=on); the kinds are tests/job_kinds.py's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from job_kinds import create, eventually, lines

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobqueue.redis_backend import RedisJobs
from tunecamp.daemon.jobs import JOBS, Counts, Jobs


def done_keys(data: Path) -> Counter[str]:
    return Counter(parts[1] for parts in lines(data) if parts[0] == "done")


async def test_a_key_is_queued_once_until_its_job_has_finished(jobs: Jobs, data_dir: Path) -> None:
    assert await jobs.enqueue("test.record", {"n": 1}, key="a", delay=3600)
    assert not await jobs.enqueue("test.record", {"n": 2}, key="a")
    assert await jobs.enqueue_many("test.record", [("a", {}), ("b", {}), ("b", {}), ("c", {})]) == 2
    await eventually(lambda: _done(data_dir, {"b", "c"}))
    counts = (await jobs.counts())["test.record"]
    assert (counts.queued, counts.done) == (1, 2)
    # once finished, the key may be queued again
    assert await jobs.enqueue("test.record", {}, key="b")
    await eventually(lambda: _count(data_dir, "b", 2))


async def _done(data: Path, keys: set[str]) -> bool:
    return keys <= set(done_keys(data))


async def _count(data: Path, key: str, count: int) -> bool:
    return done_keys(data)[key] >= count


async def test_a_fan_out_runs_every_job_exactly_once(jobs: Jobs, data_dir: Path) -> None:
    keys = [f"inbox-{i}" for i in range(500)]
    assert await jobs.enqueue_many("test.record", [(k, {"i": i}) for i, k in enumerate(keys)]) == 500

    async def all_done() -> bool:
        return (await jobs.counts())["test.record"].done == 500

    await eventually(all_done)
    assert done_keys(data_dir) == Counter({k: 1 for k in keys})
    assert (await jobs.counts())["test.record"] == Counts(0, 0, 0, 500, 0)
    assert await jobs.failed() == []


async def test_jobs_without_a_key_are_all_queued(jobs: Jobs, data_dir: Path) -> None:
    assert await jobs.enqueue("test.record", {}) and await jobs.enqueue("test.record", {})

    async def two() -> bool:
        return (await jobs.counts())["test.record"].done == 2

    await eventually(two)


async def test_retry_waits_the_delay_it_asks_then_runs_when_told(jobs: Jobs, data_dir: Path) -> None:
    await jobs.enqueue("test.flaky", {"fail": 1, "how": "retry", "delay": 3600}, key="later")

    async def retrying() -> list:
        return [f for f in await jobs.failed() if f.state == "retrying"]

    [waiting] = await eventually(retrying)
    assert (waiting.kind, waiting.key, waiting.attempts) == ("test.flaky", "later", 1)
    assert waiting.error == "the remote said later"
    assert waiting.next_at is not None and waiting.next_at > time.time() + 3000
    assert (await jobs.counts())["test.flaky"].retrying == 1
    assert "later" not in done_keys(data_dir)
    assert await jobs.retry(waiting.id) == 1  # "run now" on the dashboard
    await eventually(lambda: _done(data_dir, {"later"}))
    attempts = [p[3] for p in lines(data_dir) if p[1] == "later"]
    assert attempts == ["0", "1", "1"]  # start 0 (failed), start 1, done 1
    assert await jobs.failed() == []


async def test_a_failure_backs_off_by_the_policy(jobs: Jobs) -> None:
    await jobs.enqueue(
        "test.slow_backoff", {"fail": 5}, key="x"
    )  # backoff 1000 s: the first retry 500 to 1000 s

    async def retrying() -> list:
        return await jobs.failed()

    [waiting] = await eventually(retrying)
    assert waiting.state == "retrying" and waiting.error == "RuntimeError: boom"
    assert waiting.next_at is not None
    assert 500 - 5 <= waiting.next_at - waiting.updated_at <= 1000 + 5


async def test_fail_is_dead_at_once_and_the_dashboard_retries_it(jobs: Jobs, data_dir: Path) -> None:
    await jobs.enqueue("test.flaky", {"fail": 1, "how": "fail"}, key="gone")

    async def dead() -> list:
        return [f for f in await jobs.failed() if f.state == "dead"]

    [job] = await eventually(dead)
    assert (job.attempts, job.error, job.next_at) == (1, "410 Gone: no use trying again", None)
    assert (await jobs.counts())["test.flaky"].dead == 1
    (data_dir / "fixed").touch()  # what the remote needed
    assert await jobs.retry(None) == 1
    await eventually(lambda: _done(data_dir, {"gone"}))
    assert (await jobs.counts())["test.flaky"].dead == 0
    assert await jobs.retry(None) == 0


async def test_retries_exhausted_is_dead(jobs: Jobs, data_dir: Path) -> None:
    await jobs.enqueue("test.flaky", {"fail": 10}, key="hopeless")  # 3 retries

    async def dead() -> list:
        return [f for f in await jobs.failed() if f.state == "dead"]

    [job] = await eventually(dead)
    assert job.attempts == 3 and job.error == "RuntimeError: boom"
    assert [p[0] for p in lines(data_dir)] == ["start"] * 3


async def test_give_up_after_makes_a_failure_final(jobs: Jobs) -> None:
    await jobs.enqueue("test.give_up", {"fail": 1000}, key="old")

    async def dead() -> list:
        return [f for f in await jobs.failed() if f.state == "dead"]

    [job] = await eventually(dead)
    assert "gave up after 0.5 s" in job.error
    assert job.attempts < 100


async def test_an_unknown_kind_is_refused(jobs: Jobs) -> None:
    with pytest.raises(ValueError, match="'nope' is not registered"):
        await jobs.enqueue("nope", {})
    with pytest.raises(ValueError, match="'nope' is not registered"):
        await jobs.enqueue_many("nope", [("a", {})])


async def test_retrying_an_unknown_job_does_nothing(jobs: Jobs) -> None:
    for job_id in ("12345", "test.flaky/none", "nope/x", "", "x" * 100):
        assert await jobs.retry(job_id) == 0


async def test_this_process_is_listed_as_a_worker(jobs: Jobs, backend: str) -> None:
    [worker] = await eventually(jobs.workers)
    assert worker.in_serve and "test.record" in worker.kinds
    assert jobs.backend == backend


async def test_a_stop_hands_running_jobs_back(
    aiohttp_client: Callable[..., Awaitable[TestClient]], jobs_config: DaemonConfig
) -> None:
    config = dataclasses.replace(jobs_config, shutdown_timeout=0.5)
    client = await aiohttp_client(create(config))
    await client.app[JOBS].enqueue("test.block", {}, key="long")
    await eventually(lambda: _started(config.data_dir, "long"))
    await client.close()  # the daemon stops: the job does not finish within the shutdown timeout
    (config.data_dir / "release").touch()
    again = await aiohttp_client(create(config))  # the next start runs it, at once
    await eventually(lambda: _done(config.data_dir, {"long"}))
    assert (await again.app[JOBS].counts())["test.block"] == Counts(0, 0, 0, 1, 0)


async def test_an_idle_stop_does_not_wait_out_the_grace_period(
    aiohttp_client: Callable[..., Awaitable[TestClient]], jobs_config: DaemonConfig
) -> None:
    # SAQ's upkeep sleeps out its timers (the sweep's is 15 s here), and a cancellation inside a
    # Redis command could be swallowed: a stop with nothing running once took 15 s
    config = dataclasses.replace(jobs_config, shutdown_timeout=120)
    client = await aiohttp_client(create(config))
    async with asyncio.timeout(8):  # at once: the upkeep still in its first Redis commands
        await client.close()


async def _started(data: Path, key: str) -> bool:
    return any(p[0] == "start" and p[1] == key for p in lines(data))


async def test_serve_runs_the_jobs_itself_on_sqlite_only_by_default(
    aiohttp_client: Callable[..., Awaitable[TestClient]], jobs_config: DaemonConfig, backend: str
) -> None:
    client = await aiohttp_client(create(dataclasses.replace(jobs_config, jobs_in_process="auto")))
    jobs = client.app[JOBS]
    await jobs.enqueue("test.record", {}, key="k")
    if backend == "sqlite":
        await eventually(lambda: _done(jobs_config.data_dir, {"k"}))
        assert [w.in_serve for w in await jobs.workers()] == [True]
    else:  # on Redis, `tunecamp worker` processes run them
        assert await jobs.workers() == []
        assert (await jobs.counts())["test.record"].queued == 1


async def test_a_delayed_job_never_runs_early(jobs: Jobs, data_dir: Path) -> None:
    asked = time.time() + 1.5
    assert await jobs.enqueue("test.record", {}, key="delayed", delay=1.5)
    if isinstance(jobs, RedisJobs):  # SAQ keeps whole seconds: rounded up, never truncated
        saq_job = await jobs.queue("test.record").job("delayed")
        assert saq_job is not None and saq_job.scheduled >= asked
    while "delayed" not in done_keys(data_dir):
        await asyncio.sleep(0.02)
    assert time.time() >= asked
