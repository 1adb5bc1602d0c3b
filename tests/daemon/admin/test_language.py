"""Flash lines and form errors built in Python speak the account's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient


async def test_a_flash_line_speaks_the_accounts_language(client: TestClient, owner_headers: Any) -> None:
    chosen = await client.post(
        "/admin/account", data={"language": "de"}, headers=owner_headers, allow_redirects=False
    )
    assert chosen.status == 303
    form = {"username": "gerd", "password": "a long enough password", "role": "listener"}
    added = await client.post("/admin/users", data=form, headers=owner_headers, allow_redirects=False)
    location = unquote(added.headers["Location"])
    assert added.status == 303 and location.endswith("flash=gerd hinzugefügt")
    page = await (await client.get(added.headers["Location"], headers=owner_headers)).text()
    assert (
        '<html lang="de" dir="ltr">' in page and '<p class="flash" role="status">gerd hinzugefügt</p>' in page
    )
    # the account's choice wins over the browser's
    again = await client.post(
        "/admin/users",
        data={**form, "username": "greta"},
        headers={**owner_headers, "Accept-Language": "fr"},
        allow_redirects=False,
    )
    assert unquote(again.headers["Location"]).endswith("greta hinzugefügt")


async def test_without_a_choice_the_browser_language_and_english_for_the_rest(
    client: TestClient, owner_headers: Any
) -> None:
    form = {"username": "jun", "password": "a long enough password", "role": "listener"}
    added = await client.post(
        "/admin/users", data=form, headers={**owner_headers, "Accept-Language": "ja"}, allow_redirects=False
    )
    assert unquote(added.headers["Location"]).endswith("jun を追加しました")
    plain = await client.post(
        "/admin/users", data={**form, "username": "kim"}, headers=owner_headers, allow_redirects=False
    )
    assert unquote(plain.headers["Location"]).endswith("kim added")
    missing = await client.get("/admin/builds/999999", headers={**owner_headers, "Accept-Language": "es"})
    assert missing.status == 404 and "no hay tal compilación" in await missing.text()
