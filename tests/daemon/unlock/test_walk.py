"""No protected file is reachable without a grant: not in public/, not through any daemon route.

The shop is really built; its private store holds the downloads of a `codes` and a `paid`
release. The walk compares bytes (SHA-256), so a copy under another name would be caught too.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import Shop, add_account
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.roles import route_table
from tunecamp.daemon.subsonic.credentials import create_api_key

pytestmark = pytest.mark.slow


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_public_holds_no_protected_file(shop: Shop) -> None:
    protected = shop.protected_digests()
    assert len(protected) >= 7  # tape: 2 zips + 4 tracks; sold: 1 zip + 1 track
    public = [p for p in shop.config.public_dir.rglob("*") if p.is_file()]
    assert public and not [p for p in public if digest(p.read_bytes()) in protected]
    downloads = shop.config.public_dir / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == ["open"]  # the free release only
    pages = "".join(
        p.read_text(errors="replace") for p in public if p.suffix in (".html", ".json", ".rss", ".xml")
    )
    for name in shop.protected_files():
        assert name not in pages  # not even linked


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: values.get(m.group(1), "x"), template)


async def test_no_route_hands_out_a_protected_file_without_a_grant(client: TestClient, shop: Shop) -> None:
    protected = shop.protected_digests()
    callers = ["anyone", "listener"]
    files = list(shop.protected_files())
    templates = sorted({(m, t) for m, t, _ in route_table(client.app) if m in ("GET", "POST")})
    assert any("/api/unlock/files/" in t for _, t in templates)
    tried = 0
    for (method, template), relative, headers in itertools.product(templates, files, callers):
        release, _, rest = relative.partition("/")
        values = {
            "slug": release,
            "release": release,
            "path": rest,
            "name": rest,
            "tail": relative,
            "user_id": "1",
            "build_id": "1",
            "key_id": "1",
            "code_id": "1",
        }
        url = fill(template, values)
        if headers == "listener":  # a fresh token each time: some POSTs sign the account out everywhere
            token = await add_account(client.app, "walker", "listener")
            response = await client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False
            )
        else:
            response = await client.request(method, url, allow_redirects=False)
        body = await response.read()
        assert digest(body) not in protected, f"{method} {url} gave {relative}"
        if "/api/unlock/files/" in template:
            assert response.status in (401, 403), (url, response.status)
        tried += 1
    # and the site's own paths, where a file would be if it had been published
    token = await add_account(client.app, "walker", "listener")
    for relative, headers in itertools.product(files, [{}, {"Authorization": f"Bearer {token}"}]):
        for url in (f"/downloads/{relative}", f"/{relative}", f"/private/downloads/{relative}"):
            response = await client.get(url, headers=headers)
            assert digest(await response.read()) not in protected and response.status == 404, url
    assert tried > 200


async def test_subsonic_downloads_of_protected_releases_are_refused(client: TestClient, shop: Shop) -> None:
    await add_account(client.app, "subsonic-listener", "listener")

    def key(db: Any) -> str:
        user_id = db.execute("SELECT id FROM users WHERE username = 'subsonic-listener'").fetchone()[0]
        return str(create_api_key(db, user_id, "walk")[1])

    api_key = await client.app[DB].run(key)
    albums = await client.app[DB].run(
        lambda db: {r[0]: r[1] for r in db.execute("SELECT slug, id FROM catalog_albums WHERE missing = 0")}
    )
    protected = shop.protected_digests()
    for slug in ("tape", "sold"):
        response = await client.get(
            "/rest/download",
            params={"apiKey": api_key, "id": f"al-{albums[slug]}", "f": "json", "v": "1.16.1", "c": "t"},
        )
        body = await response.read()
        assert digest(body) not in protected
        assert b'"status":"failed"' in body.replace(b" ", b"") and b"code" in body
