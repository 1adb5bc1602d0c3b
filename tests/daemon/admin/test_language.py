"""Flash lines and form errors built in Python speak the account's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.html import PAGES
from tunecamp.generator.site import i18n


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


# The stored values a page shows (a build's state, a role) stay English in the database and the
# API; the pages say them in the reader's language (html.add_labels).
GERMAN_BUILD_STATES = {
    "ok": "erfolgreich",
    "failed": "fehlgeschlagen",
    "skipped": "übersprungen, nichts geändert",
}


async def test_a_german_account_reads_roles_and_build_states_in_german(
    client: TestClient, owner_headers: Any
) -> None:
    await client.post("/admin/account", data={"language": "de"}, headers=owner_headers, allow_redirects=False)
    builds = client.app[BUILDS]
    started = await builds.request("first build")
    await builds.wait_idle()
    answer = await (await client.get(f"/api/admin/builds/{started['id']}", headers=owner_headers)).json()
    state = answer["build"]["state"]
    assert state in GERMAN_BUILD_STATES  # the API keeps the machine value
    page = await (await client.get(f"/admin/builds/{started['id']}", headers=owner_headers)).text()
    assert f">{GERMAN_BUILD_STATES[state]}</span></h1>" in page
    assert 'data-running="läuft"' in page  # the words admin.js writes while it follows a build
    summary = await (await client.get("/admin", headers=owner_headers)).text()
    assert f'">{GERMAN_BUILD_STATES[state]}</a>' in summary

    users = await (await client.get("/admin/users", headers=owner_headers)).text()
    assert '<option value="curator">Kurator</option>' in users
    assert '<option value="listener" selected>Hörer</option>' in users  # the new account's default
    assert ">curator<" not in users and ">listener<" not in users


async def test_an_unknown_stored_value_is_shown_as_it_is(client: TestClient) -> None:
    pages = client.app[PAGES]
    with i18n.speaking(i18n.page_locale("de", i18n.DASHBOARD_DOMAIN)):
        assert pages.label("listener", "role") == "Hörer"
        assert pages.label("emperor", "role") == "emperor"  # a role from a newer version, say
        assert pages.label("ok", "no such group") == "ok"
        assert pages.label(None, "role") == ""
