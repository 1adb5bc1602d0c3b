"""Subsonic sign-in against a real daemon: p=, enc:, token (salt reused), apiKey, and the errors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

from tunecamp.daemon.subsonic_auth import decode_password, token_matches

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


def call(d: Daemon, endpoint: str = "ping", **params: str) -> dict:
    response = httpx.get(f"{d.rest}/{endpoint}", params={"v": "1.16.1", "c": "t", "f": "json", **params})
    assert response.status_code == 200
    return response.json()["subsonic-response"]


def code(body: dict) -> int | None:
    return body["error"]["code"] if body["status"] == "failed" else None


def test_plain_and_hex_passwords(daemon: Daemon) -> None:
    password = PASSWORDS["lena"]
    assert call(daemon, u="lena", p=password)["status"] == "ok"
    hexed = password.encode().hex()
    assert call(daemon, u="lena", p=f"enc:{hexed}")["status"] == "ok"
    assert call(daemon, u="lena", p=f"enc:{hexed.upper()}")["status"] == "ok"
    assert call(daemon, u="LENA", p=password)["status"] == "ok"  # usernames are case-insensitive
    assert code(call(daemon, u="lena", p="wrong")) == 40
    assert code(call(daemon, u="lena", p="enc:zz")) == 40
    assert code(call(daemon, u="nobody", p=password)) == 40


def test_account_password_is_not_the_subsonic_password(daemon: Daemon) -> None:
    assert code(call(daemon, u="lena", p="account password 1")) == 40
    body = call(daemon, u="nopass", p="account password 1")
    assert code(body) == 40 and "Subsonic password" in body["error"]["message"]


def test_token_with_a_reused_salt(daemon: Daemon) -> None:
    salt = "always-the-same"
    token = hashlib.md5((PASSWORDS["lena"] + salt).encode()).hexdigest()
    for _ in range(3):
        assert call(daemon, u="lena", t=token, s=salt)["status"] == "ok"
    assert call(daemon, u="lena", t=token.upper(), s=salt)["status"] == "ok"
    assert code(call(daemon, u="lena", t=token, s="other-salt")) == 40
    assert code(call(daemon, u="lena", t="0" * 32, s=salt)) == 40


def test_token_unsupported_without_an_app_password(daemon: Daemon) -> None:
    token = hashlib.md5(b"anything" + b"salt").hexdigest()
    body = call(daemon, u="nopass", t=token, s="salt")
    assert code(body) == 41


def test_api_key(daemon: Daemon) -> None:
    key = daemon.api_keys["lena"]
    assert call(daemon, apiKey=key)["status"] == "ok"
    info = call(daemon, "tokenInfo", apiKey=key)
    assert info["tokenInfo"] == {"username": "lena"}
    assert code(call(daemon, apiKey=key, u="lena")) == 43
    assert code(call(daemon, apiKey="tcs_not-a-key")) == 44
    # tokenInfo describes a key: with a password it is an error, not someone else's name
    assert code(call(daemon, "tokenInfo", u="lena", p=PASSWORDS["lena"])) == 0


def test_missing_credentials(daemon: Daemon) -> None:
    assert code(call(daemon)) == 10
    assert code(call(daemon, u="lena")) == 10
    assert code(call(daemon, u="lena", t="abc")) == 10


def test_failures_are_rate_limited_like_login(daemon: Daemon) -> None:
    from tunecamp.daemon.config import Rate
    from tunecamp.daemon.ratelimit import LOGIN_LIMITS

    limits = daemon.app[LOGIN_LIMITS]
    limits.by_account.rate = Rate(3, 3600)
    for _ in range(3):
        assert code(call(daemon, u="carl", p="guess")) == 40
    body = call(daemon, u="carl", p=PASSWORDS["carl"])
    assert code(body) == 0 and "too many" in body["error"]["message"]
    # another account from the same address still works: only failures count
    assert call(daemon, u="lena", p=PASSWORDS["lena"])["status"] == "ok"


def test_successes_do_not_count_against_the_address(daemon: Daemon) -> None:
    from tunecamp.daemon.config import Rate
    from tunecamp.daemon.ratelimit import LOGIN_LIMITS

    daemon.app[LOGIN_LIMITS].by_address.rate = Rate(5, 3600)
    for _ in range(12):
        assert call(daemon, u="lena", p=PASSWORDS["lena"])["status"] == "ok"


def test_a_basic_auth_header_from_a_proxy_is_ignored(daemon: Daemon) -> None:
    response = httpx.get(
        f"{daemon.rest}/ping",
        params={"u": "lena", "p": PASSWORDS["lena"], "f": "json"},
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
    )
    assert response.status_code == 200 and response.json()["subsonic-response"]["status"] == "ok"


def test_password_decoding() -> None:
    assert decode_password("plain") == "plain"
    assert decode_password("enc:" + "sésame".encode().hex()) == "sésame"
    assert decode_password("ENC:" + b"abc".hex().upper()) == "abc"
    assert decode_password("enc:xyz") is None
    assert decode_password("enc:ff") is None  # not UTF-8
    assert token_matches("sesame", "salt", hashlib.md5(b"sesamesalt").hexdigest())
    assert not token_matches("sesame", "salt", "not hex at all")
