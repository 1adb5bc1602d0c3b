"""The enrichment pages and their form errors in the reader's language: Arabic, right to left."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def test_the_enrichment_pages_speak_arabic_right_to_left(
    client: TestClient, owner_headers: Any
) -> None:
    arabic = {**owner_headers, "Accept-Language": "ar"}
    runs = await client.get("/admin/enrich", headers=arabic)
    html = await runs.text()
    assert runs.status == 200 and runs.headers["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in html and "إثراء البيانات الوصفية" in html
    release = await (await client.get("/admin/enrich/tides", headers=arabic)).text()
    assert '<html lang="ar" dir="rtl">' in release and "مقطوعتان" in release and "لم يُبحث عنه بعد." in release
    assert "Not looked up yet" not in release and "track(s)" not in release
    early = await client.post("/admin/enrich/tides/apply", data={"field": "label"}, headers=arabic)
    assert early.status == 409 and "لم يُبحث عن شيء لهذا الإصدار بعد" in await early.text()
    hostile = await client.get("/admin/enrich/..%2f..%2fetc", headers=arabic)
    assert hostile.status == 404 and "slug:" in await hostile.text()  # the field keeps its name
