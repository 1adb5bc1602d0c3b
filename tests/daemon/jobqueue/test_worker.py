"""`tunecamp worker` as real processes: one SIGKILLed mid-job, another finishing its jobs; its CLI."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner
from clirun import tunecamp_command
from job_kinds import create, eventually, lines

from tunecamp.daemon.cli import tunecamp
from tunecamp.daemon.config import ConfigError, DaemonConfig
from tunecamp.daemon.jobs import JOBS

TESTS = Path(__file__).resolve().parents[2]


def start_worker(config: DaemonConfig, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(TESTS),
        "TUNECAMP_DATA_DIR": str(config.data_dir),
        "TUNECAMP_CONTENT_DIR": str(config.content_dir),
        "TUNECAMP_REDIS_URL": config.redis_url,
        "TUNECAMP_JOBS_POLL": "0.2",
        "TUNECAMP_LOG_FORMAT": "console",
    }
    command = [
        tunecamp_command(),
        "worker",
        "--app",
        "job_kinds:create",
        "--kinds",
        "test.block",
        "--concurrency",
        "2",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )


def started_by(data: Path, pid: int) -> set[str]:
    return {p[1] for p in lines(data) if p[0] == "start" and p[2] == str(pid)}


@pytest.mark.slow
async def test_a_killed_workers_jobs_are_finished_by_another_once(
    aiohttp_client: Callable[..., Awaitable[TestClient]], jobs_config: DaemonConfig, tmp_path: Path
) -> None:
    config = dataclasses.replace(jobs_config, jobs_in_process="off")  # this process only queues
    client = await aiohttp_client(create(config))
    jobs, data = client.app[JOBS], config.data_dir
    assert await jobs.enqueue_many("test.block", [(f"j{i}", {"i": i}) for i in range(3)]) == 3
    first = start_worker(config, tmp_path / "first.log")
    second = None
    try:

        async def two_started() -> set[str]:
            taken = started_by(data, first.pid)
            return taken if len(taken) == 2 else set()

        taken = await eventually(two_started)  # concurrency 2: the third waits
        first.kill()  # mid-job: no goodbye, no hand-back
        assert first.wait(30) == -signal.SIGKILL
        second = start_worker(config, tmp_path / "second.log")

        async def taken_again() -> bool:
            return bool(taken & started_by(data, second.pid))  # once the first one's heartbeat has lapsed

        await eventually(taken_again)
        (data / "release").touch()

        async def all_done() -> bool:
            return (await jobs.counts())["test.block"].done == 3

        await eventually(all_done)
        done = Counter(p[1] for p in lines(data) if p[0] == "done")
        assert done == Counter({"j0": 1, "j1": 1, "j2": 1})  # none lost, none done twice
        assert {p[2] for p in lines(data) if p[0] == "done"} == {str(second.pid)}
        assert taken <= started_by(data, second.pid)
        assert (await jobs.counts())["test.block"].dead == 0
        second.send_signal(signal.SIGTERM)  # a graceful stop
        assert second.wait(60) == 0
        log = (tmp_path / "second.log").read_text()
        assert "worker running test.block on" in log and "worker stopped" in log
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(30)


def test_the_worker_command_explains_itself() -> None:
    result = CliRunner().invoke(tunecamp(), ["worker", "--help"])
    assert result.exit_code == 0
    for text in (
        "--concurrency",
        "--kinds",
        "--app",
        "MODULE:FUNCTION",
        "TUNECAMP_REDIS_URL",
        "SIGTERM",
        "/admin/jobs",
    ):
        assert text in result.output
    assert "worker" in CliRunner().invoke(tunecamp(), ["--help"]).output


def test_the_worker_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    env = {"TUNECAMP_DATA_DIR": str(tmp_path / "data"), "TUNECAMP_CONTENT_DIR": str(tmp_path)}
    for args, message in (
        (["--kinds", "nope", "--app", "job_kinds:create"], "--kinds: no kind of job named nope"),
        (["--kinds", ","], "--kinds"),
        (["--app", "nowhere"], "--app 'nowhere': expected module:function"),
        (["--app", "no_such_module_here:create"], "cannot import no_such_module_here"),
        (["--app", "job_kinds:nothing"], "job_kinds has no function nothing"),
        (["--concurrency", "0"], "--concurrency"),
    ):
        result = CliRunner().invoke(tunecamp(), ["worker", *args], env=env)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    result = CliRunner().invoke(tunecamp(), ["worker"], env={**env, "TUNECAMP_JOBS_POLL": "0"})
    assert result.exit_code != 0 and "TUNECAMP_JOBS_POLL=0: 0.05 to 60 seconds" in result.output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TUNECAMP_JOBS_IN_PROCESS", "maybe", "TUNECAMP_JOBS_IN_PROCESS=maybe: auto, on or off"),
        ("TUNECAMP_JOBS_CONCURRENCY", "-1", "TUNECAMP_JOBS_CONCURRENCY=-1"),
        ("TUNECAMP_JOBS_CONCURRENCY", "many", "TUNECAMP_JOBS_CONCURRENCY='many'"),
        ("TUNECAMP_JOBS_POLL", "100", "TUNECAMP_JOBS_POLL=100: 0.05 to 60 seconds"),
        ("TUNECAMP_JOBS_KEEP_DONE", "-5", "TUNECAMP_JOBS_KEEP_DONE=-5"),
    ],
)
def test_bad_job_settings_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        DaemonConfig.from_env({variable: value})
