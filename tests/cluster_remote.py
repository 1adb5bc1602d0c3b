"""A fediverse server on a loopback address for the cluster tests: one actor with a key, inboxes that
record what they receive. The daemons run as processes of their own, so it is reached by its IP
literal (TUNECAMP_OUTBOUND_ALLOW_LOOPBACK), not through a resolver seam."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.federation.keys import generate
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage

AS = "https://www.w3.org/ns/activitystreams"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    activity: dict[str, Any]


@dataclass
class Fan:
    """The remote server and its one actor, `fan`."""

    origin: str
    private_pem: str
    public_pem: str
    received: list[Received] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return f"{self.origin}/users/fan"

    def document(self) -> dict[str, Any]:
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": "Person",
            "preferredUsername": "fan",
            "inbox": f"{self.actor}/inbox",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": f"{self.actor}#main-key",
                "owner": self.actor,
                "publicKeyPem": self.public_pem,
            },
        }

    def follow(self, target: str, inbox_url: str) -> tuple[bytes, dict[str, str]]:
        """A Follow of `target`, signed for a POST to `inbox_url`: (body, headers)."""
        activity = {"@context": AS, "id": f"{self.actor}/follows/1", "type": "Follow", "actor": self.actor,
                    "object": target}  # fmt: skip
        body = json.dumps(activity).encode()
        key = SigningKey(f"{self.actor}#main-key", self.private_pem)
        headers = sign_cavage("POST", inbox_url, {"Content-Type": "application/activity+json"}, body, key)
        return body, headers

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]


def _app(fan: Fan) -> web.Application:
    async def actor(request: web.Request) -> web.Response:
        return web.json_response(fan.document(), content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        fan.received.append(Received(request.path, dict(request.headers), json.loads(await request.read())))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/users/fan", actor)
    app.router.add_post("/users/fan/inbox", inbox)
    app.router.add_post("/inbox", inbox)
    return app


@asynccontextmanager
async def remote_fan() -> AsyncIterator[Fan]:
    private, public = generate()
    fan = Fan("", private, public)
    server = TestServer(_app(fan), host="127.0.0.1")
    await server.start_server()
    fan.origin = f"http://127.0.0.1:{server.port}"
    try:
        yield fan
    finally:
        await server.close()
