"""The dashboard's forms without a browser: cookie session, CSRF token, flash messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.users import get_user_by_name

PASSWORD = "correct horse battery"


async def signed_in(client: TestClient, add_user: Any, role: str = "owner") -> str:
    """Sign in through the form; returns the page's CSRF token."""
    await add_user(client.app, "olivia", role)
    r = await client.post(
        "/admin/login", data={"username": "olivia", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin/users" if role == "owner" else "/admin")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def test_add_change_and_delete_an_account(client: TestClient, add_user: Any) -> None:
    csrf = await signed_in(client, add_user)
    form = {
        "csrf": csrf,
        "username": "cora",
        "password": "a long password",
        "role": "curator",
        "artists": "a, b",
    }
    r = await client.post("/admin/users", data=form, allow_redirects=False)
    assert r.status == 303 and unquote(r.headers["Location"]).endswith("cora added")
    cora = await client.app[DB].run(lambda db: get_user_by_name(db, "cora"))
    assert cora is not None and cora.role == "curator" and cora.artists == ("a", "b")
    page = await (await client.get("/admin/users")).text()
    assert 'data-user="cora"' in page

    r = await client.post(
        f"/admin/users/{cora.id}",
        data={"csrf": csrf, "role": "manager", "artists": ""},
        allow_redirects=False,
    )
    assert unquote(r.headers["Location"]).endswith("cora updated")
    changed = await client.app[DB].run(lambda db: get_user_by_name(db, "cora"))
    assert changed is not None and changed.role == "manager" and changed.artists == ()

    short = await client.post(
        "/admin/users", data={**form, "username": "dan", "password": "short"}, allow_redirects=False
    )
    assert "at least 10" in unquote(short.headers["Location"])

    r = await client.post(
        f"/admin/users/{cora.id}",
        data={"csrf": csrf, "delete": "1", "role": "manager"},
        allow_redirects=False,
    )
    assert unquote(r.headers["Location"]).endswith("cora deleted")
    assert await client.app[DB].run(lambda db: get_user_by_name(db, "cora")) is None


async def test_a_form_without_the_csrf_token_changes_nothing(client: TestClient, add_user: Any) -> None:
    await signed_in(client, add_user)
    form = {"username": "mallory", "password": "a long password", "role": "owner"}
    assert (await client.post("/admin/users", data=form, allow_redirects=False)).status == 403
    assert await client.app[DB].run(lambda db: get_user_by_name(db, "mallory")) is None


async def test_a_listener_sees_no_admin_pages(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "lee", "listener")
    await client.post("/admin/login", data={"username": "lee", "password": PASSWORD}, allow_redirects=False)
    r = await client.get("/admin")
    assert r.status == 403 and "listener" in await r.text()


async def test_an_artist_must_be_a_slug_in_the_form_and_the_api(
    client: TestClient, add_user: Any, token_for: Any
) -> None:
    csrf = await signed_in(client, add_user)
    form = {"csrf": csrf, "username": "cora", "password": "a long password", "role": "curator"}
    r = await client.post(
        "/admin/users", data={**form, "artists": "aurora, ../../etc"}, allow_redirects=False
    )
    assert r.status == 303 and "'../../etc' is not an artist slug" in unquote(r.headers["Location"])
    assert await client.app[DB].run(lambda db: get_user_by_name(db, "cora")) is None
    api = {"Authorization": f"Bearer {await token_for(client.app, 'olivia')}"}
    for bad in ("../../etc", "Aurora", "aurora/live", "a.b", "-aurora", "aurora "):
        body = {**form, "artists": ["aurora", bad]}
        r = await client.post("/api/admin/users", headers=api, json=body)
        assert r.status == 400 and (await r.json())["error"].startswith(f"artists: {bad!r} is not")
    r = await client.post("/api/admin/users", headers=api, json={**form, "artists": ["aurora", "brook-2"]})
    assert r.status == 201
    cora = (await r.json())["user"]
    r = await client.patch(f"/api/admin/users/{cora['id']}", headers=api, json={"artists": ["../../etc"]})
    assert r.status == 400
    kept = await client.app[DB].run(lambda db: get_user_by_name(db, "cora"))
    assert kept is not None and kept.artists == ("aurora", "brook-2")
