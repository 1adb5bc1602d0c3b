"""Subsonic credentials over the JSON API: one's own, and a manager's over other accounts."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp.test_utils import TestClient


async def bearer(client: TestClient, add_user: Any, token_for: Any, name: str, role: str) -> dict[str, str]:
    await add_user(client.app, name, role)
    return {"Authorization": f"Bearer {await token_for(client.app, name)}"}


async def ping(client: TestClient, **params: str) -> dict[str, Any]:
    response = await client.get("/rest/ping", params={**params, "f": "json"})
    body: dict[str, Any] = (await response.json())["subsonic-response"]
    return body


async def test_own_password_and_keys(client: TestClient, add_user: Any, token_for: Any) -> None:
    me = await bearer(client, add_user, token_for, "amy", "listener")
    status = await (await client.get("/api/subsonic", headers=me)).json()
    assert status == {"username": "amy", "password_set": False, "api_keys": []}
    bad = await client.put("/api/subsonic/password", headers=me, json={"password": "short"})
    assert bad.status == 400
    ok = await client.put("/api/subsonic/password", headers=me, json={"password": "amy's app password"})
    assert ok.status == 200
    token = hashlib.md5(b"amy's app password" + b"xyz").hexdigest()
    assert (await ping(client, u="amy", t=token, s="xyz"))["status"] == "ok"

    made = await client.post("/api/subsonic/keys", headers=me, json={"label": "car"})
    assert made.status == 201
    key = (await made.json())["key"]
    assert (await ping(client, apiKey=key))["status"] == "ok"
    listed = await (await client.get("/api/subsonic", headers=me)).json()
    assert listed["password_set"] and [k["label"] for k in listed["api_keys"]] == ["car"]
    assert key not in str(listed)
    key_id = listed["api_keys"][0]["id"]
    assert (await client.delete(f"/api/subsonic/keys/{key_id}", headers=me)).status == 200
    assert (await client.delete(f"/api/subsonic/keys/{key_id}", headers=me)).status == 404
    assert (await ping(client, apiKey=key))["error"]["code"] == 44  # revoked at once
    assert (await client.delete("/api/subsonic/password", headers=me)).status == 200
    assert (await ping(client, u="amy", t=token, s="xyz"))["error"]["code"] == 40  # as for no such user


async def test_managers_manage_accounts_below_them(client: TestClient, add_user: Any, token_for: Any) -> None:
    manager = await bearer(client, add_user, token_for, "max", "manager")
    owner = await bearer(client, add_user, token_for, "ola", "owner")
    listener = await add_user(client.app, "lia", "listener")
    owner_id = (await (await client.get("/api/auth/me", headers=owner)).json())["user"]["id"]
    url = f"/api/admin/users/{listener.id}/subsonic"
    assert (
        await client.put(f"{url}/password", headers=manager, json={"password": "lia's password"})
    ).status == 200
    assert (await ping(client, u="lia", p="lia's password"))["status"] == "ok"
    made = await (await client.post(f"{url}/keys", headers=manager)).json()
    assert (await ping(client, apiKey=made["key"]))["status"] == "ok"
    refused = await client.put(
        f"/api/admin/users/{owner_id}/subsonic/password", headers=manager, json={"password": "taken over!"}
    )
    assert refused.status == 403  # only an Owner touches an Owner
    lia = {"Authorization": f"Bearer {await token_for(client.app, 'lia')}"}
    assert (await client.get(url, headers=lia)).status == 403
    assert (await client.get("/api/admin/users/999/subsonic", headers=owner)).status == 404
    assert (await client.get("/api/subsonic")).status == 401
