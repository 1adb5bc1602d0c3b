"""The guarded outbound client against real servers on 127.0.0.1.

Names are mapped to addresses through the client's resolver seam (`lookup`), the same path a
real DNS answer takes: a name that resolves inside is refused after resolution, and the
connection goes to the address that was checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.outbound import Outbound, OutboundConfig, OutboundError, refusal, user_agent

LOOPBACK = OutboundConfig(
    allow_loopback=True, timeout=1.0, max_bytes=64 * 1024, user_agent=user_agent("https://t.example")
)


async def slow(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"{")
    await asyncio.sleep(5)
    return response


def routes(seen: list[dict[str, str]]) -> web.Application:
    app = web.Application()

    async def ok(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"ok": True})

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to refuse early
        await response.prepare(request)
        for _ in range(200):
            await response.write(b"x" * 1024)
        return response

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def gone(request: web.Request) -> web.Response:
        raise web.HTTPGone()

    app.router.add_get("/ok", ok)
    app.router.add_post("/ok", ok)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/gone", gone)
    return app


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    srv = TestServer(routes(seen), host="127.0.0.1")
    await srv.start_server()
    yield srv, seen
    await srv.close()


def mapped(names: dict[str, str]) -> Callable[[str, int], Awaitable[list[str]]]:
    async def lookup(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError(f"no such name {host}")
        return [names[host]]

    return lookup


@pytest.fixture
async def client() -> AsyncIterator[Outbound]:
    outbound = Outbound(
        LOOPBACK, lookup=mapped({"localtest": "127.0.0.1", "inside": "10.1.2.3", "meta": "169.254.169.254"})
    )
    yield outbound
    await outbound.close()


async def test_a_get_names_tunecamp_and_the_instance(
    server: tuple[TestServer, list], client: Outbound
) -> None:
    srv, seen = server
    answer = await client.get(f"http://localtest:{srv.port}/ok")
    assert answer.json() == {"ok": True} and answer.status == 200
    assert seen[0]["User-Agent"].startswith("TuneCamp/") and "https://t.example" in seen[0]["User-Agent"]
    assert seen[0]["Accept"] == "application/activity+json"


async def test_the_signer_hook_signs_gets(server: tuple[TestServer, list], client: Outbound) -> None:
    srv, seen = server
    client.signer = lambda method, url, headers, body: {**headers, "Signature": f"signed {method} {url}"}
    await client.get(f"http://localtest:{srv.port}/ok")
    assert seen[0]["Signature"] == f"signed GET http://localtest:{srv.port}/ok"


async def test_an_oversized_body_is_abandoned(server: tuple[TestServer, list], client: Outbound) -> None:
    srv, _ = server
    with pytest.raises(OutboundError, match="more than 65536 bytes"):
        await client.get(f"http://localtest:{srv.port}/big")
    assert len((await client.get(f"http://localtest:{srv.port}/big", max_bytes=300_000)).body) == 200 * 1024


async def test_a_slow_server_times_out(server: tuple[TestServer, list], client: Outbound) -> None:
    srv, _ = server
    started = asyncio.get_running_loop().time()
    with pytest.raises(OutboundError, match="timed out"):
        await client.get(f"http://localtest:{srv.port}/slow")
    assert asyncio.get_running_loop().time() - started < 3


async def test_an_error_status_raises_with_it(server: tuple[TestServer, list], client: Outbound) -> None:
    srv, _ = server
    with pytest.raises(OutboundError) as caught:
        await client.get(f"http://localtest:{srv.port}/gone")
    assert caught.value.status == 410


@pytest.mark.parametrize(
    "target",
    ["http://inside/x", "http://meta/latest/meta-data/", "http://10.0.0.1/", "http://[::ffff:192.168.1.1]/"],
)
async def test_a_redirect_inside_is_refused(
    server: tuple[TestServer, list], client: Outbound, target: str
) -> None:
    srv, _ = server
    with pytest.raises(OutboundError, match=r"private|link-local|not public"):
        await client.get(f"http://localtest:{srv.port}/redirect?to={target}")


async def test_redirects_are_followed_and_counted(server: tuple[TestServer, list], client: Outbound) -> None:
    srv, _ = server
    base = f"http://localtest:{srv.port}"
    answer = await client.get(f"{base}/redirect?to=/redirect%3Fto%3D/ok")
    assert answer.url == f"{base}/ok"
    loop = f"{base}/redirect?to=/redirect%3Fto%3D/redirect%253Fto%253D/redirect%25253Fto%25253D/ok"
    with pytest.raises(OutboundError, match="more than 3 redirects"):
        await client.get(loop)


@pytest.mark.parametrize(
    ("name", "why"), [("inside", "10.1.2.3 is a private"), ("meta", "169.254.169.254 is a link-local")]
)
async def test_a_name_resolving_inside_is_refused(client: Outbound, name: str, why: str) -> None:
    with pytest.raises(OutboundError, match=why):
        await client.get(f"http://{name}/")


async def test_loopback_is_refused_without_the_setting(server: tuple[TestServer, list]) -> None:
    srv, seen = server
    strict = Outbound(OutboundConfig(timeout=1.0), lookup=mapped({"localtest": "127.0.0.1"}))
    try:
        for url in (
            f"http://localtest:{srv.port}/ok",
            f"http://127.0.0.1:{srv.port}/ok",
            f"http://[::1]:{srv.port}/ok",
        ):
            with pytest.raises(OutboundError, match="loopback"):
                await strict.get(url)
    finally:
        await strict.close()
    assert seen == []  # nothing reached the server


def test_the_setting_lifts_loopback_only() -> None:
    assert refusal("127.0.0.1", True) is None and refusal("::1", True) is None
    for address in (
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.1.1",
        "fe80::1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "::",
    ):
        assert refusal(address, True) is not None, address
    assert refusal("93.184.216.34", False) is None and refusal("2606:2800:220:1::", False) is None
    assert refusal("127.0.0.1", False) is not None


async def test_only_http_urls(client: Outbound) -> None:
    for url in ("file:///etc/passwd", "ftp://x.example/", "http:///nohost", "http://u:p@localtest/"):
        with pytest.raises(OutboundError):
            await client.get(url)


def test_settings_come_from_the_daemon_config() -> None:
    config = DaemonConfig(outbound_allow_loopback=True, public_url="https://m.example", outbound_timeout=3)
    outbound = OutboundConfig.from_config(config)
    assert outbound.allow_loopback and outbound.timeout == 3 and "https://m.example" in outbound.user_agent
    assert DaemonConfig.from_env({"TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true"}).outbound_allow_loopback
