"""Promote and unpublish through the admin API: the metadata file is rewritten, the site rebuilt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import BUILDS, CONFIG
from tunecamp.daemon.config import DaemonConfig

pytestmark = pytest.mark.slow


@pytest.fixture
async def site_client(
    aiohttp_client: Callable[..., Awaitable[TestClient]], site_config: DaemonConfig
) -> TestClient:
    client = await aiohttp_client(create_app(site_config))
    started = await client.app[BUILDS].request("first build")
    assert started["state"] == "queued"  # booked; the in-process consumer starts it at once
    await client.app[BUILDS].wait_idle()
    last = client.app[BUILDS].last
    assert last is not None and last.state == "ok", last and (last.error, last.log, last.problems)
    return client


async def headers(
    client: TestClient, add_user: Any, token_for: Any, role: str = "owner", artists: tuple[str, ...] = ()
) -> dict[str, str]:
    await add_user(client.app, f"{role}-{len(artists)}", role, artists)
    return {"Authorization": f"Bearer {await token_for(client.app, f'{role}-{len(artists)}')}"}


async def test_promote_then_unpublish(
    site_client: TestClient, site_config: DaemonConfig, add_user: Any, token_for: Any
) -> None:
    client, public = site_client, site_config.public_dir
    auth = await headers(client, add_user, token_for)
    assert (public / "releases/tides/index.html").is_file()
    assert not (public / "releases/drafty").exists()
    assert (await client.get("/releases/drafty/")).status == 404

    listing = await (await client.get("/api/admin/releases?status=draft", headers=auth)).json()
    assert [r["slug"] for r in listing["releases"]] == ["drafty"]

    r = await client.post("/api/admin/releases/drafty/publish", headers=auth)
    assert r.status == 202
    body = await r.json()
    assert body["status"] == "published" and body["build"]["state"] in ("started", "queued")
    meta = site_config.content_dir / "releases/drafty/release.yaml"
    text = meta.read_text()
    assert "status: published" in text
    assert "# the artist's own note, kept by promotion" in text and "# inline comment" in text
    await client.app[BUILDS].wait_idle()
    page = await client.get("/releases/drafty/")
    assert page.status == 200 and "Night Drafts" in await page.text()
    assert "Night Drafts" in await (await client.get("/")).text()

    r = await client.post("/api/admin/releases/drafty/unpublish", headers=auth)
    assert r.status == 202
    assert "status: draft" in meta.read_text()
    await client.app[BUILDS].wait_idle()
    assert (await client.get("/releases/drafty/")).status == 404
    assert "Night Drafts" not in await (await client.get("/")).text()


async def test_unknown_release_and_bad_bodies(site_client: TestClient, add_user: Any, token_for: Any) -> None:
    auth = await headers(site_client, add_user, token_for)
    assert (await site_client.post("/api/admin/releases/nope/publish", headers=auth)).status == 404
    json_headers = {**auth, "Content-Type": "application/json"}
    bad = await site_client.post(
        "/api/admin/releases/drafty/publish", headers=json_headers, data=b'{"unlisted": 1}'
    )
    assert bad.status == 400


async def test_a_curator_manages_only_its_artists(
    site_client: TestClient, add_user: Any, token_for: Any
) -> None:
    mine = await headers(site_client, add_user, token_for, "curator", ("aurora",))
    other = await headers(site_client, add_user, token_for, "curator", ("a", "b"))
    assert (await site_client.post("/api/admin/releases/drafty/publish", headers=other)).status == 403
    assert (await site_client.post("/api/admin/releases/drafty/publish", headers=mine)).status == 202
    await site_client.app[BUILDS].wait_idle()


async def test_a_failed_build_leaves_the_site_as_it_was(
    site_client: TestClient, site_config: DaemonConfig, add_user: Any, token_for: Any
) -> None:
    auth = await headers(site_client, add_user, token_for)
    home_before = (site_config.public_dir / "index.html").read_bytes()
    broken = site_config.content_dir / "releases/tides/release.yaml"
    broken.write_text("status: published\ntitle: [unclosed\n")  # invalid YAML: an error, not a crash
    r = await site_client.post("/api/admin/builds", headers=auth)
    assert r.status == 202
    build_id = (await r.json())["id"]
    await site_client.app[BUILDS].wait_idle()
    state = (await (await site_client.get(f"/api/admin/builds/{build_id}", headers=auth)).json())["build"]
    assert state["state"] == "failed" and not state["published"]
    assert any(p["level"] == "error" and "release.yaml" in p["path"] for p in state["problems"])
    assert (site_config.public_dir / "index.html").read_bytes() == home_before
    assert (await site_client.get("/releases/tides/")).status == 200
    health = await (await site_client.get("/health")).json()
    assert health["build"]["last"]["state"] == "failed"


async def test_preview_of_a_draft(site_client: TestClient, add_user: Any, token_for: Any) -> None:
    auth = await headers(site_client, add_user, token_for, "curator", ("x",))
    meta = site_client.app[CONFIG].content_dir / "releases/drafty/release.yaml"
    written = meta.read_bytes()
    r = await site_client.get("/admin/preview/drafty/releases/drafty/", headers=auth)
    page = await r.text()
    assert r.status == 200 and "Night Drafts" in page
    assert "Draft \\2014  not public" in page  # the banner on every page of a preview
    assert meta.read_bytes() == written  # the preview's status was written into its own copy
    listener = await headers(site_client, add_user, token_for, "listener")
    assert (await site_client.get("/admin/preview/drafty/releases/drafty/", headers=listener)).status == 403
    assert (await site_client.get("/releases/drafty/")).status == 404  # still a draft


async def test_users_api_rules(site_client: TestClient, add_user: Any, token_for: Any) -> None:
    owner = await headers(site_client, add_user, token_for)
    manager = await headers(site_client, add_user, token_for, "manager")
    new = {"username": "cora", "password": "a long password", "role": "curator", "artists": ["aurora"]}
    r = await site_client.post("/api/admin/users", headers=manager, json=new)
    assert r.status == 201
    cora = (await r.json())["user"]
    assert cora["artists"] == ["aurora"]
    assert (await site_client.post("/api/admin/users", headers=manager, json=new)).status == 409
    as_owner = {**new, "username": "boss", "role": "owner"}
    assert (await site_client.post("/api/admin/users", headers=manager, json=as_owner)).status == 403
    assert (
        await site_client.patch(f"/api/admin/users/{cora['id']}", headers=manager, json={"role": "owner"})
    ).status == 403
    listing = await (await site_client.get("/api/admin/users", headers=owner)).json()
    owner_id = next(u["id"] for u in listing["users"] if u["role"] == "owner")
    assert (await site_client.delete(f"/api/admin/users/{owner_id}", headers=manager)).status == 403
    last = await site_client.patch(f"/api/admin/users/{owner_id}", headers=owner, json={"role": "listener"})
    assert last.status == 409 and "last Owner" in (await last.json())["error"]
    assert (await site_client.delete(f"/api/admin/users/{cora['id']}", headers=manager)).status == 200
    bad = await site_client.patch(f"/api/admin/users/{owner_id}", headers=owner, json={"artists": "aurora"})
    assert bad.status == 400


# Everything a YAML emitter would reflow: a byte order mark, CRLF, `---`, four-space sequences, a
# line past 80 columns, padded values, comments; the status line is all promotion may touch.
ODD_RELEASE_YAML = (
    "\ufeff---\r\n# the artist's own layout\r\ntitle:   'Night Drafts'   # padded\r\nartist: aurora\r\n"
    "genres:\r\n    - ambient\r\n    - drone\r\n"
    f"credits: {'recorded at night with the window open ' * 3}\r\n"
).encode()


async def test_publishing_from_api_and_dashboard_changes_only_the_status_line(
    site_client: TestClient, site_config: DaemonConfig, add_user: Any, token_for: Any
) -> None:
    meta = site_config.content_dir / "releases/drafty/release.yaml"
    meta.write_bytes(ODD_RELEASE_YAML)
    head, body = ODD_RELEASE_YAML.split(b"title:", 1)
    auth = await headers(site_client, add_user, token_for)

    assert (await site_client.post("/api/admin/releases/drafty/publish", headers=auth)).status == 202
    assert meta.read_bytes() == head + b"status: published\r\ntitle:" + body
    await site_client.app[BUILDS].wait_idle()
    assert (await site_client.get("/releases/drafty/")).status == 200

    await add_user(site_client.app, "olivia", "owner")
    login = {"username": "olivia", "password": "correct horse battery"}
    assert (await site_client.post("/admin/login", data=login, allow_redirects=False)).status == 303
    page = await (await site_client.get("/admin")).text()
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    form = {"csrf": csrf, "unlisted": "1"}
    r = await site_client.post("/admin/releases/drafty/publish", data=form, allow_redirects=False)
    assert r.status == 303 and "drafty is now unlisted" in unquote(r.headers["Location"])
    assert meta.read_bytes() == head + b"status: unlisted\r\ntitle:" + body
    await site_client.app[BUILDS].wait_idle()

    assert (await site_client.post("/api/admin/releases/drafty/unpublish", headers=auth)).status == 202
    assert meta.read_bytes() == head + b"status: draft\r\ntitle:" + body
    await site_client.app[BUILDS].wait_idle()
    assert (await site_client.get("/releases/drafty/")).status == 404


async def test_a_release_yaml_that_cannot_be_edited_safely_is_a_409_and_stays(
    site_client: TestClient, site_config: DaemonConfig, add_user: Any, token_for: Any
) -> None:
    meta = site_config.content_dir / "releases/drafty/release.yaml"
    twice = b"status: draft\ntitle: Night Drafts\nstatus: draft\n"
    meta.write_bytes(twice)
    auth = await headers(site_client, add_user, token_for)
    r = await site_client.post("/api/admin/releases/drafty/publish", headers=auth)
    assert r.status == 409 and "the key appears on lines 1, 3" in (await r.json())["error"]
    assert meta.read_bytes() == twice
