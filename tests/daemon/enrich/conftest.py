"""Enrichment fixtures: the public music databases as one loopback server, a catalog with real audio.

`Providers` speaks each API's documented JSON (MusicBrainz WS/2 search and lookup, the Cover Art
Archive's 307 to the image, Discogs with and without a token, iTunes search, LRCLIB, Lyrics.ovh)
under a path prefix per provider; `modes` switches a provider to a rate limit, a slow answer, a
malformed body or an oversized image, and `seen` records every request (path, headers, time).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.enrich.service import Enricher
from tunecamp.daemon.enrich.settings import EnrichSettings
from tunecamp.daemon.outbound import Outbound, OutboundConfig

MBID = "0b7a1c55-7b5f-4b0e-9d2a-3c3b2f0d1e11"
OTHER_MBID = "11111111-2222-3333-4444-555555555555"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
SYNCED = "[00:00.10] Morning comes\n[00:00.60] over the water"

RELEASE = {
    "id": MBID,
    "title": "Morning Tides",
    "date": "2019-05-01",
    "artist-credit": [
        {"name": "Aurora Lane", "joinphrase": "", "artist": {"id": "a1", "name": "Aurora Lane"}}
    ],
    "label-info": [{"catalog-number": "QR-042", "label": {"id": "l1", "name": "Quiet Records"}}],
    "genres": [{"name": "ambient", "count": 3}, {"name": "drone", "count": 5}],
    "relations": [{"type": "discogs", "url": {"resource": "https://www.discogs.com/release/4242"}}],
    "media": [
        {
            "position": 1,
            "track-count": 2,
            "tracks": [
                {
                    "position": 1,
                    "number": "1",
                    "title": "First Light",
                    "length": 1000,
                    "recording": {"id": "r1", "title": "First Light", "isrcs": ["GBAYE1900001"]},
                },
                {
                    "position": 2,
                    "number": "2",
                    "title": "Low Water (Part One)",
                    "length": 1000,
                    "recording": {"id": "r2", "title": "Low Water", "isrcs": ["GBAYE1900002"]},
                },
            ],
        }
    ],
}
DISCOGS_RELEASE = {
    "id": 4242,
    "title": "Morning Tides",
    "artists": [{"name": "Aurora Lane"}],
    "released": "2019-05-01",
    "labels": [{"name": "Quiet Records (2)", "catno": "QR-042"}],
    "genres": ["Electronic"],
    "styles": ["Ambient"],
    "extraartists": [{"name": "Sam Mix", "role": "Mixed By"}, {"name": "Jo Master", "role": "Mastered By"}],
    "tracklist": [
        {"position": "A1", "type_": "track", "title": "First Light", "duration": "0:01", "extraartists": []},
        {
            "position": "A2",
            "type_": "track",
            "title": "Low Water",
            "duration": "0:01",
            "extraartists": [{"name": "Aurora Lane", "role": "Written-By"}],
        },
    ],
}


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Providers:
    server: TestServer | None = None
    modes: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    search_results: list[dict[str, Any]] = field(default_factory=lambda: [dict(RELEASE, score=100)])

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def paths(self, prefix: str) -> list[str]:
        return [s.path for s in self.seen if s.path.startswith(prefix)]

    def settings(self, **over: Any) -> DaemonConfig:
        o = self.origin
        return DaemonConfig(
            musicbrainz_url=f"{o}/ws/2",
            musicbrainz_interval=0.0,
            coverart_url=f"{o}/caa",
            discogs_url=f"{o}/discogs",
            itunes_url=f"{o}/itunes",
            lyrics_url=f"{o}/ovh",
            lrclib_url=f"{o}/lrclib",
            enrich_max_image_bytes=64 * 1024,
            outbound_allow_loopback=True,
            outbound_timeout=0.5,
            public_url="https://music.example",
            **over,
        )

    async def _trouble(self, provider: str) -> web.Response | None:
        mode = self.modes.get(provider)
        if mode == "429-once":
            self.modes.pop(provider)
            return web.json_response({"error": "slow down"}, status=429, headers={"Retry-After": "0"})
        if mode == "503":
            return web.json_response({"error": "busy"}, status=503, headers={"Retry-After": "120"})
        if mode == "slow":
            await asyncio.sleep(2)
        if mode == "malformed":
            return web.Response(text='{"releases": [', content_type="application/json")
        if mode == "weird":  # valid JSON of the wrong shape: strings and numbers where objects belong
            weird = {"id": MBID, "title": "Morning Tides", "artist-credit": "Aurora Lane", "track-count": 2,
                     "label-info": ["Quiet"], "media": 7, "tracklist": 5, "labels": "x", "genres": [3]}  # fmt: skip
            return web.json_response({"releases": [weird], **weird})
        return None

    def app(self) -> web.Application:
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            self.seen.append(Seen(request.path, dict(request.query), dict(request.headers), time.monotonic()))
            return await handler(request)

        app = web.Application(middlewares=[web.middleware(record)])

        async def mb_search(request: web.Request) -> web.Response:
            return await self._trouble("musicbrainz") or web.json_response(
                {"created": "2026-01-01T00:00:00Z", "count": 1, "offset": 0, "releases": self.search_results}
            )

        async def mb_lookup(request: web.Request) -> web.Response:
            trouble = await self._trouble("musicbrainz")
            if trouble:
                return trouble
            if request.match_info["mbid"] != MBID:
                return web.json_response({"error": "Not Found"}, status=404)
            return web.json_response(RELEASE)

        async def caa_front(request: web.Request) -> web.Response:
            trouble = await self._trouble("coverart")
            if trouble:
                return trouble
            if request.match_info["mbid"] != MBID:
                return web.Response(status=404, text="No cover art found")
            image = "huge.jpg" if self.modes.get("coverart-image") == "huge" else "front.jpg"
            raise web.HTTPTemporaryRedirect(f"/archive/{image}")

        async def archive(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            if name == "huge.jpg":
                return web.Response(body=JPEG + b"\x00" * 200_000, content_type="image/jpeg")
            if name == "notimage.jpg":
                return web.Response(text="<html>", content_type="text/html")
            return web.Response(body=PNG if name.endswith(".png") else JPEG, content_type="image/jpeg")

        async def discogs_release(request: web.Request) -> web.Response:
            trouble = await self._trouble("discogs")
            if trouble:
                return trouble
            if request.match_info["id"] != "4242":
                return web.json_response({"message": "Release not found."}, status=404)
            return web.json_response(DISCOGS_RELEASE)

        async def discogs_search(request: web.Request) -> web.Response:
            if not request.headers.get("Authorization", "").startswith("Discogs token="):
                return web.json_response(
                    {"message": "You must authenticate to access this resource."}, status=401
                )
            result = {
                "id": 4242,
                "title": "Aurora Lane - Morning Tides",
                "catno": "QR-042",
                "type": "release",
            }
            return web.json_response({"pagination": {"items": 1}, "results": [result]})

        async def itunes(request: web.Request) -> web.Response:
            trouble = await self._trouble("itunes")
            if trouble:
                return trouble
            album = {
                "wrapperType": "collection",
                "collectionType": "Album",
                "artistName": "Aurora Lane",
                "collectionName": "Morning Tides",
                "trackCount": 2,
                "releaseDate": "2019-05-01T07:00:00Z",
                "primaryGenreName": "Electronic",
                "artworkUrl100": f"{self.origin}/archive/art/100x100bb.png",
            }
            return web.json_response({"resultCount": 1, "results": [album]})

        async def lrclib(request: web.Request) -> web.Response:
            trouble = await self._trouble("lrclib")
            if trouble:
                return trouble
            if request.query.get("track_name") != "First Light":
                return web.json_response(
                    {"code": 404, "name": "TrackNotFound", "message": "Failed to find specified track"},
                    status=404,
                )
            return web.json_response(
                {
                    "id": 1,
                    "trackName": "First Light",
                    "artistName": "Aurora Lane",
                    "albumName": "Morning Tides",
                    "duration": 1.0,
                    "instrumental": False,
                    "plainLyrics": "Morning comes\nover the water",
                    "syncedLyrics": SYNCED,
                }
            )

        async def ovh(request: web.Request) -> web.Response:
            trouble = await self._trouble("lyricsovh")
            if trouble:
                return trouble
            if request.match_info["title"] != "Low Water":
                return web.json_response({"error": "No lyrics found"}, status=404)
            return web.json_response({"lyrics": "Low water\r\nlow light"})

        app.router.add_get("/ws/2/release/", mb_search)
        app.router.add_get("/ws/2/release/{mbid}", mb_lookup)
        app.router.add_get("/caa/release/{mbid}/front", caa_front)
        app.router.add_get("/archive/{name:.+}", archive)
        app.router.add_get("/discogs/releases/{id}", discogs_release)
        app.router.add_get("/discogs/database/search", discogs_search)
        app.router.add_get("/itunes/search", itunes)
        app.router.add_get("/lrclib/api/get", lrclib)
        app.router.add_get("/ovh/v1/{artist}/{title}", ovh)
        return app


@pytest.fixture
async def providers() -> AsyncIterator[Providers]:
    fake = Providers()
    fake.server = TestServer(fake.app(), host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


RELEASE_YAML = """\
# Morning Tides: the artist's notes, kept
title: Morning Tides   # as printed
artist: aurora
genres: [field recordings]  # the artist's own choice

