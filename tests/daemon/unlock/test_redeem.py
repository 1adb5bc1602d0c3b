"""POST /api/unlock/redeem against a daemon over a really built shop: grants, the same refusal
for every bad code, rate limits, the plain form and its download page, accounts that keep a release."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import Shop, add_account, make_codes
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import Rate
from tunecamp.daemon.unlock.codes import normalise
from tunecamp.daemon.unlock.redeem import HASHER, REFUSED

REDEEM = "/api/unlock/redeem"


async def redeem(client: TestClient, code: str, release: str = "tape", **headers: str) -> Any:
    return await client.post(REDEEM, json={"release": release, "code": code}, headers=headers)


async def test_a_code_gives_a_grant_and_links_that_download(client: TestClient, shop: Shop) -> None:
    (code,) = await make_codes(client.app, "tape")
    response = await redeem(client, code)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"grant", "expires_at", "downloads"}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", body["expires_at"])
    kinds = [(d["kind"], d["format"]) for d in body["downloads"]]
    assert kinds[:2] == [("zip", "flac"), ("zip", "mp3-v0")]
    assert sorted(kinds[2:]) == [("track", "flac")] * 2 + [("track", "mp3-v0")] * 2
    stored = shop.protected_files()
    assert len(body["downloads"]) == len([p for p in stored if p.startswith("tape/")])
    for d in body["downloads"]:
        assert d["url"].startswith(f"{shop.config.url}/api/unlock/files/tape/") and "?grant=" in d["url"]
        path = d["url"].removeprefix(shop.config.url)
        got = await client.get(path)
        assert got.status == 200
        relative = path.split("?")[0].removeprefix("/api/unlock/files/")
        assert await got.read() == stored[relative].read_bytes()
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in got.headers["Cache-Control"]


async def test_any_case_with_or_without_dashes(client: TestClient) -> None:
    codes = await make_codes(client.app, "tape", 3)
    for typed in (
        codes[0].lower(),
        codes[1].replace("-", ""),
        " " + codes[2].replace("-", " ").lower() + " ",
    ):
        assert (await redeem(client, typed)).status == 200, typed


async def test_wrong_used_expired_revoked_and_other_release_look_the_same(client: TestClient) -> None:
    used, expired, revoked, elsewhere = await make_codes(client.app, "tape", 4)
    assert (await redeem(client, used)).status == 200

    def age_and_revoke(db: Any) -> None:
        hasher = client.app[HASHER]
        with db.atomic():
            db.execute(
                "UPDATE unlock_codes SET expires_at = '2000-01-01T00:00:00+00:00' WHERE code_hash = ?",
                [hasher.hash(normalise(expired))],
            )
            db.execute(
                "UPDATE unlock_codes SET revoked_at = '2001-01-01T00:00:00+00:00' WHERE code_hash = ?",
                [hasher.hash(normalise(revoked))],
            )

    await client.app[DB].run(age_and_revoke)
    answers = []
    for code, release in (
        ("ABCD-EFGH-JKLM", "tape"),
        (used, "tape"),
        (expired, "tape"),
        (revoked, "tape"),
        (elsewhere, "sold"),
        ("not a code at all", "tape"),
    ):
        response = await redeem(client, code, release)
        answers.append((response.status, await response.json()))
    assert answers == [(403, {"error": REFUSED, "status": 403})] * len(answers)


async def test_the_plain_form_lands_on_a_download_page(client: TestClient, shop: Shop) -> None:
    (code,) = await make_codes(client.app, "tape")
    response = await client.post(REDEEM, data={"release": "tape", "code": code.lower()})
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    assert "<h1>Tape</h1>" in page and "Your code worked" in page
    links = re.findall(r'href="([^"]+)" download', page)
    assert len(links) == 6 and all("grant=" in link for link in links)
    first = await client.get(links[0].replace("&amp;", "&").removeprefix(shop.config.url))
    assert first.status == 200 and first.content_type == "application/zip"
    wrong = await client.post(REDEEM, data={"release": "tape", "code": code})  # used up now
    assert wrong.status == 403 and wrong.content_type == "text/html"
    assert "wrong, used up, expired or revoked" in await wrong.text()


async def test_a_signed_in_dashboard_session_without_csrf_redeems_as_anyone(client: TestClient) -> None:
    token = await add_account(client.app, "cookie-listener", "listener")
    client.session.cookie_jar.update_cookies({"tunecamp_session": token})
    (code,) = await make_codes(client.app, "tape")
    response = await client.post(REDEEM, data={"release": "tape", "code": code})
    assert response.status == 200, await response.text()
    assert "stays in your account" not in await response.text()  # served as anonymous: nothing recorded
    client.session.cookie_jar.clear()


async def test_a_signed_in_listener_keeps_the_release(client: TestClient) -> None:
    token = await add_account(client.app, "keeper", "listener")
    other = await add_account(client.app, "stranger", "listener")
    (code,) = await make_codes(client.app, "tape")
    body = await (await redeem(client, code, Authorization=f"Bearer {token}")).json()
    path = body["downloads"][0]["url"].split("?")[0].removeprefix("http://127.0.0.1:8000")
    assert (await client.get(path)).status == 401  # no grant, no account
    assert (await client.get(path, headers={"Authorization": f"Bearer {token}"})).status == 200
    assert (await client.get(path, headers={"Authorization": f"Bearer {other}"})).status == 403
    curator = await add_account(client.app, "staff", "curator", ("bo",))
    assert (await client.get(path, headers={"Authorization": f"Bearer {curator}"})).status == 200


async def test_brute_force_meets_429_with_retry_after(app_with: Any, backend_url: str) -> None:
    client = await app_with(unlock_rate_address=Rate(10, 300), redis_url=backend_url)  # both backends
    (code,) = await make_codes(client.app, "tape")
    statuses = []
    for i in range(40):
        response = await redeem(client, f"ABCD-EFGH-{i:04d}".replace("0", "2").replace("1", "3"))
        statuses.append(response.status)
        if response.status == 429:
            assert int(response.headers["Retry-After"]) >= 1
    assert statuses[:10] == [403] * 10 and set(statuses[10:]) == {429}
    assert (await redeem(client, code)).status == 429  # even the right code waits
    form = await client.post(REDEEM, data={"release": "tape", "code": code})
    assert form.status == 429 and "Retry-After" in form.headers and form.content_type == "text/html"


async def test_guessing_from_many_addresses_meets_the_per_release_limit(
    app_with: Any, backend_url: str
) -> None:
    client = await app_with(unlock_rate_release=Rate(20, 300), trust_proxy_hops=1, redis_url=backend_url)
    statuses = []
    for i in range(30):
        forwarded = {"X-Forwarded-For": f"198.51.100.{i}"}
        statuses.append((await redeem(client, "ABCD-EFGH-JKLM", **forwarded)).status)
    assert statuses[:20] == [403] * 20 and set(statuses[20:]) == {429}
    (code,) = await make_codes(client.app, "sold")
    assert (await redeem(client, code, "sold", **{"X-Forwarded-For": "203.0.113.9"})).status == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"code": "ABCD-EFGH-JKLM"}, 400),
        ({"release": "../etc", "code": "ABCD-EFGH-JKLM"}, 400),
        ({"release": "tape"}, 400),
        ({"release": "tape", "code": ""}, 400),
        ({"release": "tape", "code": "A" * 65}, 400),
        ({"release": "tape", "code": 12345}, 400),
        ({"release": ["tape"], "code": "ABCD-EFGH-JKLM"}, 400),
        ({"release": "no-such-release", "code": "ABCD-EFGH-JKLM"}, 404),
    ],
)
async def test_bad_requests_are_named(client: TestClient, body: dict[str, Any], status: int) -> None:
    response = await client.post(REDEEM, json=body)
    assert response.status == status
    assert (await response.json())["error"]


async def test_malformed_bodies_are_400(client: TestClient) -> None:
    for data, kind in (
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe", "text/plain"),
    ):
        response = await client.post(REDEEM, data=data, headers={"Content-Type": kind})
        assert response.status == 400, (data, await response.text())


async def test_the_library_lists_what_an_account_holds_with_fresh_links(
    client: TestClient, shop: Shop
) -> None:
    token = await add_account(client.app, "collector", "listener")
    bearer = {"Authorization": f"Bearer {token}"}
    empty = await client.get("/api/unlock/library", headers=bearer)
    assert empty.status == 200 and (await empty.json()) == {"releases": []}
    (code,) = await make_codes(client.app, "tape")
    assert (await redeem(client, code, **bearer)).status == 200
    body = await (await client.get("/api/unlock/library", headers=bearer)).json()
    (tape,) = body["releases"]
    assert (tape["release"], tape["title"], tape["how"]) == ("tape", "Tape", ["code"])
    url = tape["downloads"][0]["url"].removeprefix(shop.config.url)
    assert (await client.get(url)).status == 200  # the link carries its own grant
    assert (await client.get("/api/unlock/library")).status == 401
