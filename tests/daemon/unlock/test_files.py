"""The protected downloads: only with a valid grant (query or Bearer), with Range, never a path out."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import Shop, add_account
from tunecamp.daemon.grants import GRANTS, Grant, GrantSigner

ZIP = "/api/unlock/files/tape/tape-flac.zip"


def grant_for(client: TestClient, release: str = "tape", ttl: int = 600) -> str:
    token, _ = client.app[GRANTS].new(release, ttl, "code", "1")
    return token


async def test_query_and_bearer_grants_both_work(client: TestClient, shop: Shop) -> None:
    token = grant_for(client)
    expected = (shop.private / "tape/tape-flac.zip").read_bytes()
    by_query = await client.get(ZIP, params={"grant": token})
    by_header = await client.get(ZIP, headers={"Authorization": f"Bearer {token}"})
    assert by_query.status == by_header.status == 200
    assert await by_query.read() == await by_header.read() == expected
    head = await client.head(ZIP, params={"grant": token})
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(expected)


async def test_range_requests_resume_a_download(client: TestClient, shop: Shop) -> None:
    token = grant_for(client)
    track = sorted((shop.private / "tape/flac").iterdir())[0]
    data = track.read_bytes()
    path = f"/api/unlock/files/tape/flac/{track.name}"
    part = await client.get(path, params={"grant": token}, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = await client.get(path, params={"grant": token}, headers={"Range": "bytes=-50"})
    assert tail.status == 206 and await tail.read() == data[-50:]
    beyond = await client.get(path, params={"grant": token}, headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status == 416


async def test_an_expired_grant_is_refused(client: TestClient) -> None:
    signer = client.app[GRANTS]
    expired = signer.issue(Grant("tape", int(time.time()) - 5, "code", "1"))
    response = await client.get(ZIP, params={"grant": expired})
    assert response.status == 403 and "expired" in (await response.json())["error"]


def tamper(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["exp"] += 365 * 24 * 3600  # a longer life, without the key to sign it
    other_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    assert other_payload != payload
    return [f"{header}.{payload}.{flipped}", f"{header}.{other_payload}.{signature}", token[:-1], "x" * 40]


async def test_tampered_or_forged_grants_are_refused(client: TestClient, shop: Shop) -> None:
    token = grant_for(client, "sold")
    for bad in tamper(token):
        response = await client.get("/api/unlock/files/sold/sold-mp3-v0.zip", params={"grant": bad})
        assert response.status == 403, bad
    forged = GrantSigner(b"another-secret-of-at-least-32-bytes").new("sold", 600, "code", "1")[0]
    none_alg = jwt.encode(
        {
            "rel": "sold",
            "src": "code",
            "ref": "1",
            "aud": "tunecamp:download",
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
        },
        None,
        algorithm="none",
        headers={"typ": "tunecamp-grant"},
    )
    for bad in (forged, none_alg):
        for how in ({"params": {"grant": bad}}, {"headers": {"Authorization": f"Bearer {bad}"}}):
            response = await client.get("/api/unlock/files/sold/sold-mp3-v0.zip", **how)  # type: ignore[arg-type]
            assert response.status == 403


async def test_a_grant_opens_its_own_release_only(client: TestClient) -> None:
    token = grant_for(client, "tape")
    response = await client.get("/api/unlock/files/sold/sold-mp3-v0.zip", params={"grant": token})
    assert response.status == 403 and "another release" in (await response.json())["error"]


async def test_an_access_token_is_no_grant(client: TestClient) -> None:
    access = await add_account(client.app, "listener-without", "listener")
    assert (await client.get(ZIP, params={"grant": access})).status == 403
    assert (
        await client.get(ZIP, headers={"Authorization": f"Bearer {access}"})
    ).status == 403  # signed in, owns nothing
    assert (await client.get(ZIP)).status == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/unlock/files/tape/../sold/sold-mp3-v0.zip",
        "/api/unlock/files/tape/%2e%2e/sold/sold-mp3-v0.zip",
        "/api/unlock/files/tape/flac/..%2f..%2f..%2ftunecamp.db",
        "/api/unlock/files/tape/.hidden",
        "/api/unlock/files/tape/flac/x/y/z",
        "/api/unlock/files/tape/%00",
        "/api/unlock/files/Tape/tape-flac.zip",
        "/api/unlock/files/tape/nothing.zip",
    ],
)
async def test_no_path_leaves_the_release_folder(client: TestClient, path: str) -> None:
    token = grant_for(client, "tape")
    response = await client.get(path, params={"grant": token})
    assert response.status in (403, 404), path
    assert response.content_type == "application/json"
