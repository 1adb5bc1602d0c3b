from __future__ import annotations

import dataclasses
import io
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, LoginLimits
from tunecamp.daemon.shared_limits import LIMITS

PASSWORD = "correct horse battery"


@pytest.fixture
def config(config: DaemonConfig, backend_url: str) -> DaemonConfig:
    """Every test twice: the sign-in limits in this process, and in Redis (tests/shared_state.py)."""
    return dataclasses.replace(config, redis_url=backend_url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_login_returns_a_token_that_works(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "maria", "manager")
    response = await login(client, "maria")
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "Bearer" and body["user"]["role"] == "manager"
    me = await client.get("/api/auth/me", headers=bearer(body["token"]))
    assert me.status == 200 and (await me.json())["user"]["username"] == "maria"
    # usernames are case-insensitive
    assert (await login(client, "MARIA")).status == 200


async def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "maria", "manager")
    wrong = await login(client, "maria", "not the password")
    unknown = await login(client, "nobody", "not the password")
    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["error"] == (await unknown.json())["error"]


async def test_bad_login_bodies_are_400_never_500(client: TestClient) -> None:
    bodies = [
        b"",
        b"{",
        b"[]",
        b'"x"',
        b"null",
        b'{"username": 1, "password": "x"}',
        b'{"username": "a"}',
        '{"username": "\u00e9", "password": "x"}'.encode(),
        b"\xff\xfe",
    ]
    for body in bodies:
        r = await client.post("/api/auth/login", data=body, headers={"Content-Type": "application/json"})
        assert r.status in (400, 401), body
        assert "error" in await r.json()
    r = await client.post(
        "/api/auth/login",
        data="username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 400


async def test_oversized_body_is_413(client: TestClient) -> None:
    big = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'", "password": "x"}'
    r = await client.post(
        "/api/auth/login", data=io.BytesIO(big), headers={"Content-Type": "application/json"}
    )
    assert r.status == 413


async def test_expired_token(client: TestClient, add_user: Any, token_for: Any) -> None:
    await add_user(client.app, "lee", "listener")
    token = await token_for(client.app, "lee", ttl=60, now=time.time() - 3600)
    r = await client.get("/api/auth/me", headers=bearer(token))
    assert r.status == 401 and "expired" in (await r.json())["error"]


async def test_forged_and_none_tokens(client: TestClient, add_user: Any, token_for: Any) -> None:
    import base64
    import json

    await add_user(client.app, "lee", "listener")
    good = await token_for(client.app, "lee")
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "999"
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    for token in (
        f"{head}.{forged_body}.{sig}",
        f"{none_head}.{body}.",
        good[:-4] + ("BBBB" if good.endswith("AAAA") else "AAAA"),
        "garbage",
    ):
        r = await client.get("/api/auth/me", headers=bearer(token))
        assert r.status == 401, token
    assert (await client.get("/api/auth/me", headers={"Authorization": "Basic abc"})).status == 401
    assert (await client.get("/api/auth/me", headers={"Authorization": "Bearer "})).status == 401


async def test_logout_everywhere_revokes_every_token(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "lee", "listener")
    first = (await (await login(client, "lee")).json())["token"]
    second = (await (await login(client, "lee")).json())["token"]
    assert (await client.post("/api/auth/logout-all", headers=bearer(first))).status == 200
    for token in (first, second):
        r = await client.get("/api/auth/me", headers=bearer(token))
        assert r.status == 401 and "revoked" in (await r.json())["error"]
    fresh = (await (await login(client, "lee")).json())["token"]
    assert (await client.get("/api/auth/me", headers=bearer(fresh))).status == 200


async def test_password_change_revokes_and_returns_a_new_token(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "lee", "listener")
    old = (await (await login(client, "lee")).json())["token"]
    short = await client.post(
        "/api/auth/password",
        headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status == 400
    wrong = await client.post(
        "/api/auth/password",
        headers=bearer(old),
        json={"current_password": "nope nope nope", "new_password": "a new long password"},
    )
    assert wrong.status == 401
    r = await client.post(
        "/api/auth/password",
        headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert r.status == 200
    new = (await r.json())["token"]
    assert (await client.get("/api/auth/me", headers=bearer(old))).status == 401
    assert (await client.get("/api/auth/me", headers=bearer(new))).status == 200
    assert (await login(client, "lee")).status == 401
    assert (await login(client, "lee", "a new long password")).status == 200


async def test_failures_are_limited_per_account_with_retry_after(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "maria", "manager")
    for _ in range(5):  # the fixture allows 5 failures per account a minute
        assert (await login(client, "maria", "wrong password!")).status == 401
    limited = await login(client, "maria", "wrong password!")
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "try again" in (await limited.json())["error"]
    # even the right password waits at this address: the account is being guessed at from it
    assert (await login(client, "maria")).status == 429
    # other accounts are not affected
    await add_user(client.app, "lee", "listener")
    assert (await login(client, "lee")).status == 200


async def test_attempts_are_limited_per_address(client: TestClient, add_user: Any) -> None:
    statuses = [(await login(client, f"user{i}", "wrong password!")).status for i in range(55)]
    assert statuses[:50] == [401] * 50  # the fixture allows 50 attempts per address a minute
    assert set(statuses[50:]) == {429}


def from_address(address: str, device: str | None = None) -> dict[str, str]:
    """A request from `address` (the tests trust one proxy hop), with a known-device cookie or none."""
    headers = {"X-Forwarded-For": address}
    if device:
        headers["Cookie"] = f"tunecamp_device={device}"
    return headers


async def login_from(
    client: TestClient, address: str, username: str, password: str = PASSWORD, device: str | None = None
) -> Any:
    client.session.cookie_jar.clear()  # each caller is a browser of its own
    return await client.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        headers=from_address(address, device),
    )


def limits_behind_a_proxy(client: TestClient) -> tuple[LoginLimits, list[float], list[float]]:
    """The app's limits reading X-Forwarded-For, on a clock the test moves, recording the waits."""
    limits = client.app[LOGIN_LIMITS]
    limits.trust_proxy_hops = 1
    now, slept = [1000.0], []
    limits.clock = client.app[LIMITS].clock = lambda: now[0]  # in Redis too

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limits.sleep = sleep
    return limits, now, slept


async def test_a_stranger_cannot_lock_a_musician_out(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "alice", "curator")
    _, now, slept = limits_behind_a_proxy(client)
    statuses = [(await login_from(client, "10.0.0.1", "alice", "wrong password!")).status for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3  # the fixture allows 5 failures per account and address
    assert (await login_from(client, "10.0.0.1", "alice")).status == 429  # A waits, even with the password
    assert (await login_from(client, "10.0.0.2", "alice")).status == 200  # alice at B: at once
    for _ in range(10):  # a failure a minute keeps A waiting, and only A
        now[0] += 60
        await login_from(client, "10.0.0.1", "alice", "wrong password!")
        assert (await login_from(client, "10.0.0.3", "alice")).status == 200
    assert slept == []


async def test_a_known_device_signs_in_where_strangers_failed(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "alice", "curator")
    await add_user(client.app, "bob", "listener")
    limits_behind_a_proxy(client)
    nat = "10.0.0.9"
    first = await login_from(client, nat, "alice")
    cookie = first.cookies["tunecamp_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    device = cookie.value
    for i in range(44):  # the fixture allows 50 attempts per address: 1 + 44 + 5
        await login_from(client, nat, f"user{i}", "wrong password!")
    for _ in range(5):
        assert (await login_from(client, nat, "alice", "wrong password!")).status == 401
    assert (await login_from(client, nat, "bob")).status == 429  # the address is spent
    assert (await login_from(client, nat, "alice")).status == 429  # and alice at it, as a stranger
    assert (await login_from(client, nat, "alice", device=device)).status == 200  # her own browser
    assert (await login_from(client, nat, "bob", device=device)).status == 429  # it is alice's, not bob's
    forged = device[:-1] + ("1" if device.endswith("0") else "0")
    assert (await login_from(client, nat, "alice", device=forged)).status == 429


async def test_failures_from_everywhere_slow_a_sign_in_but_never_refuse_it(
    client: TestClient, add_user: Any
) -> None:
    await add_user(client.app, "alice", "curator")
    limits, _, slept = limits_behind_a_proxy(client)
    limits.by_account.rate = Rate(3, 3600)
    device = (await login_from(client, "10.0.0.50", "alice")).cookies["tunecamp_device"].value
    for i in range(4):  # a botnet: one guess from each of many addresses
        assert (await login_from(client, f"10.1.0.{i}", "alice", "wrong password!")).status == 401
    assert slept == [2.0]  # the fourth guess waited (the default TUNECAMP_LOGIN_SLOW_DELAY)
    assert (await login_from(client, "10.0.0.60", "alice")).status == 200  # slowed, let in
    assert slept == [2.0, 2.0]
    assert (await login_from(client, "10.0.0.61", "alice", device=device)).status == 200
    assert slept == [2.0, 2.0]  # her known browser does not wait


async def test_changing_the_password_is_not_held_back_by_a_guesser(
    client: TestClient, add_user: Any, token_for: Any
) -> None:
    await add_user(client.app, "alice", "curator")
    token = await token_for(client.app, "alice")
    for _ in range(6):  # a guesser from the same address as alice's session
        await login(client, "alice", "wrong password!")
    assert (await login(client, "alice")).status == 429
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
        headers=bearer(token),
    )
    assert changed.status == 200


async def test_the_dashboards_429_says_when_to_retry(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "alice", "curator")
    for _ in range(6):
        page = await client.post("/admin/login", data={"username": "alice", "password": "wrong password!"})
    assert page.status == 429 and int(page.headers["Retry-After"]) >= 1
    assert "Too many attempts" in await page.text()


async def test_dashboard_cookie_needs_csrf_for_changes(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "olivia", "owner")
    r = await client.post(
        "/admin/login",
        data={"username": "olivia", "password": PASSWORD, "next": "/admin"},
        allow_redirects=False,
    )
    assert r.status == 303 and r.headers["Location"] == "/admin"
    cookie = r.cookies["tunecamp_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    page = await client.get("/admin")
    assert page.status == 200
    html = await page.text()
    csrf = html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert len(csrf) == 64
    # a cookie-authenticated change without the token is refused, with it accepted
    assert (await client.post("/admin/builds", data={}, allow_redirects=False)).status == 403
    assert (await client.post("/admin/builds", data={"csrf": "0" * 64}, allow_redirects=False)).status == 403
    assert (await client.post("/api/auth/logout-all", headers={"X-CSRF-Token": "bad"})).status == 403
    evil = await client.post(
        "/admin/logout",
        data={"csrf": csrf},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert evil.status == 403
    ok = await client.post("/admin/logout", data={"csrf": csrf}, allow_redirects=False)
    assert ok.status == 303


async def test_login_redirect_stays_on_this_site(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "olivia", "owner")
    for target in ("//evil.example/admin", "https://evil.example", "/admin\\@evil"):
        client.session.cookie_jar.clear()
        r = await client.post(
            "/admin/login",
            data={"username": "olivia", "password": PASSWORD, "next": target},
            allow_redirects=False,
        )
        assert r.headers["Location"] == "/admin"
