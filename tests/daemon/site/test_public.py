from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from tunecamp.daemon.site_files import safe_relative


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/releases/morning/", "text/html; charset=utf-8"),
        ("/releases/morning/playlist.m3u8", "application/vnd.apple.mpegurl"),
        ("/artists/a/feed.rss", "application/rss+xml; charset=utf-8"),
        ("/artists/a/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/catalog.json", "application/json"),
        ("/style.css", "text/css; charset=utf-8"),
    ],
)
async def test_files_with_their_content_types(client: TestClient, path: str, content_type: str) -> None:
    r = await client.get(path)
    assert r.status == 200
    assert r.headers["Content-Type"] == content_type
    assert r.headers["X-Content-Type-Options"] == "nosniff"


async def test_directory_without_slash_redirects(client: TestClient) -> None:
    r = await client.get("/releases/morning?x=1", allow_redirects=False)
    assert r.status == 301 and r.headers["Location"] == "/releases/morning/?x=1"
    # never a protocol-relative redirect to another host
    status, head, _ = await raw_get(client, "//releases/morning")
    assert status == 301 and "\r\nLocation: /releases/morning/\r\n" in head
    r = await client.get(URL("/releases//morning", encoded=True), allow_redirects=False)
    assert r.status == 301 and r.headers["Location"] == "/releases/morning/"


async def test_misses_get_the_sites_404_page(client: TestClient) -> None:
    r = await client.get("/nothing/here")
    assert r.status == 404 and "Not here" in await r.text()


async def test_range_requests(client: TestClient) -> None:
    r = await client.get("/style.css", headers={"Range": "bytes=0-3"})
    assert r.status == 206 and await r.read() == b"body"


HOSTILE = [
    "/../secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/releases/../../secret.txt",
    "/releases/%2e%2e/%2e%2e/secret.txt",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/secret.txt%00.html",
    "/%00",
    "/escape/secret.txt",
    "/escape",
    "/releases/morning/..%252f..%252fsecret.txt",
    "//etc/passwd",
    "/%2F%2Fetc%2Fpasswd",
    "/....//secret.txt",
]


@pytest.mark.parametrize("path", HOSTILE)
async def test_hostile_paths_never_leave_public(client: TestClient, site: Path, path: str) -> None:
    (site.parent / "secret.txt").write_text("TOP SECRET")
    if not (site / "escape").exists():
        os.symlink(site.parent, site / "escape")  # a symlink pointing out of the site
    status, _, text = await raw_get(client, path)
    assert status in (301, 400, 404), (path, status)
    assert "TOP SECRET" not in text and "root:" not in text


async def raw_get(client: TestClient, path: str) -> tuple[int, str, str]:
    """The path exactly as written, on a raw connection: no client normalises it first."""
    import asyncio

    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1") + "\r\n", body.decode("utf-8", "replace")


def test_safe_relative() -> None:
    assert str(safe_relative("a/b/c.html")) == "a/b/c.html"
    assert str(safe_relative("a//./b")) == "a/b"
    assert safe_relative("../x") is None and safe_relative("a\\b") is None and safe_relative("a\x00") is None


async def test_post_to_a_static_path_is_not_allowed(client: TestClient) -> None:
    assert (await client.post("/index.html")).status == 405
