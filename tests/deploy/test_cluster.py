"""Several daemons behind one address, for real: redis-server, two `tunecamp serve` web processes and
two `tunecamp worker`s sharing one data folder, with nginx and HAProxy (rendered from deploy/) in
front on loopback ports."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from cluster import TUNECAMP, Cluster, Process
from cluster_remote import remote_fan
from cluster_site import write_site
from fedsite import Site
from livestudio import chunks, make_webm
from proxy_configs import Ports
from serve_process import free_port

pytestmark = pytest.mark.slow


def start_web(cluster: Cluster, proxy_port: int, site: bool = True) -> tuple[Process, Process]:
    """Two web processes and two workers, on one data folder and Redis, the site built beforehand."""
    if site:
        write_site(cluster.public, f"http://127.0.0.1:{proxy_port}")
    cluster.env["TUNECAMP_PUBLIC_URL"] = f"http://127.0.0.1:{proxy_port}"
    first = cluster.serve("web1")
    second = cluster.serve("web2")
    workers = [cluster.worker("worker1"), cluster.worker("worker2")]
    for process in (first, second):
        cluster.wait_http(process)
    for worker in workers:
        cluster.running(worker)
    return first, second


async def until(found: Callable[[], Any], what: str, cluster: Cluster, timeout: float = 90) -> None:
    """Until `found()` is true; generous, the machine may be loaded. Fails with the processes' logs."""
    deadline = time.monotonic() + timeout
    while not found():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s\n{cluster.logs()}")
        await asyncio.sleep(0.1)


