"""Subsonic sign-in against a real daemon: p=, enc:, token (salt reused), apiKey, and the errors."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, LoginLimits
from tunecamp.daemon.subsonic.auth import decode_password, token_matches
from tunecamp.daemon.subsonic.call import SUBSONIC

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


ACCOUNT_PASSWORD = "account password 1"  # every test user's (bcrypt) account password


def params(**extra: str) -> dict[str, str]:
    return {"v": "1.16.1", "c": "t", "f": "json", **extra}


def xff(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def behind_a_proxy(d: Daemon) -> LoginLimits:
    """The limits, reading the client address from X-Forwarded-For: one test plays many addresses."""
    limits = d.app[LOGIN_LIMITS]
    limits.trust_proxy_hops = 1
    return limits


def call_from(d: Daemon, address: str, endpoint: str = "ping", **extra: str) -> dict:
    response = httpx.get(f"{d.rest}/{endpoint}", params=params(**extra), headers=xff(address))
    assert response.status_code == 200
    return response.json()["subsonic-response"]


def token_call(d: Daemon, address: str, user: str) -> dict:
    salt = secrets.token_hex(6)
    token = hashlib.md5((PASSWORDS[user] + salt).encode()).hexdigest()
    return call_from(d, address, u=user, t=token, s=salt)


def web_login(d: Daemon, address: str, user: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{d.url}/api/auth/login", json={"username": user, "password": password}, headers=xff(address)
    )


def record(slept: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return sleep


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


def test_the_access_line_names_the_apps_user(daemon: Daemon, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tunecamp.access"):
        daemon.ok("ping", user="lena")
        call(daemon, u="lena", p="wrong")
        for _ in range(100):  # a line is written once its answer has gone, on the daemon's thread
            lines = [r for r in caplog.records if r.name == "tunecamp.access"]
            if len(lines) == 2:
                break
            time.sleep(0.02)
    assert len(lines) == 2
    lena = daemon.run(
        daemon.app[DB].run(lambda d: d.execute("SELECT id FROM users WHERE username = 'lena'").fetchone()[0])
    )
    assert lines[0].fields["user_id"] == lena  # type: ignore[attr-defined]
    assert "user_id" not in lines[1].fields  # type: ignore[attr-defined]  # a failed sign-in names nobody


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


def test_no_such_user_and_no_subsonic_password_look_the_same(daemon: Daemon) -> None:
    token = hashlib.md5(b"anything" + b"salt").hexdigest()
    answers = [
        call(daemon, u=name, **credentials)["error"]
        for name in ("nobody", "nopass", "lena")
        for credentials in ({"t": token, "s": "salt"}, {"p": "anything"}, {"p": "enc:616e797468696e67"})
    ]
    # the same code and words whether the account is missing, has no Subsonic password or another one
    assert all(answer == answers[0] for answer in answers) and answers[0]["code"] == 40
    assert "Subsonic password" in answers[0]["message"]  # what to do about it, for everyone alike


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


def test_failures_are_limited_per_account_and_address(daemon: Daemon) -> None:
    limits = behind_a_proxy(daemon)
    limits.by_pair.rate = Rate(3, 3600)
    for _ in range(3):
        assert code(call_from(daemon, "10.0.0.1", u="carl", p="guess")) == 40
    limited = httpx.get(
        f"{daemon.rest}/ping", params=params(u="carl", p=PASSWORDS["carl"]), headers=xff("10.0.0.1")
    )
    body = limited.json()["subsonic-response"]
    assert code(body) == 0 and "too many" in body["error"]["message"]
    assert int(limited.headers["Retry-After"]) >= 1
    # the same account from elsewhere, and another account from the same address, go on working
    assert call_from(daemon, "10.0.0.2", u="carl", p=PASSWORDS["carl"])["status"] == "ok"
    assert call_from(daemon, "10.0.0.1", u="lena", p=PASSWORDS["lena"])["status"] == "ok"


def test_successes_do_not_count_against_the_address(daemon: Daemon) -> None:
    daemon.app[LOGIN_LIMITS].by_address.rate = Rate(5, 3600)
    for _ in range(12):
        assert call(daemon, u="lena", p=PASSWORDS["lena"])["status"] == "ok"


def test_a_stranger_cannot_lock_a_musician_out(daemon: Daemon) -> None:
    """Hammering carl's account from A: carl signs in from B at once, and his app keeps working."""
    limits = behind_a_proxy(daemon)
    defaults = DaemonConfig()
    limits.by_address.rate, limits.by_pair.rate = defaults.login_rate_address, defaults.login_rate_account
    limits.by_account.rate = defaults.login_slow_account
    slept: list[float] = []
    limits.sleep = record(slept)
    assert token_call(daemon, "10.0.0.3", "carl")["status"] == "ok"  # his app, at home
    for _ in range(40):
        web_login(daemon, "10.0.0.1", "carl", "wrong password!")
        call_from(daemon, "10.0.0.1", u="carl", p="wrong guess")
    assert web_login(daemon, "10.0.0.1", "carl", ACCOUNT_PASSWORD).status_code == 429  # A is stopped
    assert call_from(daemon, "10.0.0.1", u="carl", p=PASSWORDS["carl"])["error"]["code"] == 0
    assert web_login(daemon, "10.0.0.2", "carl", ACCOUNT_PASSWORD).status_code == 200
    assert slept == []  # not even slowed: one address cannot fail often enough for that
    for _ in range(5):  # a new salt each time, as DSub does: no answer comes from the 5 s cache
        assert token_call(daemon, "10.0.0.3", "carl")["status"] == "ok"
        assert token_call(daemon, "10.0.0.4", "carl")["status"] == "ok"  # and a phone out and about


