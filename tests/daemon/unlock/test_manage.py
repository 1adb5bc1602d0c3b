"""Managing codes: the JSON API and the dashboard, for the artist's Curator and for Managers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import add_account

API = "/api/unlock/releases/{}/codes"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_curators_manage_their_artists_releases_managers_all(client: TestClient) -> None:
    ada = await add_account(client.app, "ada-curator", "curator", ("ada",))
    manager = await add_account(client.app, "manny", "manager")
    listener = await add_account(client.app, "lis", "listener")
    made = await client.post(API.format("tape"), json={"count": 3, "note": "cassette"}, headers=bearer(ada))
    assert made.status == 201, await made.text()
    body = await made.json()
    assert len(body["codes"]) == 3 and body["csv"].startswith("code,release,uses,expires_at,note\n")
    assert (await client.post(API.format("sold"), json={"count": 1}, headers=bearer(ada))).status == 403
    assert (await client.get(API.format("sold"), headers=bearer(ada))).status == 403
    assert (await client.post(API.format("sold"), json={"count": 1}, headers=bearer(manager))).status == 201
    assert (await client.get(API.format("tape"), headers=bearer(listener))).status == 403
    assert (await client.get(API.format("tape"))).status == 401


async def test_the_list_shows_state_and_redemptions_never_a_code(client: TestClient) -> None:
    ada = await add_account(client.app, "ada-curator", "curator", ("ada",))
    buyer = await add_account(client.app, "buyer", "listener")
    made = await (
        await client.post(API.format("tape"), json={"count": 2, "uses": 2}, headers=bearer(ada))
    ).json()
    first, second = (c["code"] for c in made["codes"])
    redeemed = await client.post(
        "/api/unlock/redeem", json={"release": "tape", "code": first}, headers=bearer(buyer)
    )
    assert redeemed.status == 200
    listing = await client.get(API.format("tape"), headers=bearer(ada))
    text = await listing.text()
    assert first not in text and second not in text
    data = await listing.json()
    mine = [c for c in data["codes"] if c["max_uses"] == 2]
    assert sorted((c["uses"], c["state"]) for c in mine)[-2:] == [(0, "active"), (1, "active")]
    assert data["redemptions"][0]["username"] == "buyer"
    code_id = next(c["id"] for c in mine if c["uses"] == 1)
    revoked = await client.post(f"{API.format('tape')}/{code_id}/revoke", headers=bearer(ada))
    assert revoked.status == 200
    again = await client.post(f"{API.format('tape')}/{code_id}/revoke", headers=bearer(ada))
    assert again.status == 404
    refused = await client.post("/api/unlock/redeem", json={"release": "tape", "code": first})
    assert refused.status == 403


async def test_bad_generate_requests_name_the_field(client: TestClient) -> None:
    manager = await add_account(client.app, "manny", "manager")
    for body, fragment in (
        ({"count": 0}, "count"),
        ({"count": "many"}, "count"),
        ({"count": 1, "uses": 0}, "uses"),
        ({"count": 1, "expires": "tomorrow"}, "expires"),
        ({"count": 1, "expires": "2001-01-01"}, "expires"),
    ):
        response = await client.post(API.format("tape"), json=body, headers=bearer(manager))
        assert response.status == 400 and fragment in (await response.json())["error"], body
    ghost = await client.post(API.format("ghost"), json={"count": 1}, headers=bearer(manager))
    assert ghost.status == 404 and "ghost" in (await ghost.json())["error"]
    ada = await add_account(client.app, "ada-curator", "curator", ("ada",))
    assert (await client.post(API.format("ghost"), json={"count": 1}, headers=bearer(ada))).status == 403


async def signed_in_page(client: TestClient, token: str, path: str) -> tuple[str, str]:
    client.session.cookie_jar.update_cookies({"tunecamp_session": token})
    page = await (await client.get(path)).text()
    return page, page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def test_the_dashboard_makes_shows_once_and_revokes(client: TestClient) -> None:
    ada = await add_account(client.app, "ada-curator", "curator", ("ada",))
    home, csrf = await signed_in_page(client, ada, "/admin/codes")
    assert 'data-slug="tape"' in home and 'data-slug="sold"' not in home  # only Ada's releases
    assert 'href="/admin/codes"' in home  # the layout's menu leads here
    made = await client.post(
        "/admin/codes/tape", data={"csrf": csrf, "count": "4", "note": "zine", "expires": "2099-12-31"}
    )
    page = await made.text()
    assert made.status == 200 and "shown this once" in page
    table = page.split('readonly rows="5" cols="60" aria-label="The new codes as CSV">', 1)[1].split(
        "</textarea>"
    )[0]
    rows = list(csv.reader(io.StringIO(table.replace("&#39;", "'"))))
    assert rows[0] == ["code", "release", "uses", "expires_at", "note"] and len(rows) == 5
    codes = [r[0] for r in rows[1:]]
    assert all(r[1:] == ["tape", "1", "2099-12-31T23:59:59+00:00", "zine"] for r in rows[1:])
    later = await (await client.get("/admin/codes/tape")).text()
    assert not any(code in later for code in codes)  # shown once
    code_id = re.findall(r'<tr data-code="(\d+)" class="state-active"><td>\d+</td><td>zine', later)[0]
    revoked = await client.post(
        f"/admin/codes/tape/{code_id}/revoke", data={"csrf": csrf}, allow_redirects=False
    )
    assert revoked.status == 303 and unquote(revoked.headers["Location"]).endswith(f"code {code_id} revoked")
    no_csrf = await client.post("/admin/codes/tape", data={"count": "1"})
    assert no_csrf.status == 403  # the dashboard's own forms keep their CSRF check
    bad = await client.post("/admin/codes/tape", data={"csrf": csrf, "count": "0"}, allow_redirects=False)
    assert bad.status == 303 and "count" in unquote(bad.headers["Location"])
    assert (await client.get("/admin/codes/sold")).status == 403
    client.session.cookie_jar.clear()


async def test_a_manager_sees_every_release_with_protected_downloads(client: TestClient) -> None:
    manny = await add_account(client.app, "manny", "manager")
    home, _ = await signed_in_page(client, manny, "/admin/codes")
    slugs: Any = re.findall(r'<tr data-slug="([a-z-]+)">', home)
    assert sorted(slugs) == ["rare", "sold", "tape"]  # not the free release
    client.session.cookie_jar.clear()
