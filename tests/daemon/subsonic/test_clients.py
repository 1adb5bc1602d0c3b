"""Real Subsonic client libraries against the running daemon.

py-sonic (`libsonic`) and py-opensonic (`libopensonic`, whose typed models reject a missing
required field or a wrong type) each sign in with the app password, with a token and with
an API key, then browse, search, star, build a playlist and stream, with and without
transcoding, seeking with Range and with timeOffset.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import libopensonic
import libsonic
import pytest
from mutagen.mp3 import MP3
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


AUTH_MODES = ("password", "token", "apikey")


class ApiKeySonic(libsonic.Connection):  # type: ignore[misc]
    """py-sonic has no apiKey option: the same client, sending the key instead of u/t/s."""

    def __init__(self, *args: Any, api_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api_key = api_key

    def _getBaseQdict(self) -> dict[str, str]:
        return {"f": "json", "v": self._apiVersion, "c": self._appName, "apiKey": self._api_key}


def port_of(d: Daemon) -> int:
    port = urlsplit(d.url).port
    assert port is not None
    return port


def sonic(d: Daemon, mode: str, **kwargs: Any) -> libsonic.Connection:
    common = {"port": port_of(d), "serverPath": "/rest", "appName": "py-sonic-tests", **kwargs}
    if mode == "apikey":
        return ApiKeySonic("http://127.0.0.1", "lena", "unused", api_key=d.api_keys["lena"], **common)
    return libsonic.Connection(
        "http://127.0.0.1", "lena", PASSWORDS["lena"], legacyAuth=mode == "password", **common
    )


@pytest.fixture
def opensonic(daemon: Daemon, request: pytest.FixtureRequest) -> Iterator[libopensonic.Connection]:
    mode = request.param
    kwargs: dict[str, Any] = {"port": port_of(daemon), "server_path": "", "app_name": "py-opensonic-tests"}
    if mode == "apikey":
        conn = libopensonic.Connection("http://127.0.0.1", api_key=daemon.api_keys["lena"], **kwargs)
    else:
        conn = libopensonic.Connection(
            "http://127.0.0.1", "lena", PASSWORDS["lena"], legacy_auth=mode == "password", **kwargs
        )
    yield conn
    conn.cleanup()


def read(conn: libopensonic.Connection, response: Any) -> bytes:
    """py-opensonic hands back its aiohttp response: read it on the client's own loop."""
    data: bytes = asyncio.run_coroutine_threadsafe(response.read(), conn._loop).result(60)
    return data


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_py_sonic(daemon: Daemon, mode: str, tmp_path: Any) -> None:
    conn = sonic(daemon, mode)
    assert conn.ping()
    artists = conn.getArtists()["artists"]["index"]
    assert [i["name"] for i in artists] == ["A", "B"]
    aurora = artists[0]["artist"][0]
    albums = conn.getArtist(aurora["id"])["artist"]["album"]
    album = conn.getAlbum(albums[0]["id"])["album"]
    assert [s["title"] for s in album["song"]] == ["First Light", "Low Water"]
    first, low = album["song"]
    listed = conn.getAlbumList2("alphabeticalByName")["albumList2"]["album"]
    assert [a["name"] for a in listed] == ["Morning Tides", "Paid Single"]

    found = conn.search3("light")["searchResult3"]
    assert [s["id"] for s in found["song"]] == [first["id"]]
    everything = conn.search3("", songCount=500)["searchResult3"]
    assert len(everything["song"]) == 3

    assert conn.star(sids=[first["id"]], albumIds=[album["id"]])["status"] == "ok"
    starred = conn.getStarred2()["starred2"]
    assert [s["id"] for s in starred["song"]] == [first["id"]] and starred["album"][0]["id"] == album["id"]
    assert conn.unstar(sids=[first["id"]])["status"] == "ok"

    created = conn.createPlaylist(name=f"py-sonic {mode}", songIds=[low["id"], first["id"]])
    playlist = conn.getPlaylist(created["playlist"]["id"])["playlist"]
    assert [e["title"] for e in playlist["entry"]] == ["Low Water", "First Light"]
    assert any(p["id"] == playlist["id"] for p in conn.getPlaylists()["playlists"]["playlist"])

    source = (daemon.config.content_dir / "releases/tides/01 - First Light.flac").read_bytes()
    original = conn.stream(first["id"])
    assert original.headers["Content-Type"] == "audio/flac" and original.read() == source
    transcoded = conn.stream(first["id"], maxBitRate=128, tformat="mp3").read()
    assert abs(MP3(io.BytesIO(transcoded)).info.length - 6.0) < 0.3  # type: ignore[arg-type]
    seeked = conn.stream(first["id"], tformat="mp3", timeOffset=4).read()
    assert abs(MP3(io.BytesIO(seeked)).info.length - 2.0) < 0.3  # type: ignore[arg-type]
    ranged = sonic(daemon, mode, customHeaders={"Range": "bytes=1000-1999"}).stream(first["id"])
    assert ranged.status == 206 and ranged.read() == source[1000:2000]

    cover = conn.getCoverArt(album["id"], size=16)
    assert cover.headers["Content-Type"] == "image/jpeg" and cover.read()[:2] == b"\xff\xd8"
    assert conn.scrobble(low["id"])["status"] == "ok"
    assert conn.getSong(low["id"])["song"]["playCount"] == 1