def test_a_busy_nat_does_not_block_an_app_that_proved_itself(daemon: Daemon) -> None:
    limits = behind_a_proxy(daemon)
    limits.by_address.rate = Rate(10, 3600)
    nat = "10.9.9.9"
    assert token_call(daemon, nat, "lena")["status"] == "ok"
    reused = params(**daemon.params("lena"))  # an app that keeps its salt sends the same credentials
    assert call_from(daemon, nat, **reused)["status"] == "ok"
    for i in range(10):  # someone else behind the same address, failing a lot
        assert code(call_from(daemon, nat, u=f"user{i}", p="guess")) == 40
    assert code(call_from(daemon, nat, apiKey="tcs_wrong")) == 0  # the address is over its limit
    assert code(call_from(daemon, nat, u="carl", p=PASSWORDS["carl"])) == 0  # carl never proved himself here
    assert token_call(daemon, nat, "lena")["status"] == "ok"
    assert call_from(daemon, "10.1.1.1", apiKey=daemon.api_keys["olga"])["status"] == "ok"
    # a guesser at the NAT trying lena herself is still stopped after 5 failures (the fixture's rate)
    limits.by_pair.rate = Rate(5, 3600)
    for _ in range(5):
        assert code(call_from(daemon, nat, u="lena", p="guess")) == 40
    assert code(call_from(daemon, nat, u="lena", p="guess")) == 0
    # then only credentials that verified before get through: they tell a guesser nothing
    daemon.app[SUBSONIC].auth_cache.forget()  # as 5 s later: checked again, not answered from memory
    assert call_from(daemon, nat, **reused)["status"] == "ok"


def test_api_key_failures_count_per_address_only(daemon: Daemon) -> None:
    limits = behind_a_proxy(daemon)
    limits.by_address.rate = Rate(3, 3600)
    for _ in range(3):
        assert code(call_from(daemon, "10.0.0.1", apiKey="tcs_guess")) == 44
    assert code(call_from(daemon, "10.0.0.1", apiKey=daemon.api_keys["lena"])) == 0
    assert call_from(daemon, "10.0.0.2", apiKey=daemon.api_keys["lena"])["status"] == "ok"


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
    assert not token_matches("sesame", "salt", "é" * 32)  # was a TypeError: error 0 "internal error"