def test_nginx_serves_the_site_and_proxies_the_daemons(cluster: Cluster) -> None:
    port = free_port()
    web1, web2 = start_web(cluster, port)
    nginx = cluster.nginx(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(nginx)
    with httpx.Client(base_url=nginx.url, timeout=30) as client:
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"

        page = client.get("/releases/first-light/")  # a file, from nginx itself
        assert page.status_code == 200 and "First Light" in page.text
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        moved = client.get("/releases/first-light")
        assert moved.status_code == 301 and moved.headers["Location"] == "/releases/first-light/"
        missing = client.get("/no/such/page")
        assert missing.status_code == 404 and "the site's own 404 page" in missing.text

        note = client.get("/ap/releases/first-light/note.json")
        assert note.headers["Content-Type"].startswith("application/activity+json")
        assert note.headers["Access-Control-Allow-Origin"] == "*"
        assert client.get("/catalog.json").headers["Access-Control-Allow-Origin"] == "*"
        assert client.get("/feed.rss").headers["Content-Type"].startswith("application/rss+xml")

        # a fediverse server asking the page for its document: the daemon negotiates
        negotiated = client.get("/releases/first-light/", headers={"Accept": "application/activity+json"})
        assert negotiated.status_code == 200 and negotiated.json()["type"] == "Note"

        api = client.get("/api/auth/me")  # a daemon's answer, through the proxy
        assert api.status_code == 401 and api.headers["Content-Type"].startswith("application/json")

        big = client.post("/api/auth/login", content=b"x" * (1024 * 1024 + 1))
        assert big.status_code == 413  # refused by the proxy, like the daemon would

        cluster.stop(web2, kill=True)  # one web process gone: the other answers everything
        for _ in range(6):
            assert client.get("/health").status_code == 200
            assert client.get("/api/auth/me").status_code == 401
            start = client.post("/api/live/sessions", json={"title": "t"})  # the broadcasters' upstream
            assert start.status_code == 401  # a daemon's answer: signing in comes first


def test_haproxy_balances_the_daemons_with_health_checks(cluster: Cluster) -> None:
    port = free_port()
    web1, web2 = start_web(cluster, port)
    haproxy = cluster.haproxy(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(haproxy)
    with httpx.Client(base_url=haproxy.url, timeout=30) as client:
        assert client.get("/health").json()["status"] == "ok"
        page = client.get("/releases/first-light/")  # HAProxy serves no files: a daemon does
        assert page.status_code == 200 and "First Light" in page.text
        big = client.post("/api/auth/login", content=b"x" * (1024 * 1024 + 1))
        assert big.status_code == 413
        cluster.stop(web1, kill=True)  # the first process, in both backends: the other takes over
        for _ in range(6):
            assert client.get("/health").status_code == 200
            assert client.get("/api/live/status", params={"artist": "aurora"}).json()["live"] is False
            start = client.post("/api/live/sessions", json={"title": "t"})  # the broadcasters' backend
            assert start.status_code == 401  # a daemon's answer: signing in comes first


async def heard(ws: aiohttp.ClientWebSocketResponse, text: str) -> dict[str, Any]:
    """The chat message with this text, skipping other frames; generous: the machine may be loaded."""
    while True:
        frame = await ws.receive_json(timeout=30)
        assert frame["type"] != "error", frame
        if frame["type"] == "message" and frame["text"] == text:
            return frame


async def joined(ws: aiohttp.ClientWebSocketResponse) -> str:
    """Join the lobby; the name this socket posts under (a guest's: a keyed hash of its address)."""
    await ws.send_json({"type": "join", "room": "lobby"})
    name = ""
    while (frame := await ws.receive_json(timeout=30))["type"] != "history":
        name = frame.get("user") or name
    return str(name)


async def test_chat_sockets_on_different_processes_and_through_nginx_hear_each_other(
    cluster: Cluster,
) -> None:
    port = free_port()
    cluster.env["TUNECAMP_CHAT_GUEST_POSTING"] = "true"
    web1, web2 = start_web(cluster, port)
    nginx = cluster.nginx(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(nginx)
    async with aiohttp.ClientSession() as session:
        one = await session.ws_connect(f"{web1.url}/api/chat/ws")
        two = await session.ws_connect(f"{web2.url}/ws/chat")  # the Node server's path
        # a browser on the site: the upgrade goes through nginx, with the page's origin (and port)
        proxied = await session.ws_connect(f"{nginx.url}/api/chat/ws", origin=nginx.url)
        for ws in (one, two, proxied):
            await joined(ws)
        await one.send_json({"type": "message", "room": "lobby", "text": "hello from web1"})
        for ws in (two, proxied):
            assert (await heard(ws, "hello from web1"))["room"] == "lobby"
        await proxied.send_json({"type": "message", "room": "lobby", "text": "hello through nginx"})
        for ws in (one, two):
            await heard(ws, "hello through nginx")
        for ws in (one, two, proxied):
            await ws.close()


async def test_behind_nginx_the_daemons_see_the_clients_address_not_a_forged_one(cluster: Cluster) -> None:
    # TUNECAMP_TRUST_PROXY_HOPS=1: the last X-Forwarded-For entry, which nginx appends, is the client
    port = free_port()
    cluster.env["TUNECAMP_CHAT_GUEST_POSTING"] = "true"
    web1, web2 = start_web(cluster, port)
    nginx = cluster.nginx(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(nginx)
    forged = {"X-Forwarded-For": "203.0.113.9"}
    async with aiohttp.ClientSession() as session:
        names = []
        for url, headers in (
            (f"{nginx.url}/api/chat/ws", {}),
            (f"{nginx.url}/api/chat/ws", forged),  # a client's own header: nginx appends the real address
            (f"{web1.url}/api/chat/ws", forged),  # straight to a daemon, the header is believed (the hop)
        ):
            ws = await session.ws_connect(url, headers=headers)
            names.append(await joined(ws))
            await ws.close()
    assert names[0] and names[0] == names[1]  # the guest of 127.0.0.1 both times
    assert names[2] != names[0]


async def test_a_release_reaches_a_follower_once_through_the_workers(cluster: Cluster) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = Site(cluster.public, base=base)
    site.write()  # the actors and the manifest, no release yet
    web1, web2 = start_web(cluster, port, site=False)
    nginx = cluster.nginx(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(nginx)
    async with remote_fan() as fan, aiohttp.ClientSession() as session:
        inbox = f"{base}/users/aurora/inbox"
        body, headers = fan.follow(site.actor_id("aurora"), inbox)
        headers.pop("Host")  # the client's own, the same host and port
        async with session.post(inbox, data=body, headers=headers) as answer:
            assert answer.status in (200, 202), await answer.text()
        await until(lambda: fan.of_type("Accept"), "the Accept of the Follow", cluster)

        site.publish("first-light")  # what a build does: both web processes see the manifest change
        await until(lambda: fan.of_type("Create"), "the new release's Create", cluster)
        await asyncio.sleep(12)  # both processes' hand-overs (every 5 s) and the workers have had their turn
        assert [r.path for r in fan.of_type("Accept")] == ["/users/fan/inbox"]
        creates = fan.of_type("Create")
        assert len(creates) == 1, [r.activity["id"] for r in creates]  # exactly once
        create = creates[0]
        assert create.path == "/inbox"  # the follower's server's shared inbox
        assert create.activity["object"]["id"] == f"{base}/ap/releases/first-light/note.json"
        signature = create.headers["Signature"]
        assert (
            f'keyId="{site.actor_id("aurora")}#main-key"' in signature
            and 'algorithm="rsa-sha256"' in signature
        )


async def test_a_broadcast_through_nginx_stays_on_its_process_and_plays_from_both(
    cluster: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    web1, web2 = start_web(cluster, port)
    nginx = cluster.nginx(Ports(port, (web1.port or 0, web2.port or 0)))
    cluster.wait_http(nginx)
    added = subprocess.run(
        [*TUNECAMP, "user", "add", "ana", "--role", "curator", "--artist", "aurora", "--password-stdin",
         "--data", str(cluster.data)],
        input="a long enough password\n", capture_output=True, text=True, env={**os.environ, **cluster.env},
        timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    audio = chunks(make_webm(tmp_path / "tone.webm", 8), 8)
    async with aiohttp.ClientSession() as session:
        login = {"username": "ana", "password": "a long enough password"}
        async with session.post(f"{nginx.url}/api/auth/login", json=login) as answer:
            assert answer.status == 200, await answer.text()
            auth = {"Authorization": f"Bearer {(await answer.json())['token']}"}
        async with session.post(
            f"{nginx.url}/api/live/sessions", json={"title": "Across", "artist": "aurora"}, headers=auth
        ) as answer:
            assert answer.status == 201, await answer.text()
            live = (await answer.json())["id"]
        for seq, chunk in enumerate(audio):  # hashed on the Authorization: all to the process running it
            url = f"{nginx.url}/api/live/sessions/{live}/chunks?seq={seq}"
            async with session.post(url, data=chunk, headers=auth) as answer:
                assert answer.status == 200, await answer.text()
            await asyncio.sleep(0.5)
        # directly: the owner has chunk 0 already, the other process sends the broadcaster away
        answers = []
        for process in (web1, web2):
            url = f"{process.url}/api/live/sessions/{live}/chunks?seq=0"
            async with session.post(url, data=audio[0], headers=auth) as answer:
                answers.append(answer.status)
        assert sorted(answers) == [200, 421]

        async def playlists() -> list[str]:
            texts = []
            for base in (web1.url, web2.url, nginx.url):
                async with session.get(f"{base}/live/{live}/index.m3u8") as answer:
                    texts.append(await answer.text() if answer.status == 200 else "")
            return texts

        found: list[str] = []

        async def segments_everywhere() -> bool:
            found[:] = await playlists()
            return all(".ts" in text for text in found)

        deadline = time.monotonic() + 90
        while not await segments_everywhere():
            assert time.monotonic() < deadline, f"{found}\n{cluster.logs()}"
            await asyncio.sleep(0.5)
        segment = next(line for line in found[1].splitlines() if line.endswith(".ts"))
        for base in (web1.url, web2.url):  # each process serves the other's segments too
            async with session.get(f"{base}/live/{live}/{segment}") as answer:
                assert answer.status == 200 and answer.content_type == "video/mp2t"
        async with session.post(f"{nginx.url}/api/live/sessions/{live}/end", headers=auth) as answer:
            assert answer.status == 200, await answer.text()