@pytest.mark.parametrize("opensonic", AUTH_MODES, indirect=True)
def test_py_opensonic(daemon: Daemon, opensonic: libopensonic.Connection) -> None:
    conn = opensonic
    assert conn.ping()
    extensions = {e.name for e in conn.get_open_subsonic_extensions()}
    assert {"formPost", "apiKeyAuthentication", "transcodeOffset", "songLyrics"} <= extensions
    artists = conn.get_artists()
    aurora = artists.index[0].artist[0]
    assert aurora.name == "Aurora Lane" and aurora.album_count == 1
    artist = conn.get_artist(aurora.id)
    album = conn.get_album(artist.album[0].id)
    assert album.song_count == 2 and album.year == 2021
    first, low = album.song
    assert first.title == "First Light" and first.duration == 6 and first.suffix == "flac"
    song = conn.get_song(low.id)
    assert song.album_id == album.id and song.artist_id == aurora.id
    listed = conn.get_album_list2("newest", size=500)
    assert {a.name for a in listed} == {"Morning Tides", "Paid Single"}
    assert {g.value for g in conn.get_genres()} == {"ambient", "folk"}
    # (get_music_folders is skipped: py-opensonic 10.4 iterates the musicFolders object's keys
    # instead of its musicFolder array; the spec's shape is checked by schemathesis)
    conn.get_indexes()
    conn.get_music_directory(aurora.id)
    conn.get_artist_info2(aurora.id)
    conn.get_album_info2(album.id)
    conn.get_similar_songs2(first.id)
    conn.get_top_songs("Aurora Lane")
    conn.get_random_songs(size=5)
    conn.get_songs_by_genre("ambient")
    conn.get_now_playing()
    conn.get_user("lena")
    conn.get_scan_status()
    assert conn.get_lyrics_by_song_id(first.id)[0].line[0].value == "First line"

    found = conn.search3("water")
    assert [s.title for s in found.song] == ["Low Water"]
    assert len(conn.search3("", song_count=500).song) == 3
    conn.search2("aurora")

    assert conn.star(sids=[low.id], album_ids=[album.id], artist_ids=[aurora.id])
    starred = conn.get_starred2()
    assert [s.id for s in starred.song] == [low.id] and [a.id for a in starred.artist] == [aurora.id]
    conn.get_starred()
    assert conn.unstar(sids=[low.id])
    assert conn.set_rating(first.id, 5)
    assert conn.get_song(first.id).user_rating == 5

    assert conn.create_playlist(name="opensonic", song_ids=[first.id])
    playlist = next(p for p in conn.get_playlists() if p.name == "opensonic")
    assert conn.update_playlist(playlist.id, song_ids_to_add=[low.id], comment="two")
    full = conn.get_playlist(playlist.id)
    assert [e.title for e in full.entry] == ["First Light", "Low Water"] and full.comment == "two"

    assert conn.create_bookmark(first.id, 3000)
    assert conn.get_bookmarks()[0].position == 3000
    assert conn.save_play_queue([first.id, low.id], current=low.id, position=10)
    assert conn.get_play_queue().current == low.id

    source = (daemon.config.content_dir / "releases/tides/01 - First Light.flac").read_bytes()
    original = conn.stream(first.id)
    assert original.headers["Content-Type"] == "audio/flac" and read(conn, original) == source
    ranged = conn.stream(first.id, byte_range="bytes=500-1499")
    assert ranged.status == 206 and read(conn, ranged) == source[500:1500]
    transcoded = read(conn, conn.stream(first.id, max_bit_rate=96, tformat="mp3"))
    assert abs(MP3(io.BytesIO(transcoded)).info.length - 6.0) < 0.3  # type: ignore[arg-type]
    seeked = read(conn, conn.stream(first.id, tformat="mp3", time_offset=3))
    assert abs(MP3(io.BytesIO(seeked)).info.length - 3.0) < 0.3  # type: ignore[arg-type]
    assert read(conn, conn.get_cover_art(album.id, size=32))[:2] == b"\xff\xd8"
    assert conn.scrobble(first.id)
    assert conn.get_song(first.id).play_count == 1
    assert conn.delete_playlist(playlist.id)
