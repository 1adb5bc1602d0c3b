"""Lyrics as apps read them: getLyrics, getLyricsBySongId v1 and v2 (word cues from TTML)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from subsonic_fixtures import Daemon, running_daemon

pytestmark = pytest.mark.slow

TTML = """<tt xmlns="http://www.w3.org/ns/ttml"><body><div>
<p begin="00:00.200" end="00:01.000"><span begin="0.2s" end="0.5s">Lów</span> <span begin="0.5s" end="1s">water</span></p>
<p begin="00:01.200">no words timed</p>
</div></body></tt>"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("lyrics")
    with running_daemon(root, extra={"releases/tides/02 - Low Water.ttml": TTML}) as running:
        yield running


def song_id(daemon: Daemon, title: str) -> str:
    songs = daemon.ok("search3", query="")["searchResult3"]["song"]
    return next(s["id"] for s in songs if s["title"] == title)


def test_synced_lines_v1(daemon: Daemon) -> None:
    found = daemon.ok("getLyricsBySongId", id=song_id(daemon, "First Light"))["lyricsList"][
        "structuredLyrics"
    ]
    synced, plain = found
    assert synced["synced"] is True and synced["line"] == [
        {"start": 500, "value": "First line"},
        {"start": 1500, "value": "Second line"},
    ]
    assert plain["synced"] is False and "kind" not in plain and "cueLine" not in synced


def test_word_cues_v2(daemon: Daemon) -> None:
    low = song_id(daemon, "Low Water")
    plain_v1 = daemon.ok("getLyricsBySongId", id=low)["lyricsList"]["structuredLyrics"][0]
    assert "cueLine" not in plain_v1  # only with enhanced=true
    entry = daemon.ok("getLyricsBySongId", id=low, enhanced="true")["lyricsList"]["structuredLyrics"][0]
    assert entry["kind"] == "main" and entry["line"][0] == {"start": 200, "value": "Lów water"}
    (cue_line,) = entry["cueLine"]  # the second line has no word timings
    assert cue_line["index"] == 0 and cue_line["value"] == "Lów water" and cue_line["end"] == 1000
    raw = cue_line["value"].encode()
    for cue in cue_line["cue"]:
        assert raw[cue["byteStart"] : cue["byteEnd"] + 1].decode() == cue["value"]
    assert [(c["start"], c["end"], c["value"]) for c in cue_line["cue"]] == [
        (200, 500, "Lów"),
        (500, 1000, "water"),
    ]


def test_xml_cues(daemon: Daemon) -> None:
    response = daemon.get("getLyricsBySongId", id=song_id(daemon, "Low Water"), enhanced="true")
    assert '<cueLine index="0"' in response.text and 'byteEnd="3"' in response.text  # "Lów" is 4 bytes


def test_get_lyrics_found_and_not(daemon: Daemon) -> None:
    found = daemon.ok("getLyrics", artist="Aurora Lane", title="First Light")["lyrics"]
    assert found["value"] == "First line\nSecond line" and found["title"] == "First Light"
    none = daemon.ok("getLyrics", artist="Nobody", title="Nothing")["lyrics"]
    assert none == {"value": ""}
    xml = daemon.get("getLyrics", artist="Nobody", title="Nothing").text
    assert "<lyrics/>" in xml


def test_no_lyrics_as_the_client_libraries_read_it(daemon: Daemon) -> None:
    """Why JSON keeps `"value": ""` (docs/api.md, quirks): the spec requires it, py-opensonic needs it."""
    from urllib.parse import urlsplit

    import libopensonic
    import libsonic
    from libopensonic.media import Lyrics
    from mashumaro.exceptions import MissingField
    from subsonic_fixtures import PASSWORDS

    port = urlsplit(daemon.url).port
    conn = libopensonic.Connection(
        "http://127.0.0.1", "lena", PASSWORDS["lena"], port=port, server_path="", app_name="tests"
    )
    try:
        assert conn.get_lyrics(artist="Nobody", title="Nothing").value == ""
        assert conn.get_lyrics(artist="Aurora Lane", title="First Light").value == "First line\nSecond line"
    finally:
        conn.cleanup()
    with pytest.raises(MissingField):  # what an answer without `value` would do to its apps
        Lyrics.from_dict({})
    sonic = libsonic.Connection(
        "http://127.0.0.1", "lena", PASSWORDS["lena"], port=port, serverPath="/rest", appName="tests"
    )
    assert sonic.getLyrics(artist="Nobody", title="Nothing")["lyrics"] == {"value": ""}


def test_hostile_lyrics_calls(daemon: Daemon) -> None:
    for bad in ("al-1", "tr-99999", "../etc", ""):
        body = daemon.json("getLyricsBySongId", id=bad)
        assert body["status"] == "failed" and body["error"]["code"] in (10, 70), bad
    body = daemon.json("getLyricsBySongId", id=song_id(daemon, "Low Water"), enhanced="maybe")
    assert body["status"] == "failed" and "enhanced" in body["error"]["message"]
    response = httpx.post(
        f"{daemon.rest}/getLyricsBySongId", data=daemon.params(id="tr-1", f="json", enhanced="1")
    )
    assert response.status_code == 200


def test_extension_advertised(daemon: Daemon) -> None:
    extensions = daemon.ok("getOpenSubsonicExtensions")["openSubsonicExtensions"]
    assert {"name": "songLyrics", "versions": [1, 2]} in extensions
