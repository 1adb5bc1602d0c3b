"""/rest routing and the client quirks of DESIGN.md's interop rules, against a real daemon."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

from tunecamp.daemon.subsonic.endpoints import ENDPOINTS, SPEC_ENDPOINTS
from tunecamp.daemon.subsonic.render import NAMESPACE

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


NS = {"s": NAMESPACE}
REQUIRED_ROOT = ("status", "version", "type", "serverVersion", "openSubsonic")


def xml_root(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NAMESPACE}}}subsonic-response"
    for name in REQUIRED_ROOT:
        assert name in root.attrib, name
    return root


def test_xml_by_default_with_namespace_and_required_attributes(daemon: Daemon) -> None:
    root = xml_root(daemon.get("getAlbum", id="al-2"))
    assert root.attrib["status"] == "ok" and root.attrib["type"] == "tunecamp"
    album = root.find("s:album", NS)
    assert album is not None
    for name in ("id", "name", "songCount", "duration", "created"):
        assert name in album.attrib, name
    songs = album.findall("s:song", NS)
    assert len(songs) == 2
    for element in songs:
        for name in ("id", "isDir", "title"):
            assert name in element.attrib, name
        assert element.attrib["isDir"] == "false"


def test_view_suffix_and_form_post(daemon: Daemon) -> None:
    assert daemon.get("ping.view", f="json").json()["subsonic-response"]["status"] == "ok"
    response = httpx.post(f"{daemon.rest}/getAlbum.view", data=daemon.params(f="json", id="al-2"))
    body = response.json()["subsonic-response"]
    assert body["status"] == "ok" and body["album"]["id"] == "al-2"
    # the query string and the form merge: credentials in the URL, the rest posted
    response = httpx.post(f"{daemon.rest}/getSong", params=daemon.params(), data={"id": "tr-2", "f": "json"})
    assert response.json()["subsonic-response"]["song"]["id"] == "tr-2"


def test_extensions_without_auth(daemon: Daemon) -> None:
    response = httpx.get(f"{daemon.rest}/getOpenSubsonicExtensions", params={"f": "json"})
    body = response.json()["subsonic-response"]
    assert body["status"] == "ok"
    names = {e["name"] for e in body["openSubsonicExtensions"]}
    assert {"formPost", "apiKeyAuthentication", "transcodeOffset", "songLyrics"} <= names
    for ext in body["openSubsonicExtensions"]:
        assert isinstance(ext["versions"], list)


@pytest.mark.parametrize("fmt", ["xml", "json", "jsonp"])
def test_unknown_and_unimplemented_endpoints_answer_subsonic_errors(daemon: Daemon, fmt: str) -> None:
    for name, expected in (("createPodcastChannel", 0), ("jukeboxControl.view", 0), ("noSuchThing", 70)):
        response = httpx.get(f"{daemon.rest}/{name}", params=daemon.params(f=fmt, callback="cb"))
        assert response.status_code == 200
        if fmt == "xml":
            root = xml_root(response)
            error = root.find("s:error", NS)
            assert root.attrib["status"] == "failed" and error is not None
            assert error.attrib["code"] == str(expected)
        else:
            text = response.text
            if fmt == "jsonp":
                assert text.startswith("cb(") and text.endswith(");")
                text = text[3:-2]
            import json

            body = json.loads(text)["subsonic-response"]
            assert body["status"] == "failed" and body["error"]["code"] == expected


def test_every_spec_endpoint_answers_in_format(daemon: Daemon) -> None:
    for name in sorted(SPEC_ENDPOINTS - set(ENDPOINTS)):
        response = httpx.get(f"{daemon.rest}/{name}", params=daemon.params(f="json"))
        assert response.status_code == 200, name
        assert response.json()["subsonic-response"]["error"]["code"] in (0, 70), name


def test_errors_keep_http_200(daemon: Daemon) -> None:
    for extra in ({"id": "al-999"}, {"id": "garbage"}, {}):
        response = daemon.get("getAlbum", f="json", **extra)
        assert response.status_code == 200
        body = response.json()["subsonic-response"]
        assert body["status"] == "failed" and body["error"]["code"] in (10, 70)
    bad = daemon.get("getAlbumList2", f="json", type="newest", size="lots")
    assert bad.json()["subsonic-response"]["error"]["code"] == 0
    hostile = daemon.get("ping", f="jsonp", callback="alert(document.cookie)//")
    assert hostile.headers["content-type"].startswith("application/json")
    assert "alert" not in hostile.text


def test_one_item_lists_are_arrays_and_empty_containers_are_objects(daemon: Daemon) -> None:
    single = daemon.ok("getAlbum", id="al-1")["album"]["song"]  # the paid single has one song
    assert isinstance(single, list) and len(single) == 1
    assert isinstance(daemon.ok("getArtist", id="ar-2")["artist"]["album"], list)
    assert daemon.ok("getStarred2")["starred2"] == {}
    assert daemon.ok("getPlaylists")["playlists"] == {}
    assert daemon.ok("getBookmarks")["bookmarks"] == {}
    assert daemon.ok("search3", query="no such words anywhere")["searchResult3"] == {}
    assert daemon.ok("getAlbumList2", type="starred")["albumList2"] == {}


def test_ids_are_strings_and_dates_iso(daemon: Daemon) -> None:
    album = daemon.ok("getAlbum", id="al-2")["album"]
    values = [album["id"], album["artistId"], album["coverArt"], *(s["id"] for s in album["song"])]
    values += [s["albumId"] for s in album["song"]] + [s["parent"] for s in album["song"]]
    assert all(isinstance(v, str) for v in values)
    assert album["created"].endswith("Z") and "T" in album["created"]
    for song in album["song"]:
        assert "replayGain" not in song  # unknown: absent, never zeros
        assert all(v != "" for v in song.values())


def test_head_and_oversized_form(daemon: Daemon) -> None:
    assert httpx.head(f"{daemon.rest}/ping", params=daemon.params()).status_code == 200
    big = {"id": "x" * (2 * 1024 * 1024)}
    response = httpx.post(f"{daemon.rest}/getSong", params=daemon.params(f="json"), data=big)
    assert response.status_code == 200
    assert response.json()["subsonic-response"]["status"] == "failed"


def test_roles_cannot_be_escalated_by_parameters(daemon: Daemon) -> None:
    assert daemon.json("getUser", username="carl")["error"]["code"] == 50
    assert daemon.ok("getUser", "olga", username="carl")["user"]["username"] == "carl"
    assert daemon.json("startScan")["error"]["code"] == 50
    assert PASSWORDS["lena"] not in daemon.get("getUser", f="json").text


def test_start_scan_rebuilds_for_managers(daemon: Daemon) -> None:
    from tunecamp.daemon.appkeys import BUILDS

    status = daemon.ok("startScan", "olga")["scanStatus"]
    assert status["scanning"] is True and status["count"] == 4  # an Owner sees the draft too
    daemon.run(daemon.app[BUILDS].wait_idle())
    last = daemon.app[BUILDS].last
    assert last is not None and last.state == "ok", last and (last.error, last.log[-5:])
    assert daemon.ok("getScanStatus", "olga")["scanStatus"]["scanning"] is False
