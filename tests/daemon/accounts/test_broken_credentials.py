"""A mangled session cookie or Authorization header: never a 500, and no page that needs none is broken.

Sent as raw bytes (raw_http.py): aiohttp's client will not put bytes that are not UTF-8 in a header.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from raw_http import send_raw

from tunecamp.daemon.accounts.sessions import COOKIE

MANGLED_COOKIES = [b"\xff\xfe", b"\xc3(", "ça".encode(), b'"unterminated']


@pytest.mark.parametrize("cookie", MANGLED_COOKIES)
async def test_a_mangled_session_cookie_is_no_session(
    client: TestClient, cookie: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.server is not None
    headers = [(b"Cookie", COOKIE.encode() + b"=" + cookie)]
    with caplog.at_level(logging.ERROR):
        for path, status in [(b"/health", 200), (b"/", 200), (b"/admin/login", 200), (b"/api/auth/me", 401)]:
            answer = await send_raw(client.server, "GET", path, headers)
            assert answer.status == status, (path, answer.raw[:300])  # each was a 500
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_undecodable_authorization_header_is_401_and_health_still_answers(
    client: TestClient, add_user: Any, token_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.server is not None
    await add_user(client.app, "olivia", "owner")
    token = (await token_for(client.app, "olivia")).encode()
    with caplog.at_level(logging.ERROR):
        for header in [b"Bearer \xff\xfe", b"Bearer " + token + b"\xff", b"\xff", "Bearer é".encode()]:
            answer = await send_raw(client.server, "GET", b"/api/auth/me", [(b"Authorization", header)])
            assert answer.status == 401, answer.raw[:300]  # was a 500 but for the last
            health = await send_raw(client.server, "GET", b"/health", [(b"Authorization", header)])
            assert health.status == 200, health.raw[:300]  # was a 500, then a 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # the same token, intact, still signs in
    me = await send_raw(client.server, "GET", b"/api/auth/me", [(b"Authorization", b"Bearer " + token)])
    assert me.status == 200
