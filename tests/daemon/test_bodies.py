"""Bodies that cannot be decoded are a 400 (a Subsonic error on /rest), never a 500 with a traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.accounts.sessions import COOKIE
from tunecamp.daemon.bodies import MAX_DEPTH, MalformedBody, parse_json

JSON = {"Content-Type": "application/json"}
B = "fuzzB"
MULTIPART = f"multipart/form-data; boundary={B}"


def part(name: str, value: bytes, extra: str = "") -> bytes:
    head = f'--{B}\r\nContent-Disposition: form-data; name="{name}"\r\n{extra}\r\n'
    return head.encode() + value + b"\r\n"


END = f"--{B}--\r\n".encode()
# (Content-Type, body, what the 400 says)
MALFORMED_FORMS = {
    "wrong boundary": (MULTIPART, b"--other\r\n\r\nx\r\n--other--\r\n", "malformed form body"),
    "no boundary": ("multipart/form-data", b"--x\r\n\r\nx\r\n--x--\r\n", "malformed form body"),
    "truncated": (MULTIPART, part("username", b"a")[:-6], "malformed form body"),
    "nameless part": (
        MULTIPART,
        f"--{B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode() + END,
        "name",
    ),
    "unknown charset": (
        MULTIPART,
        part("username", b"a", "Content-Type: text/plain; charset=x\r\n") + END,
        "x",
    ),
    "UTF-7 surrogate": (
        MULTIPART,
        part("username", b"+2AA-", "Content-Type: text/plain; charset=utf-7\r\n") + END,
        "surrogate",
    ),
    "not UTF-8": (MULTIPART, part("password", b"\xff\xfe") + END, "utf-8"),
    "a file": (MULTIPART, part('username"; filename="a.txt', b"x") + END, "not a file"),
    "form not UTF-8": ("application/x-www-form-urlencoded", b"username=\xff\xfe&password=x", "utf-8"),
}


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_json_depth_is_bounded_and_strings_must_be_text() -> None:
    nested: Any = []
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) == nested
    assert parse_json('{"name": "Ångström \\ud83c\\udfb5"}'.encode()) == {"name": "Ångström 🎵"}
    for raw, says in [
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b'{"a": "\\ud800"}', "lone surrogate (\\ud800)"),
        (b'{"\\udfff": 1}', "JSON key: a lone surrogate"),
        (b'["\xed\xa0\x80"]', "not UTF-8"),  # json.loads(bytes) would have let it through
        (b'{"a": "\xff"}', "not UTF-8 (byte 7)"),
    ]:
        with pytest.raises(MalformedBody) as caught:
            parse_json(raw)
        assert says in str(caught.value), (raw[:20], str(caught.value))


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # was a 500: RecursionError
        b'{"username": "\\ud800", "password": "x"}',  # was a 500: UnicodeEncodeError in SQLite
        b'{"username": "\xed\xa0\x80", "password": "x"}',  # the same, sent as bytes
    ],
)
async def test_undecodable_json_is_400(
    client: TestClient, owner_headers: dict[str, str], body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        for path, headers in [("/api/auth/login", JSON), ("/api/admin/users", {**JSON, **owner_headers})]:
            r = await client.post(path, data=body, headers=headers)
            assert r.status == 400, await r.text()
            assert (await r.json())["error"]
    assert not logged_errors(caplog)


@pytest.mark.parametrize("path", ["/admin/login", "/admin/setup"])
@pytest.mark.parametrize("case", MALFORMED_FORMS)
async def test_a_malformed_form_is_400(
    client: TestClient, path: str, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    content_type, body, says = MALFORMED_FORMS[case]
    with caplog.at_level(logging.ERROR):
        r = await client.post(path, data=body, headers={"Content-Type": content_type})
        text = await r.text()
    assert r.status == 400, text  # was a 500 for every case but "a file"
    assert says.lower() in text.lower()
    assert not logged_errors(caplog)


async def test_the_csrf_check_answers_a_malformed_form_with_400(
    client: TestClient, add_user: Any, token_for: Any
) -> None:
    await add_user(client.app, "olivia", "owner")
    cookie = {"Cookie": f"{COOKIE}={await token_for(client.app, 'olivia')}"}
    content_type, body, _ = MALFORMED_FORMS["wrong boundary"]
    r = await client.post("/admin/users", data=body, headers={**cookie, "Content-Type": content_type})
    assert r.status == 400 and "malformed form body" in await r.text()  # was a 500
    # and a CSRF token that is not ASCII is a wrong token, not a TypeError from compare_digest
    r = await client.post("/admin/users", data={"csrf": "é"}, headers=cookie)
    assert r.status == 403  # was a 500


@pytest.mark.parametrize("case", MALFORMED_FORMS)
async def test_a_malformed_form_on_subsonic_is_a_subsonic_error(
    client: TestClient, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    content_type, body, says = MALFORMED_FORMS[case]
    with caplog.at_level(logging.ERROR):
        r = await client.post("/rest/ping.view?f=json", data=body, headers={"Content-Type": content_type})
        answer = (await r.json())["subsonic-response"]
    assert r.status == 200  # errors travel in the body, by protocol
    assert answer["status"] == "failed" and answer["error"]["code"] == 0
    assert says.lower() in answer["error"]["message"].lower()
    assert not logged_errors(caplog)
