"""Hostile bodies, headers and paths on every route of the composed app: never a 5xx, never a traceback.

Requests are written as raw HTTP/1.1 on a socket to a real server on 127.0.0.1, because
aiohttp's client refuses to build most of them (header bytes that are not UTF-8, paths it
would normalise). The app is the one `create_app` composes, with a signed-in Owner, an
indexed release and its built preview, so hostile input reaches the handlers' file and
body reading, not only the 401/403 in front of them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from raw_http import Headers, send_raw

from tunecamp.daemon.accounts.sessions import COOKIE
from tunecamp.daemon.admin.previews import preview_dir
from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.builds import content_fingerprint
from tunecamp.daemon.catalog_index import refresh
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.roles import PUBLIC, route_table
from tunecamp.generator.catalog.model import Artist, Catalog, CatalogConfig, Release
from tunecamp.generator.catalog.settings import Settings

JSON, FORM, B = b"application/json", b"application/x-www-form-urlencoded", b"fuzzB"
MULTIPART = b"multipart/form-data; boundary=" + B


def multipart(*parts: bytes, boundary: bytes = B, close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary + b"--\r\n" if close else b"")


def field(name: bytes, value: bytes, extra: bytes = b"") -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n' + extra + b"\r\n" + value


SURROGATES = b'{"username": "\\ud800", "password": "\\udfff", "current_password": "\\ud800", '
SURROGATES += b'"new_password": "' + b"\\ud800" * 12 + b'", "role": "listener", "label": "\\ud800"}'
# (label, Content-Type or None, body)
BODIES: list[tuple[str, bytes | None, bytes]] = [
    ("JSON 100,000 deep", JSON, b"[" * 100_000 + b"]" * 100_000),
    ("JSON objects 50,000 deep", JSON, b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("JSON 40 deep", JSON, b'{"username":' + b"[" * 40 + b"]" * 40 + b"}"),
    ("lone surrogates", JSON, SURROGATES),
    ("lone surrogate key", JSON, b'{"\\udc00": 1, "username": "a"}'),
    ("surrogate as UTF-8 bytes", JSON, b'{"username": "\xed\xa0\x80", "password": "x"}'),
    ("invalid UTF-8", JSON, b'{"username": "\xff\xfe", "password": "\xc0\xae"}'),
    ("NUL in strings", JSON, b'{"username": "a\\u0000", "password": "\\u0000", "role": "\\u0000"}'),
    ("raw NUL bytes", JSON, b"\x00" * 64),
    ("5,000-digit number", JSON, b'{"unlisted": ' + b"9" * 5000 + b"}"),
    ("NaN and Infinity", JSON, b'{"unlisted": NaN, "password": Infinity}'),
    ("byte order mark", JSON, b"\xef\xbb\xbf{}"),
    ("UTF-16 JSON", b"application/json; charset=utf-16", '{"username": "a"}'.encode("utf-16")),
    ("truncated JSON", JSON, b'{"username": "a'),
    ("empty JSON", JSON, b""),
    ("a form sent as JSON", JSON, b"username=a&password=b"),
    ("wrong boundary", MULTIPART, multipart(field(b"username", b"a"), boundary=b"other")),
    ("no boundary", b"multipart/form-data", b"--x\r\n\r\nx\r\n--x--\r\n"),
    ("boundary of 100 bytes", b"multipart/form-data; boundary=" + b"b" * 100, b"--" + b"b" * 100 + b"\r\n"),
    ("non-ASCII boundary", b"multipart/form-data; boundary=\xff\xfe", b"--\xff\xfe\r\n\r\nx\r\n--\xff\xfe--"),
    ("truncated multipart", MULTIPART, multipart(field(b"username", b"a"), close=False)[:-4]),
    ("nameless part", MULTIPART, multipart(b"Content-Disposition: form-data\r\n\r\nx")),
    (
        "unknown charset",
        MULTIPART,
        multipart(field(b"username", b"a", b"Content-Type: text/plain; charset=x\r\n")),
    ),
    (
        "UTF-7 surrogate",
        MULTIPART,
        multipart(field(b"username", b"+2AA-", b"Content-Type: text/plain; charset=utf-7\r\n")),
    ),
    ("invalid UTF-8 part", MULTIPART, multipart(field(b"password", b"\xff\xfe"), field(b"csrf", b"\xff"))),
    (
        "unknown transfer encoding",
        MULTIPART,
        multipart(field(b"a", b"x", b"Content-Transfer-Encoding: x\r\n")),
    ),
    (
        "bad deflate data",
        MULTIPART,
        multipart(field(b"username", b"garbage", b"Content-Encoding: deflate\r\n")),
    ),
    (
        "base64 that is not",
        MULTIPART,
        multipart(field(b"a", b"!!!", b"Content-Transfer-Encoding: base64\r\n")),
    ),
    (
        "nested multipart",
        MULTIPART,
        multipart(field(b"x", b"--in\r\n\r\nx\r\n--in--", b"Content-Type: multipart/mixed; boundary=in\r\n")),
    ),
    (
        "file upload",
        MULTIPART,
        multipart(b'Content-Disposition: form-data; name="label"; filename="a.txt"\r\n\r\nx'),
    ),
    (
        "binary part",
        MULTIPART,
        multipart(field(b"csrf", b"\x00\x01", b"Content-Type: application/octet-stream\r\n")),
    ),
    ("100 kB field name", MULTIPART, multipart(field(b"n" * 100_000, b"x"))),
    ("NUL in fields", MULTIPART, multipart(field(b"user\x00name", b"a\x00"), field(b"csrf", b"\x00"))),
    ("garbage part headers", MULTIPART, multipart(b"\xff\xfe: \xff\r\nno colon\r\n\r\nx")),
    ("invalid UTF-8 form", FORM, b"username=\xff\xfe&password=\xc0\xae&csrf=\xff"),
    ("percent-encoded surrogate", FORM, b"username=%ED%A0%80&password=%ff&csrf=%ED%A0%80"),
    ("UTF-7 form", FORM + b"; charset=utf-7", b"username=+2AA-&csrf=+2AA-&token=+2AA-"),
    ("unknown form charset", FORM + b"; charset=nonesuch", b"username=a"),
    ("non-UTF-8 charset name", FORM + b"; charset=\xff", b"username=a"),
    ("NUL form", FORM, b"username=%00&password=%00&password_again=%00&csrf=%00&token=%00&label=%00"),
    ("100 kB form field name", FORM, b"n" * 100_000 + b"=1"),
    ("non-ASCII CSRF token", FORM, "csrf=é&label=é".encode()),
    ("JSON as text/plain", b"text/plain", b'{"username": "a"}'),
    ("binary, no content type", None, bytes(range(256)) * 4),
]
# (label, session the request carries, extra headers)
HEADERS: list[tuple[str, str, Headers]] = [
    ("non-UTF-8 Authorization", "anonymous", [(b"Authorization", b"Bearer \xff\xfe\x80")]),
    ("Authorization that is one byte", "anonymous", [(b"Authorization", b"\xff")]),
    ("Basic Authorization", "anonymous", [(b"Authorization", b"Basic \xc3\x28")]),
    ("non-UTF-8 cookie", "anonymous", [(b"Cookie", COOKIE.encode() + b"=\xff\xfe")]),
    ("garbage cookie", "anonymous", [(b"Cookie", b"\xff=\xff; ;;=; " + COOKIE.encode() + b'="unterminated')]),
    ("non-UTF-8 CSRF token", "cookie", [(b"X-CSRF-Token", b"\xff\xfe")]),
    ("non-ASCII CSRF token", "cookie", [(b"X-CSRF-Token", "é".encode())]),
    ("non-UTF-8 Origin", "cookie", [(b"Origin", b"http://\xff")]),
    ("non-UTF-8 Content-Type", "bearer", [(b"Content-Type", b"multipart/form-data; boundary=\xff")]),
    ("non-UTF-8 Accept and Range", "bearer", [(b"Accept", b"\xff"), (b"Range", b"bytes=\xff-")]),
    ("forwarded garbage", "anonymous", [(b"X-Forwarded-For", b"\xff, ::1, , x")]),
]
# Refused by aiohttp's HTTP parser before any routing: once per resource is enough.
PARSER_HEADERS: list[tuple[str, Headers]] = [
    ("absurd Content-Length", [(b"Content-Length", b"99999999999999999999999")]),
    ("negative Content-Length", [(b"Content-Length", b"-1")]),
    ("two Content-Lengths", [(b"Content-Length", b"1"), (b"Content-Length", b"2")]),
]
PATH_VALUES: list[bytes] = [
    b"a" * 300,
    b"x" * 255 + b"/" + b"y" * 256,
    b"%00",
    b"a%00.html",
    b"%2e%2e",
    b"%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"%252e%252e%252f%252e%252e%252fetc",
    b"..%5c..%5cwindows",
    b"%c0%ae%c0%ae%c0%afetc",
    b"%ff%fe",
    b"\xff\xfe",
    b"%ED%A0%80",
    b"99999999999999999999999",
    b"-1",
]
DEFAULTS = {
    "slug": "tides",
    "user_id": "1",
    "key_id": "1",
    "build_id": "1",
    "name": "ping",
    "path": "index.html",
    "release": "tides",
    "code_id": "1",
    "tail": "releases/tides",
    "username": "aurora",
    "version": "2.1",
    "session": "0000000000000000",
    "room": "lobby",
    "message_id": "1",
    "sanction_id": "1",
    "report_id": "1",
    "token": "1-AAAAAAAAAAAAAAAAAAAAAA",  # a Subsonic share link (signed by no one)
    "song": "tr-1",
    "catalog": "de",
    "domain": "dashboard",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
async def server(aiohttp_server: Callable[..., Awaitable[TestServer]], config: DaemonConfig) -> TestServer:
    # every body is an attempt for the login limiter; with its default, later ones would be 429s
    app = create_app(replace(config, login_rate_address=Rate(100_000, 60)))
    served = await aiohttp_server(app)
    release = Release("tides", "Tides", ("aurora",), "published", (), Settings(), config.content_dir)
    artist = Artist("aurora", "Aurora", Settings(), source_dir=config.content_dir)
    catalog = Catalog(CatalogConfig("T", "http://x"), config.content_dir, (artist,), (release,))
    await app[DB].run(lambda db: refresh(db, catalog))
    built = preview_dir(config, "tides")  # as the build worker leaves it, and up to date
    (built / "releases/tides").mkdir(parents=True)
    (built / "releases/tides/index.html").write_text("<h1>Tides</h1>")
    built.with_name("tides.fingerprint").write_text(content_fingerprint(config.content_dir))
    return served


async def sessions(app: web.Application, token_for: Any) -> dict[str, Headers]:
    token = (await token_for(app, "olivia")).encode()
    return {
        "anonymous": [],
        "bearer": [(b"Authorization", b"Bearer " + token)],
        "cookie": [(b"Cookie", COOKIE.encode() + b"=" + token)],
    }


def targets(app: web.Application) -> dict[str, dict[str, str]]:
    """{path template: {method: permission}} of every route; GET and POST added ("": a 405)."""
    table: dict[str, dict[str, str]] = {}
    for method, template, permission in route_table(app):
        table.setdefault(template, {"GET": "", "POST": ""})[method] = permission
    return table


def fill(template: str, value: bytes | None = None) -> bytes:
    """The path with each {placeholder} replaced by `value`, or by a plausible default."""
    pieces = PLACEHOLDER.split(template)  # literal, name, literal, name, ..., literal
    return b"".join(
        piece.encode() if i % 2 == 0 else DEFAULTS[piece].encode() if value is None else value
        for i, piece in enumerate(pieces)
    )


def requests_for(
    template: str, methods: dict[str, str], auth: dict[str, Headers]
) -> Iterator[tuple[str, str, bytes, Headers, bytes]]:
    """(label, method, target, headers, body) of every hostile request for one resource."""
    target = fill(template)
    for method, permission in methods.items():
        caller = "anonymous" if permission == PUBLIC else "bearer"  # past the 401, into the handler
        if permission and method not in ("GET", "HEAD"):
            for label, content_type, body in BODIES:
                typed = [(b"Content-Type", content_type)] if content_type else []
                yield label, method, target, auth[caller] + typed, body
                if content_type and content_type.startswith((b"multipart/", FORM)):
                    # the cookie without its CSRF header: the CSRF check reads the form itself
                    yield label, method, target, auth["cookie"] + typed, body
        for label, kind, headers in HEADERS:
            yield label, method, target, auth[kind] + headers, b""
        if permission and method != "HEAD":
            for value in PATH_VALUES if "{" in template else []:
                yield "hostile path", method, fill(template, value), auth[caller], b""
    for label, headers in PARSER_HEADERS:
        yield label, "POST", target, headers, b"x"


async def test_no_route_answers_5xx_or_logs_a_traceback(
    server: TestServer, add_user: Any, token_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = server.app
    await add_user(app, "olivia", "owner")
    failures: list[str] = []
    limit = asyncio.Semaphore(8)

    async def attempt(label: str, method: str, target: bytes, headers: Headers, body: bytes) -> None:
        async with limit:
            status = (await send_raw(server, method, target, headers, body)).status
        if status is None or status >= 500:
            failures.append(f"{status} {method} {target[:80]!r}: {label}")

    with caplog.at_level(logging.ERROR):
        for template, methods in targets(app).items():
            # per resource: a route that signs out everywhere must not end the later ones' sessions
            auth = await sessions(app, token_for)
            await asyncio.gather(*(attempt(*r) for r in requests_for(template, methods, auth)))
        await asyncio.sleep(0.1)  # what the last answers log, logged
    assert not failures, "\n".join(failures)
    tracebacks = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not tracebacks, "\n".join(f"{r.name}: {r.getMessage()}" for r in tracebacks)


@pytest.mark.parametrize(
    "target",
    [
        b"/" + b"a" * 300,
        b"/admin/preview/tides/" + b"a" * 300,
        b"/admin/preview/tides/releases/" + b"a" * 300,
    ],
)
async def test_a_name_too_long_for_the_file_system_is_414(
    server: TestServer, add_user: Any, token_for: Any, caplog: pytest.LogCaptureFixture, target: bytes
) -> None:
    await add_user(server.app, "olivia", "owner")
    auth = await sessions(server.app, token_for)
    with caplog.at_level(logging.ERROR):
        answer = await send_raw(server, "GET", target, auth["bearer"])
    assert answer.status == 414, answer.raw[:300]  # was a 500: ENAMETOOLONG from stat()
    assert b"a name in the path is too long" in answer.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # a name the file system takes is still served
    assert (
        await send_raw(server, "GET", b"/admin/preview/tides/releases/tides/", auth["bearer"])
    ).status == 200


@pytest.mark.parametrize("path", [b"/api/admin/users/", b"/api/subsonic/keys/", b"/admin/users/"])
async def test_an_id_past_sqlites_integers_is_404(
    server: TestServer, add_user: Any, token_for: Any, path: bytes
) -> None:
    await add_user(server.app, "olivia", "owner")
    auth = (await sessions(server.app, token_for))["bearer"]
    method = "POST" if path.startswith(b"/admin/") else "DELETE"
    answer = await send_raw(server, method, path + b"9" * 23, auth)
    assert answer.status == 404, answer.raw[:300]  # was a 500: OverflowError binding it in SQLite


async def test_a_request_aiohttp_cannot_parse_is_400_and_one_info_line(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aiohttp.server"):
        answer = await send_raw(server, "GET", b"/\xff\xfe")
    assert answer.status == 400
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert [(r.levelno, r.exc_info) for r in records] == [
        (logging.INFO, None)
    ]  # was an ERROR with a traceback
    assert "malformed request" in records[0].getMessage()
