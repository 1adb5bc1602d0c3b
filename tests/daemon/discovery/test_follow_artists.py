"""Following an instance's artists: the crawl keeps each instance's artists (ours and Node's), and the
dashboard's "Follow artists" hands them to federation (roles, CSRF, hostile input; with a real
Fedify server: the Follow goes out, its Accept comes back, the page shows the state)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient
from fedify_peer import LabelSite, Peer, start_label_site, start_peer

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB, FOLLOWS
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.discovery import follows, store
from tunecamp.daemon.discovery.catalogs import Artist, Catalog, read_catalog
from tunecamp.daemon.discovery.crawler import CatalogAnswer, Probe
from tunecamp.daemon.discovery.dashboard import TASKS
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.protocol import InstanceInfo, Software

from .conftest import NodePeer, Start

PASSWORD = "correct horse battery"  # tests/daemon/conftest.py's
FOUND = "https://found.example"


async def found(app: Any, origin: str, artists: tuple[Artist, ...]) -> None:
    """An instance a crawl reached, its catalog listing `artists`."""
    catalog = CatalogAnswer(f"{origin}/catalog.json", "fresh", Catalog((), 0, artists))
    probe = Probe(origin, 1, "instance", Software("tunecamp", "1"), InstanceInfo(name="Found"), (), catalog)
    await app[DB].run(lambda db: store.record(db, [probe], 1000.0, Limits()))


async def sign_in(client: TestClient, add_user: Any, name: str, role: str) -> str:
    await add_user(client.app, name, role)
    r = await client.post(
        "/admin/login", data={"username": name, "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def test_a_crawl_keeps_the_artists_of_our_catalogs_and_of_node_servers(
    daemons: Start, node_peer: NodePeer
) -> None:
    a, b = await daemons(["a", "b"])
    await a.app[DB].run(lambda db: store.add_seed(db, node_peer.origin, "test", 1.0))
    await a.discovery.crawl("test")
    rows = {r["origin"]: r["artists"] for r in await a.app[DB].run(store.instances)}
    assert rows[b.origin] == [
        {"slug": "aurora", "name": "Aurora of Site b", "url": f"{b.origin}/artists/aurora/"}
    ]
    assert rows[node_peer.origin] == [{"slug": "nodey", "name": "Nodey", "url": ""}]
    await a.discovery.crawl("again")  # the Node catalog answers 304 now: its artists stay
    assert node_peer.not_modified == 1
    rows = {r["origin"]: r["artists"] for r in await a.app[DB].run(store.instances)}
    assert rows[node_peer.origin] == [{"slug": "nodey", "name": "Nodey", "url": ""}]


def test_hostile_artist_lists_are_cut_and_cleaned() -> None:
    artists: list[Any] = [
        {"slug": "../../etc", "name": "x"},
        {"slug": "a b"},
        {"slug": "x@evil.example"},
        {"slug": ["list"]},
        "string",
        {"slug": "ok", "name": "N" * 1000, "url": "javascript:alert(1)"},
        {"slug": "ok", "name": "duplicate"},
        *({"slug": f"artist-{i}"} for i in range(5000)),
    ]
    catalog = read_catalog({"schema_version": 1, "artists": artists, "releases": []}, "https://p.example", 12)
    assert catalog.artists[0] == Artist("ok", "N" * 200, "")
    assert len(catalog.artists) == 200 and len({a.slug for a in catalog.artists}) == 200
    assert all("/" not in a.slug and "@" not in a.slug for a in catalog.artists)


@pytest.fixture
async def manager_client(
    config: DaemonConfig, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> TestClient:
    client = await aiohttp_client(create_app(config))
    await found(client.app, FOUND, (Artist("aurora", "Aurora", f"{FOUND}/artists/aurora/"),))
    return client


async def test_follow_artists_is_for_managers_with_csrf(manager_client: TestClient, add_user: Any) -> None:
    client = manager_client
    csrf = await sign_in(client, add_user, "cora", "curator")
    r = await client.post(
        "/admin/discovery/follow", data={"csrf": csrf, "origin": FOUND}, allow_redirects=False
    )
    assert r.status == 403
    await client.post("/admin/logout", data={"csrf": csrf}, allow_redirects=False)
    client.session.cookie_jar.clear()

    csrf = await sign_in(client, add_user, "mina", "manager")
    page = await (await client.get("/admin/discovery")).text()
    assert "Follow artists (1)" in page
    r = await client.post("/admin/discovery/follow", data={"origin": FOUND}, allow_redirects=False)
    assert r.status == 403  # no CSRF token
    for hostile in ("javascript:alert(1)", "", "https://unknown.example", "https://a.example/../x"):
        r = await client.post(
            "/admin/discovery/follow", data={"csrf": csrf, "origin": hostile}, allow_redirects=False
        )
        assert r.status == 400 and "origin" in await r.text(), hostile
    r = await client.post(
        "/admin/discovery/follow", data={"csrf": csrf, "origin": FOUND}, allow_redirects=False
    )
    # this site has no label actor (no build): the line says so, nothing is stored
    assert r.status == 303 and "no label actor" in unquote(r.headers["Location"])
    assert "following 0 of 1 artist" in unquote(r.headers["Location"])
    assert await client.app[FOLLOWS].states() == {}


@pytest.fixture
async def label_site(tmp_path: Path) -> AsyncIterator[LabelSite]:
    started = await start_label_site(tmp_path / "site")
    yield started
    await started.server.close()


@pytest.fixture
def peer() -> Iterator[Peer]:
    started = start_peer()
    yield started
    started.process.kill()
    started.process.wait()


@pytest.mark.slow
async def test_follow_artists_of_a_discovered_fedify_server(
    label_site: LabelSite, peer: Peer, add_user: Any
) -> None:
    client = TestClient(label_site.server)
    await client.start_server()
    await found(label_site.server.app, peer.url, (Artist("peer", "Fedify peer"),))
    csrf = await sign_in(client, add_user, "olga", "owner")
    r = await client.post(
        "/admin/discovery/follow", data={"csrf": csrf, "origin": peer.url}, allow_redirects=False
    )
    assert r.status == 303 and "following 1 of 1 artist" in unquote(r.headers["Location"])
    follow = await peer.wait_for("Follow")  # acct:peer@127.0.0.1:port on the peer's WebFinger
    page = await (await client.get("/admin/discovery")).text()
    assert "pending 1" in page and "Unfollow" in page
    await peer.call("accept", follow=follow["id"])
    await label_site.until("SELECT state FROM fed_following", [("accepted",)])
    page = await (await client.get("/admin/discovery")).text()
    assert "following 1" in page and "pending" not in page.split('data-origin="' + peer.url, 1)[1][:600]

    r = await client.post(
        "/admin/discovery/follow",
        data={"csrf": csrf, "origin": peer.url, "remove": "1"},
        allow_redirects=False,
    )
    assert "unfollowed 1 artist" in unquote(r.headers["Location"])
    undo = await peer.wait_for("Undo")
    assert json.dumps(undo["object"]["id"]) == json.dumps(follow["id"])
    await client.close()


async def test_a_slow_follow_finishes_in_the_background_and_the_page_says_how(
    manager_client: TestClient, add_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = manager_client
    csrf = await sign_in(client, add_user, "mina", "manager")
    monkeypatch.setattr(follows, "WAIT", 0.0)
    r = await client.post(
        "/admin/discovery/follow", data={"csrf": csrf, "origin": FOUND}, allow_redirects=False
    )
    assert "following 1 artist, still looking it up" in unquote(r.headers["Location"])
    await asyncio.gather(*client.app[TASKS])
    page = await (await client.get("/admin/discovery")).text()
    assert "following 0 of 1 artist (1 failed" in page and "no label actor" in page
