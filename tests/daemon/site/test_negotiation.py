"""Content negotiation: a fediverse server asking a page's URL for ActivityPub JSON gets the document.

A real site built by the generator from a federating catalog (tests/fedcatalog.py), served by a
real daemon on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from fedcatalog import BASE, write_catalog

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.site_files import wants_activity
from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("negotiation")
    content = write_catalog(root / "content")
    report = build(content, root / "public", BuildOptions(data_dir=root / "data", transcode=False))
    assert report.ok, report.problems.items
    return root / "public"


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient]], tmp_path: Path, built_site: Path
) -> TestClient:
    (tmp_path / "content").mkdir()
    config = DaemonConfig(
        content_dir=tmp_path / "content",
        data_dir=tmp_path / "data",
        public_dir=built_site,
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
    )
    return await aiohttp_client(create_app(config))


@pytest.mark.parametrize(
    ("page", "document", "kind"),
    [
        ("/", "ap/label.json", "Group"),
        ("/artists/ana/", "ap/artists/ana.json", "Person"),
        ("/releases/free-one/", "ap/releases/free-one/note.json", "Note"),
        ("/releases/free-one/song-2/", "ap/releases/free-one/tracks/song-2.json", "Audio"),
    ],
)
@pytest.mark.parametrize("accept", [AP, LD, f"{AP}, {LD}", f"text/html;q=0.5, {AP}"])
async def test_a_page_answers_its_document_to_activitypub_clients(
    client: TestClient, page: str, document: str, kind: str, accept: str
) -> None:
    r = await client.get(page, headers={"Accept": accept})
    assert r.status == 200
    assert r.headers["Content-Type"] == AP and r.headers["Vary"] == "Accept"
    doc = json.loads(await r.read())
    assert doc["type"] == kind and doc["id"] == f"{BASE}/{document}"


@pytest.mark.parametrize(
    "accept",
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", "", "application/ld+json"],
)
async def test_browsers_and_plain_json_ld_get_the_page(client: TestClient, accept: str) -> None:
    r = await client.get("/artists/ana/", headers={"Accept": accept} if accept else {})
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Vary"] == "Accept"  # a cache must keep the two answers apart
    assert 'type="application/activity+json"' in await r.text()


async def test_pages_without_a_document_stay_pages(client: TestClient) -> None:
    for page in ("/releases/hidden-one/", "/tags/drone/", "/search/"):  # unlisted: no document
        r = await client.get(page, headers={"Accept": AP})
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/html"), page
    r = await client.get("/ap/artists/ana.json")
    assert r.status == 200 and r.headers["Content-Type"] == AP
    r = await client.get("/artists/nobody/", headers={"Accept": AP})
    assert r.status == 404


def test_accept_parsing() -> None:
    assert wants_activity(AP) and wants_activity(LD) and wants_activity(f"{AP};q=0.9, text/html;q=0.8")
    assert not wants_activity('application/ld+json; profile="https://example.org/other"')
    assert not wants_activity(f"text/html, {AP};q=0.9") and not wants_activity(f"{AP};q=0")
    assert not wants_activity(f"{AP};q=bad")
