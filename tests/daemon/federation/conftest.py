"""Federation fixtures: a daemon with a site's manifest, and a remote fediverse server on 127.0.0.1.

The remote (`remote`) is a small aiohttp app, the outside world as a real HTTP server: it serves
its actors with their public keys (rotatable, or gone with 410), records what its inboxes
receive, and signs the activities the tests send to the daemon with its own keys, in either
format (`remote.post(...)`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apsig.proof.sign import ProofSigner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from fedify_peer import Peer, start_peer
from multiformats import multibase, multicodec

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import OUTBOUND
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.federation.keys import generate
from tunecamp.daemon.federation.service import FEDERATION
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage, sign_rfc9421

BASE = "https://site.example"
DAEMON = "https://daemon.example"
AS = "https://www.w3.org/ns/activitystreams"
NOTE_URL = f"{BASE}/ap/releases/tides/note.json"


def manifest(manual: bool = False) -> dict[str, Any]:
    return {
        "version": 1,
        "base_url": BASE,
        "daemon_url": DAEMON,
        "actors": [
            {
                "username": "aurora",
                "kind": "artist",
                "id": f"{BASE}/ap/artists/aurora.json",
                "url": f"{BASE}/artists/aurora/",
                "name": "Aurora Lane",
                "manually_approves_followers": manual,
            },
            {
                "username": "quiet",
                "kind": "artist",
                "id": f"{BASE}/ap/artists/quiet.json",
                "url": f"{BASE}/artists/quiet/",
                "name": "Quiet One",
                "manually_approves_followers": True,
            },
            {
                "username": "label",
                "kind": "label",
                "id": f"{BASE}/ap/label.json",
                "url": f"{BASE}/",
                "name": "Test Label",
            },
            {
                "username": "daemon.example",
                "kind": "instance",
                "id": f"{BASE}/ap/instance.json",
                "url": f"{BASE}/",
                "name": "daemon.example",
            },
        ],
        "notes": [
            {
                "release": "tides",
                "actor": "aurora",
                "id": f"{BASE}/ap/releases/tides/note.json",
                "create": f"{BASE}/ap/releases/tides/create.json",
                "announce": f"{BASE}/ap/releases/tides/announce.json",
                "hash": "0" * 64,
                "published": "2026-11-20T10:00:00+00:00",
            }
        ],
    }


@dataclass
class RemoteActor:
    name: str
    private_pem: str
    public_pem: str
    gone: bool = False
    proof_key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)

    @property
    def multikey(self) -> str:
        raw = self.proof_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return str(multibase.encode(multicodec.wrap("ed25519-pub", raw), "base58btc"))


@dataclass
class Remote:
    """A fediverse server on 127.0.0.1: actors, keys, inboxes that record what they get."""

    server: TestServer | None = None
    actors: dict[str, RemoteActor] = field(default_factory=dict)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    fetches: list[str] = field(default_factory=list)
    fetch_headers: list[dict[str, str]] = field(default_factory=list)
    daemon: TestClient | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://localtest:{self.server.port}"

    def actor_id(self, name: str) -> str:
        return f"{self.origin}/users/{name}"

    def key_id(self, name: str) -> str:
        return f"{self.actor_id(name)}#main-key"

    def add(self, name: str) -> str:
        self.actors[name] = RemoteActor(name, *generate())
        return self.actor_id(name)

    def rotate(self, name: str) -> None:
        actor = self.actors[name]
        actor.private_pem, actor.public_pem = generate()

    def document(self, name: str) -> dict[str, Any]:
        actor = self.actors[name]
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.actor_id(name),
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "url": f"{self.origin}/@{name}",
            "icon": {"type": "Image", "url": f"{self.origin}/avatars/{name}.png"},
            "inbox": f"{self.actor_id(name)}/inbox",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": self.key_id(name),
                "owner": self.actor_id(name),
                "publicKeyPem": actor.public_pem,
            },
            "assertionMethod": [
                {
                    "id": f"{self.actor_id(name)}#ed25519-key",
                    "type": "Multikey",
                    "controller": self.actor_id(name),
                    "publicKeyMultibase": actor.multikey,
                }
            ],
        }

    def prove(self, name: str, activity: dict[str, Any]) -> dict[str, Any]:
        """`activity` with `name`'s FEP-8b32 proof (eddsa-jcs-2022), as a relay would forward it."""
        options = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "verificationMethod": f"{self.actor_id(name)}#ed25519-key",
            "proofPurpose": "assertionMethod",
            "created": "2026-12-01T00:00:00Z",
        }
        signed: dict[str, Any] = ProofSigner(self.actors[name].proof_key).sign(activity, options)
        return signed

    def activity(self, name: str, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        serial = len(self.received) + len(self.fetches) + id(obj) % 100000
        return {
            "@context": AS,
            "id": f"{self.actor_id(name)}/activities/{kind.lower()}-{serial}-{extra.pop('n', 0)}",
            "type": kind,
            "actor": self.actor_id(name),
            "object": obj,
            **extra,
        }

    async def post(
        self,
        name: str,
        activity: dict[str, Any],
        *,
        path: str = "/inbox",
        scheme: str = "cavage",
        key_of: str | None = None,
        key_id: str | None = None,
        body: bytes | None = None,
        change: Callable[[dict[str, str]], None] | None = None,
    ) -> web.Response:
        """POST `activity` to the daemon signed by `name` (or `key_of`'s key under `key_id`)."""
        assert self.daemon is not None
        content = json.dumps(activity).encode() if body is None else body
        signer = self.actors[key_of or name]
        sign = sign_cavage if scheme == "cavage" else sign_rfc9421
        headers = sign(
            "POST",
            f"{DAEMON}{path}",
            {"Content-Type": "application/activity+json"},
            content,
            SigningKey(key_id or self.key_id(key_of or name), signer.private_pem),
        )
        if change is not None:
            change(headers)
        headers.pop("Host", None)  # the test client's own; the daemon tries its daemon_url too
        return await self.daemon.post(path, data=content, headers=headers)  # type: ignore[return-value]


def remote_app(remote: Remote) -> web.Application:
    app = web.Application()

    async def actor(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        remote.fetches.append(str(request.url))
        remote.fetch_headers.append(dict(request.headers))
        if name not in remote.actors:
            raise web.HTTPNotFound()
        if remote.actors[name].gone:
            raise web.HTTPGone()
        return web.json_response(remote.document(name), content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        remote.received.append((request.path, dict(request.headers), await request.read()))
        return web.Response(status=202)

    async def webfinger(request: web.Request) -> web.Response:
        """acct:name@anything: the actor `name`, linked by its URL on `remote.origin`."""
        name = request.query.get("resource", "").removeprefix("acct:").partition("@")[0]
        if name not in remote.actors:
            raise web.HTTPNotFound()
        link = {"rel": "self", "type": "application/activity+json", "href": remote.actor_id(name)}
        return web.json_response(
            {"subject": f"acct:{name}", "links": [link]}, content_type="application/jrd+json"
        )

    app.router.add_get("/users/{name}", actor)
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_post("/users/{name}/inbox", inbox)
    app.router.add_post("/inbox", inbox)
    return app


@pytest.fixture
async def remote() -> AsyncIterator[Remote]:
    remote = Remote()
    remote.server = TestServer(remote_app(remote), host="127.0.0.1")
    await remote.server.start_server()
    yield remote
    await remote.server.close()


@pytest.fixture
def fed_public(tmp_path: Path) -> Path:
    public = tmp_path / "public"
    (public / "ap").mkdir(parents=True)
    (public / "index.html").write_text("<h1>Home</h1>")
    (public / "ap" / "manifest.json").write_text(json.dumps(manifest()))
    (public / "ap" / "label.json").write_text(
        json.dumps({"summary": "<p>Music from the <b>test</b> label.</p>"})
    )
    return public


@pytest.fixture
def fed_config(tmp_path: Path, fed_public: Path) -> DaemonConfig:
    (tmp_path / "content").mkdir(exist_ok=True)
    return DaemonConfig(
        content_dir=tmp_path / "content",
        data_dir=tmp_path / "data",
        public_dir=fed_public,
        public_url=DAEMON,
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
        outbound_allow_loopback=True,
        outbound_timeout=2,
        inbox_rate_host=Rate(1000, 60),
    )


@pytest.fixture
async def daemon(
    aiohttp_client: Callable[..., Awaitable[TestClient]], fed_config: DaemonConfig, remote: Remote
) -> TestClient:
    """The daemon, its outbound client resolving `localtest` to 127.0.0.1 (the remote)."""
    app = create_app(fed_config)

    async def resolve_localtest(app: web.Application) -> AsyncIterator[None]:
        async def lookup(host: str, port: int) -> list[str]:
            if host == "localtest":
                return ["127.0.0.1"]
            raise OSError(f"no such host {host}")

        app[OUTBOUND].set_lookup(lookup)
        app[FEDERATION].exporter.delay = 0.05
        # no site builds after likes and replies (the test's public/ is no built site); one test turns them on
        app[FEDERATION].exporter.builds = lambda: None
        yield

    app.cleanup_ctx.append(resolve_localtest)
    client = await aiohttp_client(app)
    remote.daemon = client
    return client


@pytest.fixture
def peer() -> Iterator[Peer]:
    started = start_peer()
    yield started
    started.process.kill()
    started.process.wait()


@pytest.fixture
def cavage_peer() -> Iterator[Peer]:
    started = start_peer("--first-knock", "draft-cavage-http-signatures-12")
    yield started
    started.process.kill()
    started.process.wait()