tracks:
  - file: 02 - Low Water.flac
    number: 2
"""


@pytest.fixture
def content(tmp_path: Path, make_audio: Any) -> Path:
    """A catalog with one half-tagged release: two tracks, a title tag on the first only."""
    root = tmp_path / "content"
    (root / "artists/aurora").mkdir(parents=True)
    (root / "catalog.yaml").write_text("title: Test\nbase_url: http://127.0.0.1:8000\n")
    (root / "artists/aurora/artist.yaml").write_text("name: Aurora Lane\n")
    folder = root / "releases/tides"
    folder.mkdir(parents=True)
    (folder / "release.yaml").write_text(RELEASE_YAML)
    make_audio(folder / "01 - First Light.flac", tags={"title": "First Light", "artist": "Aurora Lane"})
    make_audio(folder / "02 - Low Water.flac", freq=330, tags={"artist": "Aurora Lane"})
    return root


@pytest.fixture
def config(config: DaemonConfig, providers: Providers, content: Path) -> DaemonConfig:
    """The daemon's settings (tests/daemon/conftest.py) with the catalog and the loopback providers."""
    p = providers.settings()
    names = ("musicbrainz_url", "musicbrainz_interval", "coverart_url", "discogs_url", "itunes_url",
             "lyrics_url", "lrclib_url", "enrich_max_image_bytes", "outbound_allow_loopback", "outbound_timeout")  # fmt: skip
    return replace(config, content_dir=content, **{n: getattr(p, n) for n in names})


@pytest.fixture
async def enricher(tmp_path: Path, providers: Providers) -> AsyncIterator[Enricher]:
    config = providers.settings()
    db = Db(tmp_path / "data" / "tunecamp.db")
    await db.open()
    outbound = Outbound(OutboundConfig.from_config(config))
    yield Enricher(db, outbound, EnrichSettings.from_config(config))
    await outbound.close()
    await db.close()
