"""The Enrich pages: a form per release with a checkbox per field, the runs, and hostile input."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from aiohttp.test_utils import TestClient
from waiting import until

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.enrich import store

from .conftest import Providers

PASSWORD = "correct horse battery"


async def _signed_in(client: TestClient, add_user: Any, role: str = "manager") -> str:
    await add_user(client.app, "mia", role)
    r = await client.post(
        "/admin/login", data={"username": "mia", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    page = await (await client.get("/admin/enrich")).text()
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def looked_up(client: TestClient, slug: str = "tides") -> None:
    """The look-up is a job this process runs in its own time: wait for its diff."""

    async def done() -> bool:
        def read(d: Any) -> bool:
            return store.lookup(d, slug) is None and store.load_diff(d, slug) is not None

        return await client.app[DB].run(read)

    await until(done, f"the look-up of {slug}")


async def test_look_up_tick_and_write(
    client: TestClient, add_user: Any, content: Path, providers: Providers
) -> None:
    csrf = await _signed_in(client, add_user)
    page = await (await client.get("/admin/enrich/tides")).text()
    assert "Not looked up yet" in page
    r = await client.post("/admin/enrich/tides/lookup", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 303 and "looking the release up" in unquote(r.headers["Location"])
    await looked_up(client)
    page = await (await client.get("/admin/enrich/tides")).text()
    assert "MusicBrainz" in page and page.count('name="field"') == 12
    # an empty field is ticked; over the artist's value the box waits for a tick
    assert 'name="field" value="label" aria-label="write label" checked' in page
    assert 'name="field" value="genres" aria-label="write genres">' in page
    assert "ticked only to replace it" in page

    folder = content / "releases/tides"
    audio = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.flac")}
    form = [
        ("csrf", csrf),
        ("field", "label"),
        ("field", "genres"),
        ("field", "lyrics@01 - First Light.flac"),
    ]
    r = await client.post("/admin/enrich/tides/apply", data=form, allow_redirects=False)
    assert r.status == 303, await r.text()
    flash = unquote(r.headers["Location"])
    assert "wrote release.yaml: label, genres" in flash and "01 - First Light.lrc" in flash
    data = yaml.safe_load((folder / "release.yaml").read_text())
    assert data["label"] == "Quiet Records" and data["genres"] == ["drone", "ambient"]
    assert "catalog_number" not in data  # not ticked
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.flac")} == audio

    runs = await (await client.get("/admin/enrich")).text()
    assert '<a href="/admin/enrich/tides">tides</a>' in runs
    assert "coverart, discogs, lrclib, lyricsovh, musicbrainz" in runs


async def test_a_failing_provider_shows_on_the_runs_page(
    client: TestClient, add_user: Any, providers: Providers
) -> None:
    csrf = await _signed_in(client, add_user)
    providers.modes["discogs"] = "malformed"
    await client.post("/admin/enrich/tides/lookup", data={"csrf": csrf}, allow_redirects=False)
    await looked_up(client)
    runs = await (await client.get("/admin/enrich")).text()
    assert "discogs: malformed JSON from" in runs


async def test_hostile_and_unknown_input_gets_4xx(
    client: TestClient, add_user: Any, providers: Providers
) -> None:
    csrf = await _signed_in(client, add_user)
    assert (await client.get("/admin/enrich/..%2F..%2Fetc")).status == 404
    assert (await client.get("/admin/enrich/nope")).status == 404
    r = await client.post("/admin/enrich/tides/apply", data={"csrf": csrf, "field": "label"})
    assert r.status == 409 and "look it up first" in await r.text()
    await client.post("/admin/enrich/tides/lookup", data={"csrf": csrf}, allow_redirects=False)
    await looked_up(client)
    r = await client.post("/admin/enrich/tides/apply", data={"csrf": csrf})
    assert r.status == 400 and "field" in await r.text()
    r = await client.post("/admin/enrich/tides/apply", data={"csrf": csrf, "field": "status"})
    assert r.status == 400 and "no proposal named 'status'" in await r.text()
    r = await client.post("/admin/enrich/tides/apply", data={"field": "label"})  # no CSRF token
    assert r.status in (400, 403)
    assert not providers.paths("/etc")


async def test_who_may_enrich(client: TestClient, add_user: Any) -> None:
    assert (await client.get("/admin/enrich/tides", allow_redirects=False)).status in (302, 303, 401)
    await add_user(client.app, "lee", "listener")
    await client.post("/admin/login", data={"username": "lee", "password": PASSWORD}, allow_redirects=False)
    assert (await client.get("/admin/enrich/tides")).status == 403
    assert (await client.post("/admin/enrich/tides/lookup", data={})).status in (400, 403)


async def test_a_field_the_artist_filled_since_the_look_up_is_not_written(
    client: TestClient, add_user: Any, content: Path, providers: Providers
) -> None:
    csrf = await _signed_in(client, add_user)
    await client.post("/admin/enrich/tides/lookup", data={"csrf": csrf}, allow_redirects=False)
    await looked_up(client)
    meta = content / "releases/tides/release.yaml"
    meta.write_text(meta.read_text().replace("artist: aurora\n", "artist: aurora\nlabel: Home Tapes\n"))
    r = await client.post("/admin/enrich/tides/apply", data={"csrf": csrf, "field": "label"})
    assert r.status == 409 and "label changed since the look-up" in await r.text()
    assert yaml.safe_load(meta.read_text())["label"] == "Home Tapes"
