"""The job queue's fixtures: each test runs against both backends, SQLite and Redis (SAQ)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from job_kinds import create

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobs import JOBS, Jobs


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def jobs_config(config: DaemonConfig, backend: str, request: pytest.FixtureRequest) -> DaemonConfig:
    """Settings of a daemon whose jobs run in-process, on `backend`."""
    redis_url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    return dataclasses.replace(config, redis_url=redis_url, jobs_in_process="on", jobs_poll=0.2)


@pytest.fixture
async def jobs_client(
    aiohttp_client: Callable[..., Awaitable[TestClient]], jobs_config: DaemonConfig
) -> TestClient:
    return await aiohttp_client(create(jobs_config))


@pytest.fixture
def jobs(jobs_client: TestClient) -> Jobs:
    return jobs_client.app[JOBS]


@pytest.fixture
def data_dir(jobs_config: DaemonConfig) -> Path:
    return jobs_config.data_dir
