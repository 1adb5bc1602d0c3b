"""The dashboard's Subsonic pages: credentials set through a form work in a real Subsonic call."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.subsonic.credentials import has_app_password, list_api_keys
from tunecamp.daemon.users import User

PASSWORD = "correct horse battery"
SALT = "s4lt"


async def sign_in(client: TestClient, add_user: Any, name: str, role: str) -> tuple[User, str]:
    """A new account signed in through the login form: (the user, the pages' CSRF token)."""
    user = await add_user(client.app, name, role)
    client.session.cookie_jar.clear()
    r = await client.post(
        "/admin/login", data={"username": name, "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    page = await client.get("/admin/subsonic")
    assert page.status == 200
    return user, csrf_of(await page.text())


def csrf_of(html: str) -> str:
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def flash(response: Any) -> str:
    assert response.status == 303, response.status
    return unquote(response.headers["Location"].split("flash=", 1)[1])


async def subsonic(client: TestClient, endpoint: str = "ping", **params: str) -> dict[str, Any]:
    """A Subsonic call (the dashboard's cookie goes along, and /rest ignores it)."""
    response = await client.get(f"/rest/{endpoint}", params={**params, "f": "json"})
    body: dict[str, Any] = (await response.json())["subsonic-response"]
    return body


def token(password: str) -> dict[str, str]:
    return {"t": hashlib.md5((password + SALT).encode()).hexdigest(), "s": SALT}


async def test_a_listener_lands_on_the_page_and_sets_a_password(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "lena", "listener")
    r = await client.post(
        "/admin/login", data={"username": "lena", "password": PASSWORD}, allow_redirects=False
    )
    assert r.headers["Location"] == "/admin/subsonic"  # /admin itself is not for Listeners
    page = await (await client.get("/admin/subsonic")).text()
    assert f"http://{client.host}:{client.port}" in page and "Not set" in page
    csrf = csrf_of(page)

    url = "/admin/subsonic/password"
    mismatch = {"csrf": csrf, "password": "lena's app pass", "password_again": "something else"}
    assert "differ" in flash(await client.post(url, data=mismatch, allow_redirects=False))
    short = {"csrf": csrf, "password": "short", "password_again": "short"}
    assert "at least 8" in flash(await client.post(url, data=short, allow_redirects=False))
    assert (await subsonic(client, u="lena", **token("short")))["error"]["code"] == 40  # none set yet

    good = {"csrf": csrf, "password": "lena's app pass", "password_again": "lena's app pass"}
    assert "is set" in flash(await client.post(url, data=good, allow_redirects=False))
    body = await subsonic(client, "getUser", u="lena", username="lena", **token("lena's app pass"))
    assert body["status"] == "ok" and body["user"]["username"] == "lena"
    assert (await subsonic(client, u="lena", **token("wrong password")))["error"]["code"] == 40
    assert "Setting a new one" in await (await client.get("/admin/subsonic")).text()

    cleared = await client.post(url, data={"csrf": csrf, "clear": "1"}, allow_redirects=False)
    assert "removed" in flash(cleared)
    assert (await subsonic(client, u="lena", **token("lena's app pass")))["error"]["code"] == 40


async def test_an_api_key_is_shown_once_works_and_is_revoked(client: TestClient, add_user: Any) -> None:
    user, csrf = await sign_in(client, add_user, "lena", "listener")
    made = await client.post("/admin/subsonic/keys", data={"csrf": csrf, "label": "phone <b>"})
    assert made.status == 200
    html = await made.text()
    key = re.search(r'<code id="new-key">([^<]+)</code>', html)
    assert key is not None and "phone &lt;b&gt;" in html  # the label is escaped
    ping = await subsonic(client, apiKey=key.group(1))
    assert ping["status"] == "ok"

    later = await (await client.get("/admin/subsonic")).text()
    assert key.group(1) not in later and "phone &lt;b&gt;" in later  # listed, never shown again
    keys = await client.app[DB].run(lambda db: list_api_keys(db, user.id))
    assert [k["label"] for k in keys] == ["phone <b>"] and keys[0]["last_used_at"]

    revoke = f"/admin/subsonic/keys/{keys[0]['id']}/revoke"
    assert "revoked" in flash(await client.post(revoke, data={"csrf": csrf}, allow_redirects=False))
    assert (await subsonic(client, apiKey=key.group(1)))["error"]["code"] == 44  # at once, not in 5 s
    assert "No such key" in flash(await client.post(revoke, data={"csrf": csrf}, allow_redirects=False))
    bad = "/admin/subsonic/keys/nonsense/revoke"
    assert "No such key" in flash(await client.post(bad, data={"csrf": csrf}, allow_redirects=False))


async def test_forms_without_the_csrf_token_change_nothing(client: TestClient, add_user: Any) -> None:
    user, csrf = await sign_in(client, add_user, "lena", "listener")
    form = {"password": "lena's app pass", "password_again": "lena's app pass"}
    assert (await client.post("/admin/subsonic/password", data=form)).status == 403
    wrong = await client.post("/admin/subsonic/password", data={**form, "csrf": csrf[::-1]})
    assert wrong.status == 403
    elsewhere = await client.post(
        "/admin/subsonic/keys", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status == 403
    assert (await client.post("/admin/subsonic/keys", data={"label": "x"})).status == 403
    stored = await client.app[DB].run(lambda db: (has_app_password(db, user.id), list_api_keys(db, user.id)))
    assert stored == (False, [])
    client.session.cookie_jar.clear()
    assert (await client.post("/admin/subsonic/keys", data={"csrf": csrf})).status == 401


async def test_a_listener_cannot_manage_someone_elses_credentials(client: TestClient, add_user: Any) -> None:
    other = await add_user(client.app, "olga", "listener")
    _, csrf = await sign_in(client, add_user, "lena", "listener")
    base = f"/admin/users/{other.id}/subsonic"
    assert (await client.get(base)).status == 403
    form = {"csrf": csrf, "password": "taken over!", "password_again": "taken over!"}
    assert (await client.post(f"{base}/password", data=form)).status == 403
    assert (await client.post(f"{base}/keys", data={"csrf": csrf})).status == 403
    stored = await client.app[DB].run(
        lambda db: (has_app_password(db, other.id), list_api_keys(db, other.id))
    )
    assert stored == (False, [])


async def test_managers_manage_accounts_below_them(client: TestClient, add_user: Any) -> None:
    owner = await add_user(client.app, "ola", "owner")
    lia = await add_user(client.app, "lia", "listener")
    _, csrf = await sign_in(client, add_user, "max", "manager")
    users = await (await client.get("/admin/users")).text()
    assert f'href="/admin/users/{lia.id}/subsonic"' in users
    assert f'href="/admin/users/{owner.id}/subsonic"' not in users

    base = f"/admin/users/{lia.id}/subsonic"
    page = await (await client.get(base)).text()
    assert "Subsonic &amp; apps: lia" in page and f'action="{base}/password"' in page
    form = {"csrf": csrf, "password": "lia's app pass", "password_again": "lia's app pass"}
    r = await client.post(f"{base}/password", data=form, allow_redirects=False)
    assert r.headers["Location"].startswith(f"{base}?flash=") and "lia is set" in flash(r)
    assert (await subsonic(client, u="lia", p="lia's app pass"))["status"] == "ok"
    made = await (await client.post(f"{base}/keys", data={"csrf": csrf})).text()
    key = re.search(r'<code id="new-key">([^<]+)</code>', made)
    assert key is not None
    assert (await subsonic(client, "getUser", apiKey=key.group(1), username="lia"))["user"][
        "username"
    ] == "lia"

    refused = await client.post(f"/admin/users/{owner.id}/subsonic/password", data=form)
    assert refused.status == 403 and "Owner" in await refused.text()
    assert (await client.get("/admin/users/999999/subsonic")).status == 404
