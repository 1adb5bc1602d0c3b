from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from tunecamp.daemon.accounts.onboarding import SETUP_URL
from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.users import list_users


async def test_the_setup_link_creates_the_first_owner_once(client: TestClient) -> None:
    link = client.app[SETUP_URL]
    path = urlsplit(link).path + "?" + urlsplit(link).query
    token = link.split("token=", 1)[1]
    form = await client.get(path)
    assert form.status == 200 and "Create the Owner" in await form.text()
    mismatch = await client.post(
        "/admin/setup",
        data={"token": token, "username": "alice", "password": "a long password", "password_again": "other"},
    )
    assert mismatch.status == 200 and "differ" in await mismatch.text()
    done = await client.post(
        "/admin/setup",
        allow_redirects=False,
        data={
            "token": token,
            "username": "alice",
            "password": "a long password",
            "password_again": "a long password",
        },
    )
    assert done.status == 303 and done.headers["Location"] == "/admin"
    users = await client.app[DB].run(list_users)
    assert [(u.username, u.role) for u in users] == [("alice", "owner")]
    assert (await client.get("/admin")).status == 200  # signed in by the setup
    client.session.cookie_jar.clear()
    again = await client.post(
        "/admin/setup",
        data={
            "token": token,
            "username": "mallory",
            "password": "a long password",
            "password_again": "a long password",
        },
    )
    assert again.status == 404
    assert (await client.get(path)).status == 404
    assert len(await client.app[DB].run(list_users)) == 1


async def test_wrong_tokens_get_nothing(client: TestClient) -> None:
    for token in ("", "nope", "x" * 300):
        assert (await client.get(f"/admin/setup?token={token}")).status == 404
    r = await client.post(
        "/admin/setup",
        data={
            "token": "nope",
            "username": "mallory",
            "password": "a long password",
            "password_again": "a long password",
        },
    )
    assert r.status == 404
    assert await client.app[DB].run(list_users) == []


async def test_no_link_once_an_account_exists(
    aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig, add_user: Any
) -> None:
    first = await aiohttp_client(create_app(config))
    await add_user(first.app, "alice", "owner")
    await first.close()
    second = await aiohttp_client(create_app(config))
    assert SETUP_URL not in second.app
