"""A code redeemed while signed in is a Subsonic download/stream permission for that account."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.daemon.unlock.shop import add_account, make_codes
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.subsonic.credentials import create_api_key


async def api_key(client: TestClient, name: str) -> str:
    def make(db: Any) -> str:
        user_id = db.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()[0]
        return str(create_api_key(db, user_id, "tests")[1])

    return await client.app[DB].run(make)


async def test_a_holder_downloads_and_streams_originals_others_do_not(client: TestClient) -> None:
    holder = await add_account(client.app, "holder", "listener")
    await add_account(client.app, "other", "listener")
    keys = {name: await api_key(client, name) for name in ("holder", "other")}
    ids = await client.app[DB].run(
        lambda db: dict(
            db.execute(
                "SELECT a.slug, t.id FROM catalog_tracks t JOIN catalog_albums a ON a.id = t.album_id "
                "WHERE a.slug = 'tape' AND t.missing = 0 ORDER BY t.number LIMIT 1"
            ).fetchall()
        )
    )
    album = await client.app[DB].run(
        lambda db: db.execute("SELECT id FROM catalog_albums WHERE slug = 'tape'").fetchone()[0]
    )

    async def call(endpoint: str, who: str, item: str, **extra: str) -> Any:
        params = {"apiKey": keys[who], "id": item, "v": "1.16.1", "c": "t", **extra}
        return await client.get(f"/rest/{endpoint}", params=params)

    before = await call("download", "holder", f"tr-{ids['tape']}", f="json")
    assert b'"failed"' in await before.read()  # nothing unlocked yet
    (code,) = await make_codes(client.app, "tape")
    redeemed = await client.post(
        "/api/unlock/redeem",
        json={"release": "tape", "code": code},
        headers={"Authorization": f"Bearer {holder}"},
    )
    assert redeemed.status == 200
    track = await call("download", "holder", f"tr-{ids['tape']}")
    assert track.status == 200 and track.content_type == "audio/flac"
    whole = await call("download", "holder", f"al-{album}")
    assert whole.status == 200 and whole.content_type == "application/zip"
    raw = await call("stream", "holder", f"tr-{ids['tape']}", format="raw")
    assert raw.status == 200 and raw.content_type == "audio/flac"  # the original, not the capped stream
    refused = await call("download", "other", f"tr-{ids['tape']}", f="json")
    assert b'"failed"' in await refused.read()
    capped = await call("stream", "other", f"tr-{ids['tape']}", format="raw")
    assert capped.status == 200 and capped.content_type != "audio/flac"
