"""Shares: static pages for what is published, signed expiring daemon links for the rest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import libopensonic
import pytest
from subsonic_fixtures import PASSWORDS, SITE, Daemon, publish_site, running_daemon

from tunecamp.daemon.appkeys import DB

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("shares")) as running:
        publish_site(running)
        yield running


def ids(daemon: Daemon, user: str = "carl") -> dict[str, dict[str, Any]]:
    found = daemon.ok("search3", user, query="")["searchResult3"]
    return {x.get("title") or x["name"]: x for group in ("song", "album") for x in found.get(group, [])}


def create(daemon: Daemon, user: str, **params: Any) -> dict[str, Any]:
    share: dict[str, Any] = daemon.ok("createShare", user, **params)["shares"]["share"][0]
    if share["url"].startswith(f"{daemon.config.url}/share/"):  # the public URL; the test daemon is elsewhere
        share["url"] = daemon.url + urlsplit(share["url"]).path
    return share


def test_published_release_is_its_static_page(daemon: Daemon) -> None:
    tides = ids(daemon)["Morning Tides"]
    share = create(daemon, "lena", id=tides["id"], description="listen!")
    assert share["url"] == f"{SITE}releases/tides/" and "expires" not in share
    assert [e["title"] for e in share["entry"]] == ["First Light", "Low Water"]
    first = ids(daemon)["First Light"]
    assert create(daemon, "lena", id=first["id"])["url"].startswith(f"{SITE}releases/tides/")
    assert first["replayGain"] == {"trackGain": -3.5, "trackPeak": 0.9, "albumGain": -4.0}
    assert "replayGain" not in ids(daemon)["Unfinished"]  # a draft: not measured on the site


def test_draft_share_is_a_signed_expiring_daemon_link(daemon: Daemon) -> None:
    draft = ids(daemon)["Night Drafts"]
    share = create(daemon, "carl", id=draft["id"], description="for review")
    assert share["url"].startswith(f"{daemon.url}/share/") and share["expires"]
    page = httpx.get(share["url"])
    assert page.status_code == 200 and "Unfinished" in page.text and "for review" in page.text
    song = ids(daemon)["Unfinished"]["id"]
    audio = httpx.get(f"{share['url']}/{song}", timeout=60)
    assert (
        audio.status_code == 200
        and audio.headers["content-type"].startswith("audio/")
        and len(audio.content) > 1000
    )
    assert httpx.get(f"{share['url']}/{ids(daemon)['Lantern']['id']}").status_code == 404  # not in this share
    again = daemon.ok("getShares", "carl")["shares"]["share"]
    assert next(s for s in again if s["id"] == share["id"])["visitCount"] == 1
    for hostile in ("/..%2f..%2fetc%2fpasswd", "/tr-999999", "/%00", "/ar-1"):
        assert httpx.get(share["url"] + hostile).status_code == 404, hostile
    assert httpx.get(f"{daemon.url}/share/..%2f..%2fetc").status_code == 404
    forged = share["url"][:-3] + ("AAA" if not share["url"].endswith("AAA") else "BBB")
    assert httpx.get(forged).status_code == 404
    daemon.ok("deleteShare", "carl", id=share["id"])
    assert httpx.get(share["url"]).status_code == 410


def test_paid_release_streams_in_stream_quality(daemon: Daemon) -> None:
    lantern = ids(daemon, "lena")["Lantern"]  # a FLAC in a paid release
    share = create(daemon, "lena", id=lantern["id"])
    assert share["url"].startswith(f"{daemon.url}/share/")
    audio = httpx.get(f"{share['url']}/{lantern['id']}", timeout=60)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"


def test_expiry_and_updates(daemon: Daemon) -> None:
    draft = ids(daemon)["Night Drafts"]["id"]
    soon = int((time.time() + 3600) * 1000)
    share = create(daemon, "carl", id=draft, expires=soon)
    daemon.ok("updateShare", "carl", id=share["id"], description="new words", expires=0)
    updated = next(s for s in daemon.ok("getShares", "carl")["shares"]["share"] if s["id"] == share["id"])
    assert updated["description"] == "new words" and updated["expires"]  # a daemon link keeps an expiry
    number = int(share["id"].removeprefix("sh-"))
    daemon.run(
        daemon.app[DB].run(
            lambda d: d.execute(
                "UPDATE subsonic_shares SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", [number]
            )
        )
    )
    assert httpx.get(share["url"]).status_code == 410
    far = create(daemon, "carl", id=draft, expires=str(10**30))  # clamped to the last day of year 9999
    assert far["expires"].startswith("9999-12-31")


@pytest.mark.parametrize(
    ("user", "params", "code"),
    [
        ("lena", {"id": "al-3"}, 70),  # the draft album: listeners do not see it
        ("lena", {"id": "pl-1"}, 70),
        ("lena", {}, 10),
        ("lena", {"id": "al-1", "description": "x" * 501}, 0),
        ("lena", {"id": "al-1", "expires": "1000"}, 0),
        ("lena", {"id": "al-1", "expires": "soon"}, 0),
        ("lena", {"id": "al-1", "expires": str(-(10**18))}, 0),
    ],
)
def test_hostile_creates(daemon: Daemon, user: str, params: dict[str, str], code: int) -> None:
    body = daemon.json("createShare", user, **params)
    assert body["status"] == "failed" and body["error"]["code"] == code, body


def test_only_the_owner_changes_a_share(daemon: Daemon) -> None:
    share = create(daemon, "carl", id=ids(daemon)["Night Drafts"]["id"])
    for call in ("updateShare", "deleteShare"):
        body = daemon.json(call, "lena", id=share["id"], description="mine now")
        assert body["error"]["code"] == 50
    assert daemon.json("deleteShare", "lena", id="sh-99999")["error"]["code"] == 70
    assert daemon.ok("deleteShare", "olga", id=share["id"])  # an owner of the instance may


def test_py_opensonic_shares(daemon: Daemon) -> None:
    conn = libopensonic.Connection(
        "http://127.0.0.1",
        "lena",
        PASSWORDS["lena"],
        port=urlsplit(daemon.url).port,
        server_path="",
        app_name="t",
    )
    try:
        tides = ids(daemon, "lena")["Morning Tides"]["id"]
        made = conn.create_share([tides], description="py-opensonic")
        assert made.url == f"{SITE}releases/tides/"
        assert any(s.description == "py-opensonic" for s in conn.get_shares())
    finally:
        conn.cleanup()
