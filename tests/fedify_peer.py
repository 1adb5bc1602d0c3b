"""The Fedify peer (tests/peers/fedify/peer.mjs, @fedify/fedify on Node) as the tests drive it:
started on a free loopback port, called through its /control/ endpoints; and `start_label_site`,
a daemon whose label actor the peer can fetch and verify, for the follows the label sends."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

PEER_DIR = Path(__file__).resolve().parent / "peers" / "fedify"


@dataclass
class Peer:
    url: str
    process: subprocess.Popen[str]

    async def call(self, what: str, headers: dict[str, str] | None = None, **args: Any) -> Any:
        async with aiohttp.ClientSession(headers=headers) as session:
            if what == "inbox":
                async with session.get(f"{self.url}/control/inbox") as r:
                    return await r.json()
            async with session.post(f"{self.url}/control/{what}", json=args) as r:
                data = await r.json()
                assert r.status == 200, data
                return data

    async def wait_for(
        self, kind: str, match: Callable[[dict[str, Any]], bool] = lambda a: True, timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for activity in (await self.call("inbox"))["received"]:
                if activity.get("type") == kind and match(activity):
                    return activity
            await asyncio.sleep(0.1)
        raise AssertionError(f"the peer received no {kind}: {await self.call('inbox')}")


def start_peer(*args: str) -> Peer:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the Fedify peer needs Node 20 or later")
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        pytest.fail(f"the Fedify peer is not installed: run `npm ci` in {PEER_DIR} (make test does)")
    process = subprocess.Popen(
        ["node", "peer.mjs", *args], cwd=PEER_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        pytest.fail(f"the Fedify peer did not start: {line}{process.stdout.read()}")
    return Peer(f"http://127.0.0.1:{line.split()[1]}", process)


@dataclass
class LabelSite:
    """A daemon on a loopback port whose site is a label actor the peer can fetch (no build needed):
    public/ap/manifest.json lists it, public/ap/label.json is its Group with the daemon's key."""

    server: Any  # aiohttp.test_utils.TestServer
    base: str

    @property
    def label(self) -> str:
        return f"{self.base}/ap/label.json"

    async def sql(self, statement: str, args: list[Any] | None = None) -> list[Any]:
        from tunecamp.daemon.appkeys import DB

        return await self.server.app[DB].run(lambda db: db.execute(statement, args or []).fetchall())

    async def until(self, statement: str, expected: list[Any], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while (found := await self.sql(statement)) != expected:
            assert time.monotonic() < deadline, f"{statement}: {found}, not {expected}"
            await asyncio.sleep(0.1)


async def start_label_site(root: Path, **settings: Any) -> LabelSite:
    import json

    from aiohttp.test_utils import TestServer, unused_port

    from tunecamp.daemon.app import create_app
    from tunecamp.daemon.appkeys import DB
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.federation import delivery
    from tunecamp.daemon.federation.keys import KeyStore

    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    public = root / "public"
    (public / "ap").mkdir(parents=True)
    (root / "content").mkdir()
    (public / "index.html").write_text("<h1>Loopback Label</h1>")
    label = {"username": "label", "kind": "label", "id": f"{base}/ap/label.json", "url": f"{base}/"}
    manifest = {"version": 1, "base_url": base, "daemon_url": base, "actors": [{**label, "name": "Label"}]}
    (public / "ap" / "manifest.json").write_text(json.dumps(manifest))
    config = DaemonConfig(
        content_dir=root / "content",
        data_dir=root / "data",
        public_dir=public,
        host="127.0.0.1",
        port=port,
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
        live_reload=False,
        outbound_allow_loopback=True,
        discovery_interval=0,
        **settings,
    )
    app = create_app(config)
    delivery.configure(app, delivery.DeliverySettings(base_delay=0.2, max_delay=1))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    key = await KeyStore(app[DB]).ensure("label")  # federation_ctx made it from the manifest
    actor = f"{base}/ap/label.json"
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor,
        "type": "Group",
        "preferredUsername": "label",
        "name": "Loopback Label",
        "url": f"{base}/",
        "inbox": f"{base}/users/label/inbox",
        "followers": f"{base}/users/label/followers",
        "following": f"{base}/users/label/following",
        "endpoints": {"sharedInbox": f"{base}/inbox"},
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": key.public_pem},
    }
    (public / "ap" / "label.json").write_text(json.dumps(document))
    return LabelSite(server, base)
