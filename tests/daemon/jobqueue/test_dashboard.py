"""/admin/jobs and /api/admin/jobs: the same page for either backend, for Managers and Owners."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from job_kinds import create, eventually

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobqueue.dashboard import NO_WORKER
from tunecamp.daemon.jobs import JOBS, Jobs

PASSWORD = "correct horse battery"


async def sign_in(client: TestClient, add_user: Any, role: str) -> str:
    """Signs in with the dashboard's cookie; the CSRF token its forms carry."""
    await add_user(client.app, "mina", role)
    r = await client.post(
        "/admin/login", data={"username": "mina", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin/jobs")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def _dead(jobs: Jobs) -> list[Any]:
    return [f for f in await jobs.failed() if f.state == "dead"]


async def test_managers_see_the_failures_and_retry_them(
    jobs_client: TestClient, jobs: Jobs, add_user: Any, data_dir: Path
) -> None:
    r = await jobs_client.get("/admin/jobs", allow_redirects=False)
    assert r.status == 302 and "/admin/login" in r.headers["Location"]
    csrf = await sign_in(jobs_client, add_user, "manager")
    for key in ("one", "two"):
        await jobs.enqueue("test.flaky", {"fail": 1, "how": "fail"}, key=key)
    first, second = await eventually(lambda: _two(jobs))
    page = await (await jobs_client.get("/admin/jobs")).text()
    assert 'data-kind="test.flaky"' in page and 'data-kind="test.block"' in page  # every kind, even idle
    assert f'data-job="{first.id}"' in page and "410 Gone: no use trying again" in page
    assert 'data-worker="' in page and NO_WORKER not in page
    # without the CSRF token the form is refused
    r = await jobs_client.post("/admin/jobs/retry", data={"job_id": first.id}, allow_redirects=False)
    assert r.status == 403
    (data_dir / "fixed").touch()
    r = await jobs_client.post(
        "/admin/jobs/retry", data={"csrf": csrf, "job_id": first.id}, allow_redirects=False
    )
    assert r.status == 303 and "queued%20again" in r.headers["Location"]
    assert [f.key for f in await eventually(lambda: _dead(jobs))] == [second.key]
    r = await jobs_client.post("/admin/jobs/retry", data={"csrf": csrf, "all": "1"}, allow_redirects=False)
    assert r.status == 303 and "1%20dead%20jobs%20queued%20again" in r.headers["Location"]

    async def none_dead() -> bool:
        return not await _dead(jobs) and (await jobs.counts())["test.flaky"].done == 2

    await eventually(none_dead)
    r = await jobs_client.post(
        "/admin/jobs/retry", data={"csrf": csrf, "job_id": "nope/x"}, allow_redirects=False
    )
    assert r.status == 303 and "not%20dead%20or%20waiting" in r.headers["Location"]
    r = await jobs_client.post("/admin/jobs/retry", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 400 and "job_id" in await r.text()


async def _two(jobs: Jobs) -> list[Any] | None:
    dead = await _dead(jobs)
    return sorted(dead, key=lambda f: f.key) if len(dead) == 2 else None


async def test_curators_and_listeners_are_refused(
    jobs_client: TestClient, add_user: Any, token_for: Any
) -> None:
    for role in ("curator", "listener"):
        await add_user(jobs_client.app, role, role)
        headers = {"Authorization": f"Bearer {await token_for(jobs_client.app, role)}"}
        assert (await jobs_client.get("/api/admin/jobs", headers=headers)).status == 403
        r = await jobs_client.post("/api/admin/jobs/retry", json={"all": True}, headers=headers)
        assert r.status == 403


async def test_the_json_api(
    jobs_client: TestClient, jobs: Jobs, add_user: Any, token_for: Any, backend: str
) -> None:
    await add_user(jobs_client.app, "olivia", "owner")
    headers = {"Authorization": f"Bearer {await token_for(jobs_client.app, 'olivia')}"}
    await jobs.enqueue("test.flaky", {"fail": 1, "how": "fail"}, key="k")
    [dead] = await eventually(lambda: _dead(jobs))
    body = await (await jobs_client.get("/api/admin/jobs", headers=headers)).json()
    assert body["backend"] == backend and body["warning"] is None
    assert body["kinds"]["test.flaky"] == {"queued": 0, "running": 0, "retrying": 0, "done": 0, "dead": 1}
    assert (
        body["failed"][0]["id"] == dead.id and body["failed"][0]["error"] == "410 Gone: no use trying again"
    )
    assert body["workers"][0]["in_serve"] is True
    r = await jobs_client.post("/api/admin/jobs/retry", json={"id": dead.id}, headers=headers)
    assert r.status == 200 and await r.json() == {"retried": 1}


async def test_bad_input_is_a_clear_4xx(jobs_client: TestClient, add_user: Any, token_for: Any) -> None:
    await add_user(jobs_client.app, "olivia", "owner")
    headers = {"Authorization": f"Bearer {await token_for(jobs_client.app, 'olivia')}"}
    for query in ("limit=abc", "limit=0", "limit=100000"):
        r = await jobs_client.get(f"/api/admin/jobs?{query}", headers=headers)
        assert r.status == 400 and "limit" in (await r.json())["error"]
    for body, field, status in (
        ({"id": 5}, "id", 400),
        ({}, "id", 400),
        ({"id": "x" * 2000}, "id", 400),
        ({"id": "test.flaky/none"}, "id", 404),
    ):
        r = await jobs_client.post("/api/admin/jobs/retry", json=body, headers=headers)
        assert r.status == status and field in (await r.json())["error"], body
    r = await jobs_client.post(
        "/api/admin/jobs/retry", data="not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status == 400


async def test_queued_jobs_without_a_worker_say_what_to_do(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    jobs_config: DaemonConfig,
    add_user: Any,
    token_for: Any,
) -> None:
    client = await aiohttp_client(create(dataclasses.replace(jobs_config, jobs_in_process="off")))
    await client.app[JOBS].enqueue("test.record", {}, key="waiting")
    await add_user(client.app, "olivia", "owner")
    headers = {"Authorization": f"Bearer {await token_for(client.app, 'olivia')}"}
    body = await (await client.get("/api/admin/jobs", headers=headers)).json()
    assert body["warning"] == NO_WORKER and body["workers"] == []
    assert body["kinds"]["test.record"]["queued"] == 1
    page = await (await client.get("/admin/jobs", headers=headers)).text()
    assert 'id="no-worker"' in page and "tunecamp worker" in page
