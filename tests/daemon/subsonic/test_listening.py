"""Each user's own state: stars, ratings, plays, playlists, bookmarks, play queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from subsonic_fixtures import Daemon, running_daemon

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


def ids(d: Daemon) -> dict[str, str]:
    songs = d.ok("search3", query="")["searchResult3"]["song"]
    return {s["title"]: s["id"] for s in songs}


def test_stars_and_ratings_are_per_user(daemon: Daemon) -> None:
    songs = ids(daemon)
    daemon.ok("star", id=songs["First Light"], albumId="al-2", artistId="ar-1")
    starred = daemon.ok("getStarred2")["starred2"]
    assert [s["title"] for s in starred["song"]] == ["First Light"]
    assert [a["id"] for a in starred["album"]] == ["al-2"] and [a["id"] for a in starred["artist"]] == [
        "ar-1"
    ]
    assert starred["song"][0]["starred"].endswith("Z")
    old = daemon.ok("getStarred")["starred"]
    assert old["album"][0]["isDir"] is True and old["artist"][0]["name"] == "Aurora Lane"
    assert daemon.ok("getStarred2", "carl")["starred2"] == {}  # someone else's stars are not mine
    assert [a["id"] for a in daemon.ok("getAlbumList2", type="starred")["albumList2"]["album"]] == ["al-2"]
    daemon.ok("star", id=songs["First Light"])  # starring twice is harmless
    daemon.ok("unstar", id=songs["First Light"])
    assert "song" not in daemon.ok("getStarred2")["starred2"]
    assert daemon.json("star")["error"]["code"] == 10
    assert daemon.json("star", id="tr-9999")["error"]["code"] == 70

    daemon.ok("setRating", id=songs["Low Water"], rating=4)
    daemon.ok("setRating", id="al-1", rating=5)
    assert daemon.ok("getSong", id=songs["Low Water"])["song"]["userRating"] == 4
    assert [a["id"] for a in daemon.ok("getAlbumList2", type="highest")["albumList2"]["album"]] == ["al-1"]
    daemon.ok("setRating", id=songs["Low Water"], rating=0)
    assert "userRating" not in daemon.ok("getSong", id=songs["Low Water"])["song"]
    assert daemon.json("setRating", id=songs["Low Water"], rating=6)["error"]["code"] == 0
    assert daemon.json("setRating", id=songs["Low Water"])["error"]["code"] == 10


def test_an_album_answer_is_each_callers_own(daemon: Daemon) -> None:
    """getAlbum writes an album nobody touched once per snapshot: stars, ratings and plays
    still show for the caller who made them, and only for them, in JSON and XML."""
    songs = ids(daemon)
    first_light = songs["First Light"]
    untouched = daemon.ok("getAlbum", id="al-2")["album"]
    untouched_xml = daemon.get("getAlbum", f="xml", id="al-2").text
    assert untouched["playCount"] == 0 and all(s["playCount"] == 0 for s in untouched["song"])
    assert first_light in [s["id"] for s in untouched["song"]]

    daemon.ok("star", id=first_light)
    daemon.ok("setRating", id="al-2", rating=3)
    daemon.ok("scrobble", id=first_light, time=1_700_000_000_000)
    mine = daemon.ok("getAlbum", id="al-2")["album"]
    song = next(s for s in mine["song"] if s["id"] == first_light)
    assert song["starred"].endswith("Z") and song["playCount"] == 1 and "played" in song
    assert mine["userRating"] == 3 and mine["playCount"] == 1
    assert 'userRating="3"' in daemon.get("getAlbum", f="xml", id="al-2").text
    assert daemon.ok("getAlbum", "carl", id="al-2")["album"] == untouched  # not someone else's
    assert daemon.get("getAlbum", "carl", f="xml", id="al-2").text == untouched_xml

    daemon.ok("unstar", id=first_light)
    daemon.ok("setRating", id="al-2", rating=0)
    again = daemon.ok("getAlbum", id="al-2")["album"]
    assert "starred" not in next(s for s in again["song"] if s["id"] == first_light)
    assert "userRating" not in again and again["playCount"] == 1  # the play stays


def test_scrobbles_make_frequent_and_recent(daemon: Daemon) -> None:
    songs = ids(daemon)
    daemon.ok("scrobble", id=songs["Lantern"], time=1_700_000_000_000)
    daemon.ok(
        "scrobble", id=[songs["Lantern"], songs["Low Water"]], time=[1_700_000_100_000, 1_700_000_200_000]
    )
    lantern = daemon.ok("getSong", id=songs["Lantern"])["song"]
    assert lantern["playCount"] == 2 and lantern["played"] == "2023-11-14T22:15:00.000Z"
    frequent = daemon.ok("getAlbumList2", type="frequent")["albumList2"]["album"]
    assert [a["id"] for a in frequent] == ["al-1", "al-2"] and frequent[0]["playCount"] == 2
    recent = daemon.ok("getAlbumList2", type="recent")["albumList2"]["album"]
    assert [a["id"] for a in recent] == ["al-2", "al-1"]
    assert daemon.ok("getSong", "carl", id=songs["Lantern"])["song"]["playCount"] == 0
    top = daemon.ok("getTopSongs", artist="Brook Ferris")["topSongs"]["song"]
    assert top[0]["title"] == "Lantern"
    assert daemon.json("scrobble", id="tr-9999")["error"]["code"] == 70
    assert daemon.json("scrobble", id=songs["Lantern"], time="yesterday")["error"]["code"] == 0


def test_playlists(daemon: Daemon) -> None:
    songs = ids(daemon)
    created = daemon.ok("createPlaylist", name="Road trip", songId=[songs["Low Water"], songs["Lantern"]])
    playlist = created["playlist"]
    assert playlist["name"] == "Road trip" and playlist["owner"] == "lena" and playlist["songCount"] == 2
    assert [e["title"] for e in playlist["entry"]] == ["Low Water", "Lantern"]
    number = playlist["id"]
    daemon.ok(
        "updatePlaylist",
        playlistId=number,
        name="Road trip 2",
        comment="for the coast",
        public="true",
        songIdToAdd=songs["First Light"],
        songIndexToRemove=0,
    )
    fetched = daemon.ok("getPlaylist", id=number)["playlist"]
    assert fetched["name"] == "Road trip 2" and fetched["comment"] == "for the coast" and fetched["public"]
    assert [e["title"] for e in fetched["entry"]] == ["Lantern", "First Light"]
    listed = daemon.ok("getPlaylists")["playlists"]["playlist"]
    assert [p["id"] for p in listed] == [number] and "entry" not in listed[0]
    # public: others may read it, never change it
    assert daemon.ok("getPlaylist", "carl", id=number)["playlist"]["songCount"] == 2
    assert daemon.json("updatePlaylist", "carl", playlistId=number, name="mine")["error"]["code"] == 50
    assert daemon.json("deletePlaylist", "carl", id=number)["error"]["code"] == 50
    # createPlaylist with playlistId replaces the songs
    replaced = daemon.ok("createPlaylist", playlistId=number, songId=songs["Low Water"])["playlist"]
    assert [e["title"] for e in replaced["entry"]] == ["Low Water"]
    private = daemon.ok("createPlaylist", name="Secret")["playlist"]
    assert "entry" not in private and private["songCount"] == 0
    assert daemon.json("getPlaylist", "carl", id=private["id"])["error"]["code"] == 70
    assert daemon.json("getPlaylists", username="carl")["error"]["code"] == 50
    daemon.ok("deletePlaylist", id=number)
    assert daemon.json("getPlaylist", id=number)["error"]["code"] == 70
    assert daemon.json("createPlaylist")["error"]["code"] == 10
    assert daemon.json("createPlaylist", name="x", songId="tr-9999")["error"]["code"] == 70


def test_drafts_in_a_playlist_are_hidden_from_listeners(daemon: Daemon) -> None:
    draft = next(s["id"] for s in daemon.ok("search3", "carl", query="unfinished")["searchResult3"]["song"])
    first = ids(daemon)["First Light"]
    shared = daemon.ok("createPlaylist", "carl", name="Staff picks", songId=[draft, first])["playlist"]
    daemon.ok("updatePlaylist", "carl", playlistId=shared["id"], public="true")
    seen = daemon.ok("getPlaylist", "lena", id=shared["id"])["playlist"]
    assert [e["title"] for e in seen["entry"]] == ["First Light"] and seen["songCount"] == 1
    assert daemon.json("createPlaylist", "lena", name="x", songId=draft)["error"]["code"] == 70


def test_bookmarks_and_play_queue(daemon: Daemon) -> None:
    songs = ids(daemon)
    daemon.ok("createBookmark", id=songs["First Light"], position=4200, comment="the good part")
    marks = daemon.ok("getBookmarks")["bookmarks"]["bookmark"]
    assert marks[0]["position"] == 4200 and marks[0]["entry"]["title"] == "First Light"
    assert marks[0]["comment"] == "the good part" and marks[0]["username"] == "lena"
    daemon.ok("createBookmark", id=songs["First Light"], position=5000)
    assert daemon.ok("getBookmarks")["bookmarks"]["bookmark"][0]["position"] == 5000
    assert daemon.ok("getBookmarks", "carl")["bookmarks"] == {}
    daemon.ok("deleteBookmark", id=songs["First Light"])
    assert daemon.ok("getBookmarks")["bookmarks"] == {}
    assert daemon.json("createBookmark", id=songs["First Light"])["error"]["code"] == 10

    empty = daemon.ok("getPlayQueue")["playQueue"]
    assert empty["username"] == "lena" and "entry" not in empty
    daemon.ok(
        "savePlayQueue", id=[songs["Low Water"], songs["Lantern"]], current=songs["Lantern"], position=1234
    )
    queue = daemon.ok("getPlayQueue")["playQueue"]
    assert [e["title"] for e in queue["entry"]] == ["Low Water", "Lantern"]
    assert (
        queue["current"] == songs["Lantern"] and queue["position"] == 1234 and queue["changedBy"] == "tests"
    )
    daemon.ok("savePlayQueue")
    assert "entry" not in daemon.ok("getPlayQueue")["playQueue"]
