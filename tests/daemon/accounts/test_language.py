"""The dashboard's language: the account's choice, then Accept-Language, then the catalog's."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def test_the_login_page_follows_accept_language(client: TestClient) -> None:
    response = await client.get("/admin/login", headers={"Accept-Language": "ja;q=0.5, de-AT, en;q=0.1"})
    page = await response.text()
    assert response.status == 200 and response.headers["Content-Language"] == "de"
    assert '<html lang="de" dir="ltr">' in page and "Anmelden" in page and "Benutzername" in page
    arabic = await (await client.get("/admin/login", headers={"Accept-Language": "ar-EG"})).text()
    assert '<html lang="ar" dir="rtl">' in arabic and "تسجيل الدخول" in arabic
    english = await (await client.get("/admin/login", headers={"Accept-Language": "nl, xx-??;q=abc"})).text()
    assert '<html lang="en"' in english and "Username" in english  # the catalog's: en


async def test_the_account_setting_wins_over_the_browser(client: TestClient, owner_headers: Any) -> None:
    headers = {**owner_headers, "Accept-Language": "de"}
    page = await (await client.get("/admin/account", headers=headers)).text()
    assert "Dein Konto" in page and 'value="ja" lang="ja"' in page and "日本語" in page
    saved = await client.post(
        "/admin/account", data={"language": "ja"}, headers=headers, allow_redirects=False
    )
    assert saved.status == 303
    page = await (await client.get("/admin/account", headers=headers)).text()
    assert '<html lang="ja" dir="ltr">' in page and "サインアウト" in page
    await client.post("/admin/account", data={"language": ""}, headers=headers, allow_redirects=False)
    page = await (await client.get("/admin/account", headers=headers)).text()
    assert "Dein Konto" in page  # no choice: the browser's again


async def test_a_bad_language_is_a_400_naming_the_field(client: TestClient, owner_headers: Any) -> None:
    for value in ("klingon", "<script>", "x" * 5000):
        response = await client.post("/admin/account", data={"language": value}, headers=owner_headers)
        assert response.status == 400 and "language" in await response.text()
    response = await client.post("/admin/account", data={}, headers=owner_headers)
    assert response.status == 400


async def test_anonymous_callers_have_no_account_page(client: TestClient) -> None:
    response = await client.get("/admin/account", allow_redirects=False)
    assert response.status in (302, 303, 401)


async def test_a_wrong_password_is_said_in_the_page_language(client: TestClient, add_user: Any) -> None:
    await add_user(client.app, "wanda", "owner")
    form = {"username": "wanda", "password": "not the password", "next": "/admin"}
    response = await client.post("/admin/login", data=form, headers={"Accept-Language": "fr"})
    page = await response.text()
    assert response.status == 200 and "Nom d’utilisateur ou mot de passe incorrect." in page
