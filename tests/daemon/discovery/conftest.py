"""Discovery fixtures: real daemons on loopback ports, and the outside world as loopback servers.

- `daemons(n, ...)` starts n real daemons (create_app, every feature) on 127.0.0.1, each with
  its own SQLite file, built-looking site (a catalog.json of our schema) and seeds, so they
  find each other through their real /.well-known/nodeinfo and /api/community/* endpoints;
- `NodePeer` is a small server that speaks the Node TuneCamp JSON: NodeInfo 2.0 only,
  {"peers": [...]}, /api/catalog with relative covers, an ETag, and a 304 to a matching
  If-None-Match; it counts the requests it answers and can stop being TuneCamp;
- `names` maps host names to addresses through the outbound client's resolver seam, the path a
  real DNS answer takes (so `*.test` reaches a loopback server, `private.test` 10.0.0.7).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer, unused_port

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import OUTBOUND
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.service import DISCOVERY_KEY, Discovery

TEST_LIMITS = Limits(timeout=1.0)


def catalog_json(origin: str, title: str) -> dict[str, Any]:
    """A catalog.json of our schema, as `tunecamp build` writes it (the parts discovery reads)."""
    slug = title.lower().replace(" ", "-")
    return {
        "schema_version": 1,
        "catalog": {
            "title": title,
            "url": origin,
            "description": f"{title}: ambient from the test bench",
            "label_mode": False,
            "language": "en",
        },
        "artists": [{"slug": "aurora", "name": f"Aurora of {title}", "url": f"{origin}/artists/aurora/"}],
        "releases": [
            {
                "slug": f"{slug}-one",
                "title": f"{title} One",
                "url": f"{origin}/releases/{slug}-one/",
                "artists": ["aurora"],
                "date": "2026-05-01",
                "cover": {
                    "variants": [
                        {
                            "url": f"{origin}/releases/{slug}-one/cover-300.jpg",
                            "mime": "image/jpeg",
                            "width": 300,
                        }
                    ]
                },
            },
            {
                "slug": f"{slug}-old",
                "title": f"{title} Old",
                "url": f"{origin}/releases/{slug}-old/",
                "artists": ["aurora"],
                "date": "2019-01-01",
            },
        ],
    }


@dataclass
class Daemon:
    name: str
    server: TestServer
    config: DaemonConfig
    exports: int = 0  # network.json written with a change, each asking for a rebuild
    rebuild: Callable[[], Awaitable[None]] | None = None  # the daemon's own: asks the site for a build

    async def exported(self) -> None:
        self.exports += 1

    @property
    def origin(self) -> str:
        return self.config.url

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def discovery(self) -> Discovery:
        return self.app[DISCOVERY_KEY]


Start = Callable[..., Awaitable[list[Daemon]]]


@pytest.fixture
async def daemons(tmp_path: Path) -> AsyncIterator[Start]:
    """await daemons(names, chain=True): real daemons, each seeded with the next one when `chain`."""
    started: list[Daemon] = []

    async def start(names: list[str], chain: bool = True, limits: Limits = TEST_LIMITS) -> list[Daemon]:
        ports = [unused_port() for _ in names]
        origins = [f"http://127.0.0.1:{p}" for p in ports]
        made = []
        for i, (name, port) in enumerate(zip(names, ports, strict=True)):
            root = tmp_path / name
            public = root / "public"
            public.mkdir(parents=True)
            (public / "index.html").write_text(f"<h1>{name}</h1>")
            (public / "catalog.json").write_text(json.dumps(catalog_json(origins[i], f"Site {name}")))
            (root / "content").mkdir()
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
                federation_seeds=origins[i + 1] if chain and i + 1 < len(names) else "",
            )
            server = TestServer(create_app(config), host="127.0.0.1", port=port)
            await server.start_server()
            daemon = Daemon(name, server, config)
            daemon.discovery.settings = replace(daemon.discovery.settings, limits=limits)
            daemon.rebuild = daemon.discovery.on_export
            daemon.discovery.on_export = daemon.exported  # no site build from an empty content/ each crawl
            made.append(daemon)
            started.append(daemon)
        return made

    yield start
    for daemon in started:
        await daemon.server.close()


@dataclass
class NodePeer:
    """A Node TuneCamp server, as far as discovery sees one."""

    software: str = "tunecamp"
    peers: list[str] = field(default_factory=list)
    etag: str = '"catalog-v1"'
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: int = 0
    agents: set[str] = field(default_factory=set)
    server: TestServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def app(self) -> web.Application:
        async def links(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            self.agents.add(request.headers.get("User-Agent", ""))
            href = f"{self.origin}/nodeinfo/2.0"
            return web.json_response(
                {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": href}]}
            )

        async def nodeinfo(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            return web.json_response(
                {
                    "version": "2.0",
                    "software": {"name": self.software, "version": "2.9.0"},
                    "protocols": ["activitypub"],
                }
            )

        async def instance(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            return web.json_response(
                {
                    "software": "tunecamp",
                    "version": "2.9.0",
                    "url": self.origin,
                    "name": "Node Camp",
                    "description": "a Node TuneCamp server",
                    "coverImage": "/api/settings/cover",
                    "artistName": "Nodey",
                    "communityLink": None,
                }
            )

        async def peers(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            return web.json_response({"peers": self.peers})

        async def catalog(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            if request.headers.get("If-None-Match") == self.etag:
                self.not_modified += 1
                return web.Response(status=304, headers={"ETag": self.etag})
            releases = [
                {
                    "id": 7,
                    "slug": "night-bus",
                    "title": "Night Bus",
                    "artistName": "Nodey",
                    "artist_slug": "nodey",
                    "coverImage": "/api/albums/7/cover",
                    "releaseDate": "2026-03-04T10:00:00.000Z",
                    "tracks": [],
                },
                {"id": 3, "title": "Old Tape", "artist_name": "Nodey", "created_at": "2021-01-01 10:00:00"},
                {"id": 9, "title": ""},  # no title: skipped
            ]
            body = {
                "stats": {"albums": 2},
                "releases": releases,
                "recentReleases": releases,
                "recentAlbums": [],
            }
            return web.json_response(body, headers={"ETag": self.etag})

        app = web.Application()
        app.router.add_get("/.well-known/nodeinfo", links)
        app.router.add_get("/nodeinfo/2.0", nodeinfo)
        app.router.add_get("/api/community/instance", instance)
        app.router.add_get("/api/community/peers", peers)
        app.router.add_get("/api/catalog", catalog)
        return app


@pytest.fixture
async def node_peer() -> AsyncIterator[NodePeer]:
    peer = NodePeer()
    peer.server = TestServer(peer.app(), host="127.0.0.1")
    await peer.server.start_server()
    yield peer
    await peer.server.close()


def map_names(app: web.Application, names: dict[str, str]) -> None:
    """Resolve host names (exact, or `*.suffix`) to these addresses in the app's outbound client."""
    from tunecamp.daemon.outbound import system_lookup

    async def lookup(host: str, port: int) -> list[str]:
        for name, address in names.items():
            if host == name or (name.startswith("*.") and host.endswith(name[1:])):
                return [address]
        return await system_lookup(host, port)

    app[OUTBOUND].set_lookup(lookup)


async def get_json(daemon: Daemon, path: str, status: int = 200) -> Any:
    """GET a daemon's `path` as any client would, and its JSON."""
    async with ClientSession() as session, session.get(daemon.server.make_url(path)) as answer:
        assert answer.status == status, await answer.text()
        return await answer.json()
