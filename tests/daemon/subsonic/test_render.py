"""Response rendering: one tree, three formats, with the shapes apps rely on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from multidict import MultiDict

from tunecamp.daemon.subsonic.elements import json_text
from tunecamp.daemon.subsonic.render import (
    NAMESPACE,
    Format,
    iso,
    jsonp_problem,
    negotiate,
    respond,
    server_version,
    to_json,
    to_xml,
)

NS = {"s": NAMESPACE}
BODY = {
    "album": {
        "id": "al-1",
        "name": "Tom & Jerry <live>",
        "year": None,
        "isCompilation": False,
        "song": [{"id": "tr-1", "title": "Only \x01one"}],
        "genres": [],
    },
    "lyrics": {"artist": "A", "value": "line 1\nline 2"},
    "openSubsonicExtensions": [{"name": "formPost", "versions": [1, 2]}],
    "playlists": {},
}


def test_json_shapes() -> None:
    data = json.loads(to_json(BODY))["subsonic-response"]
    assert data["status"] == "ok" and data["openSubsonic"] is True and data["type"] == "tunecamp"
    assert data["version"] and data["serverVersion"]
    album = data["album"]
    assert "year" not in album  # unknown: left out, never "" or 0
    assert album["isCompilation"] is False
    assert isinstance(album["song"], list) and len(album["song"]) == 1  # one item is still an array
    assert data["playlists"] == {}  # an empty container is {}
    assert data["lyrics"]["value"] == "line 1\nline 2"
    assert data["openSubsonicExtensions"][0]["versions"] == [1, 2]


def test_the_envelope_is_written_once_ahead_of_any_body() -> None:
    envelope = {
        "version": "1.16.1",
        "type": "tunecamp",
        "serverVersion": server_version(),
        "openSubsonic": True,
    }
    for body, status in (
        ({}, "ok"),
        ({"gone": None}, "ok"),
        (BODY, "ok"),
        ({"error": {"code": 70}}, "failed"),
    ):
        merged = json_text({"subsonic-response": {"status": status, **envelope, **body}})
        assert to_json(body, status) == merged  # byte for byte: the envelope's members first, None left out
    assert json.loads(to_json({"gone": None}))["subsonic-response"] == {"status": "ok", **envelope}
    overridden = to_json({"status": "failed"})  # a body's own member wins, and is written once
    assert (
        json.loads(overridden)["subsonic-response"]["status"] == "failed"
        and overridden.count('"status"') == 1
    )


def test_xml_shapes() -> None:
    root = ET.fromstring(to_xml(BODY).encode())
    assert root.tag == f"{{{NAMESPACE}}}subsonic-response"
    assert root.attrib["status"] == "ok" and root.attrib["openSubsonic"] == "true"
    assert root.attrib["type"] == "tunecamp" and root.attrib["version"]
    album = root.find("s:album", NS)
    assert album is not None and album.attrib["name"] == "Tom & Jerry <live>"
    assert "year" not in album.attrib and album.attrib["isCompilation"] == "false"
    song = album.find("s:song", NS)
    assert song is not None and song.attrib["title"] == "Only one"  # invalid XML characters dropped
    assert root.find("s:lyrics", NS).text == "line 1\nline 2"  # type: ignore[union-attr]
    versions = root.findall("s:openSubsonicExtensions/s:versions", NS)
    assert [v.text for v in versions] == ["1", "2"]
    assert root.find("s:playlists", NS) is not None


def test_errors_are_http_200_in_the_requested_format() -> None:
    body = {"error": {"code": 70, "message": "not found"}}
    for fmt, content_type in (
        (Format("xml"), "text/xml"),
        (Format("json"), "application/json"),
        (Format("jsonp", "cb"), "application/javascript"),
    ):
        response = respond(body, fmt, status="failed")
        assert response.status == 200 and response.content_type == content_type
    jsonp = respond(body, Format("jsonp", "my.cb"), status="failed").text or ""
    assert jsonp.startswith("my.cb(") and jsonp.endswith(");")
    assert json.loads(jsonp[6:-2])["subsonic-response"]["error"]["code"] == 70


def test_format_negotiation_never_echoes_unsafe_callbacks() -> None:
    assert negotiate(MultiDict()) == Format("xml")
    assert negotiate(MultiDict(f="JSON")) == Format("json")
    assert negotiate(MultiDict(f="nonsense")) == Format("xml")
    assert negotiate(MultiDict(f="jsonp", callback="cb_1")) == Format("jsonp", "cb_1")
    hostile = MultiDict(f="jsonp", callback="alert(1)//")
    assert negotiate(hostile) == Format("json")
    assert jsonp_problem(hostile) is not None
    assert jsonp_problem(MultiDict(f="jsonp")) is not None
    assert jsonp_problem(MultiDict(f="json")) is None


def test_dates() -> None:
    assert iso("2024-01-02T03:04:05+00:00") == "2024-01-02T03:04:05.000Z"
    assert iso("2024-01-02T05:04:05.250+02:00") == "2024-01-02T03:04:05.250Z"
    assert iso("2024-01-02") == "2024-01-02T00:00:00.000Z"
    assert iso("garbage") is None and iso(None) is None and iso("") is None
