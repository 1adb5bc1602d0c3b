"""Token auth with a fresh salt on every request: the opened password is remembered, safely."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

from tunecamp.daemon.subsonic.call import SUBSONIC

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("salts")) as running:
        yield running


def ping(daemon: Daemon, user: str, password: str) -> dict[str, Any]:
    salt = secrets.token_hex(6)
    token = hashlib.md5((password + salt).encode()).hexdigest()
    params = {"u": user, "t": token, "s": salt, "v": "1.16.1", "c": "t", "f": "json"}
    body: dict[str, Any] = httpx.get(f"{daemon.rest}/ping", params=params).json()["subsonic-response"]
    return body


def test_fresh_salts_use_the_remembered_password(daemon: Daemon) -> None:
    cache = daemon.app[SUBSONIC].auth_cache
    cache.forget()
    assert ping(daemon, "lena", PASSWORDS["lena"])["status"] == "ok"
    assert "lena" in cache.secrets  # opened once...
    for _ in range(3):  # ...and each fresh salt after it is checked against it
        assert ping(daemon, "lena", PASSWORDS["lena"])["status"] == "ok"
    assert len(cache.entries) == 4  # each salt is a credential of its own
    wrong = ping(daemon, "lena", "not lena's password")
    assert wrong["status"] == "failed" and wrong["error"]["code"] == 40  # the remembered one still refuses


def test_a_new_password_is_used_at_once(daemon: Daemon) -> None:
    assert ping(daemon, "carl", PASSWORDS["carl"])["status"] == "ok"
    headers = {"Authorization": f"Bearer {login(daemon, 'carl')}"}
    changed = httpx.put(
        f"{daemon.url}/api/subsonic/password", json={"password": "carl's new password"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert ping(daemon, "carl", PASSWORDS["carl"])["error"]["code"] == 40  # forgotten with the change
    assert ping(daemon, "carl", "carl's new password")["status"] == "ok"


def login(daemon: Daemon, user: str) -> str:
    response = httpx.post(
        f"{daemon.url}/api/auth/login", json={"username": user, "password": "account password 1"}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token
