"""The protocol as this daemon serves it, and the dashboard page of the network."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from waiting import until

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB, OUTBOUND
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawler import Probe
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.protocol import InstanceInfo, Software
from tunecamp.daemon.discovery.service import DISCOVERY_KEY

from .conftest import catalog_json

PASSWORD = "correct horse battery"  # tests/daemon/conftest.py's

SEED = "https://seed.example"
FAN = "https://fans.example/users/kim"


@pytest.fixture
async def daemon(config: DaemonConfig, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    seeded = replace(config, federation_seeds=f"{SEED}/, https://Other.example:8443", discovery_interval=0)
    (config.public_dir / "catalog.json").write_text(
        json.dumps(catalog_json("https://site.example", "Tide Pool"))
    )
    client = await aiohttp_client(create_app(seeded))

    async def nowhere(host: str, port: int) -> list[str]:  # no test reaches the internet, nor its DNS
        raise OSError(f"{host}: no such name in this test")

    client.app[OUTBOUND].set_lookup(nowhere)
    client.app[DISCOVERY_KEY].on_export = None  # no site build from the empty content/
    return client


async def _found(client: TestClient, origin: str, offline: bool = False) -> None:
    probe = Probe(origin, 1, "instance", Software("tunecamp", "1.2"), InstanceInfo(name=origin[8:]))

    def write(db: Any) -> None:
        store.record(db, [probe], 1000.0, Limits())
        if offline:
            db.execute("UPDATE disc_instances SET offline_since = 5 WHERE origin = ?", [origin])

    await client.app[DB].run(write)


async def test_the_instance_document(daemon: TestClient) -> None:
    answer = await daemon.get("/api/community/instance")
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in answer.headers["Cache-Control"]
    document = await answer.json()
    assert document == {
        "software": "tunecamp",
        "version": document["version"],
        "url": "https://site.example",
        "name": "Tide Pool",
        "description": "Tide Pool: ambient from the test bench",
        "coverImage": None,
        "artistName": "Aurora of Tide Pool",
        "communityLink": None,
        "catalogUrl": "https://site.example/catalog.json",
    }
    again = await daemon.get("/api/community/instance", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status == 304


async def test_peers_before_the_first_crawl_and_after(daemon: TestClient) -> None:
    def follower(db: Any) -> None:
        db.execute(
            "INSERT INTO fed_followers (username, actor, inbox, follow_id, follow, state, created_at)"
            " VALUES ('aurora', ?, ?, 'f1', '{}', 'accepted', 'now')",
            [FAN, f"{FAN}/inbox"],
        )
        store.add_seed(db, "https://owners.example", "olivia", 1.0)

    await daemon.app[DB].run(follower)
    peers = await (await daemon.get("/api/community/peers")).json()
    # the settings' seeds, the Owner's, and the server of a fediverse follower (create_app's hand-over)
    assert peers == [SEED, "https://other.example:8443", "https://owners.example", "https://fans.example"]

    await _found(daemon, "https://found.example")
    await _found(daemon, "https://gone.example", offline=True)
    await daemon.app[DB].run(lambda d: store.block(d, "https://owners.example", "", None, 2.0))
    peers = await (await daemon.get("/api/community/peers")).json()
    assert peers == [SEED, "https://other.example:8443", "https://fans.example", "https://found.example"]
    sites = await (await daemon.get("/api/community/sites")).json()
    assert [s["origin"] for s in sites] == ["https://found.example"]
    assert sites[0]["name"] == "found.example" and sites[0]["lastSeen"].startswith("1970-01-01T00:16:40")


async def sign_in(client: TestClient, add_user: Any, role: str) -> str:
    await add_user(client.app, "mina", role)
    r = await client.post(
        "/admin/login", data={"username": "mina", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def test_the_dashboard_is_for_managers_and_its_settings_for_owners(
    daemon: TestClient, add_user: Any
) -> None:
    r = await daemon.get("/admin/discovery", allow_redirects=False)
    assert r.status == 302 and "/admin/login" in r.headers["Location"]
    csrf = await sign_in(daemon, add_user, "manager")
    await _found(daemon, "https://found.example")
    page = await (await daemon.get("/admin/discovery")).text()
    assert 'data-origin="https://found.example"' in page and "TUNECAMP_FEDERATION_SEEDS" in page
    assert 'action="/admin/discovery/seeds"' not in page  # no form a manager may not send
    r = await daemon.post(
        "/admin/discovery/seeds", data={"csrf": csrf, "origin": SEED}, allow_redirects=False
    )
    assert r.status == 403
    r = await daemon.post("/admin/discovery/crawl", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 303 and "crawl%20queued" in r.headers["Location"]

    async def crawled() -> bool:  # a job: this process runs it, in its own time
        rows = await daemon.app[DB].run(store.crawls)
        return bool(rows) and rows[0]["finished_at"] is not None

    await until(crawled, "the dashboard's crawl")
    [crawl] = await daemon.app[DB].run(store.crawls)
    assert crawl["trigger"] == "dashboard" and crawl["failures"] == 3 and crawl["finished_at"]
    page = await (await daemon.get("/admin/discovery")).text()
    assert f'data-crawl="{crawl["id"]}"' in page


async def test_an_owner_adds_a_seed_and_blocks_an_origin(daemon: TestClient, add_user: Any) -> None:
    csrf = await sign_in(daemon, add_user, "owner")
    await _found(daemon, "https://spam.example")

    async def post(path: str, **fields: str) -> Any:
        r = await daemon.post(
            f"/admin/discovery/{path}", data={"csrf": csrf, **fields}, allow_redirects=False
        )
        return r.status, r.headers.get("Location", "")

    status, to = await post("seeds", origin="new.example")
    assert status == 303 and "added%20as%20a%20seed" in to
    assert [s["origin"] for s in await daemon.app[DB].run(store.seeds)] == ["https://new.example"]
    assert (await post("seeds", origin="javascript:alert(1)"))[0] == 400
    assert (await post("seeds", origin=""))[0] == 400

    status, to = await post("blocks", origin="https://spam.example", reason="spam")
    assert status == 303 and "blocked" in to
    assert await daemon.app[DB].run(lambda d: store.instances(d)) == []
    page = await (await daemon.get("/admin/discovery")).text()
    assert 'data-block="https://spam.example"' in page
    status, to = await post("seeds", origin="https://spam.example")
    assert "unblock%20it%20first" in to
    status, to = await post("blocks", origin="https://spam.example", remove="1")
    assert "unblocked" in to
