"""Browsing, lists and search over a real scanned catalog; drafts only for Curators and above."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from subsonic_fixtures import Daemon, index_catalog, running_daemon

from tunecamp.daemon.subsonic.call import SUBSONIC
from tunecamp.daemon.subsonic.search import terms

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


def titles(songs: list[dict]) -> list[str]:
    return [s["title"] for s in songs]


def test_artists_albums_songs(daemon: Daemon) -> None:
    index = daemon.ok("getArtists")["artists"]["index"]
    assert [i["name"] for i in index] == ["A", "B"]
    aurora = index[0]["artist"][0]
    assert aurora["name"] == "Aurora Lane" and aurora["albumCount"] == 1  # the draft is not counted
    artist = daemon.ok("getArtist", id=aurora["id"])["artist"]
    assert [a["name"] for a in artist["album"]] == ["Morning Tides"]
    album = daemon.ok("getAlbum", id=artist["album"][0]["id"])["album"]
    assert album["songCount"] == 2 and album["year"] == 2021 and album["genre"] == "ambient"
    assert album["recordLabels"] == [{"name": "Shore Records"}]
    assert titles(album["song"]) == ["First Light", "Low Water"]
    first = album["song"][0]
    assert first["suffix"] == "flac" and first["contentType"] == "audio/flac" and first["duration"] == 6
    assert first["track"] == 1 and first["discNumber"] == 1 and first["albumId"] == album["id"]
    assert first["artists"] == [{"id": aurora["id"], "name": "Aurora Lane"}]
    assert daemon.ok("getSong", id=first["id"])["song"]["title"] == "First Light"


def test_folder_browsing(daemon: Daemon) -> None:
    indexes = daemon.ok("getIndexes")["indexes"]
    assert indexes["lastModified"] > 0 and indexes["ignoredArticles"]
    artist_entry = indexes["index"][0]["artist"][0]
    directory = daemon.ok("getMusicDirectory", id=artist_entry["id"])["directory"]
    assert directory["name"] == "Aurora Lane"
    album_dir = directory["child"][0]
    assert album_dir["isDir"] is True
    songs = daemon.ok("getMusicDirectory", id=album_dir["id"])["directory"]["child"]
    assert titles(songs) == ["First Light", "Low Water"] and not songs[0]["isDir"]
    # nothing new since: the index is left out
    again = daemon.ok("getIndexes", ifModifiedSince=indexes["lastModified"])["indexes"]
    assert "index" not in again


def test_drafts_for_curators_only(daemon: Daemon) -> None:
    listener = daemon.ok("search3", "lena", query="")["searchResult3"]
    curator = daemon.ok("search3", "carl", query="")["searchResult3"]
    assert "Unfinished" not in titles(listener["song"])
    assert "Unfinished" in titles(curator["song"])
    draft = next(s for s in curator["song"] if s["title"] == "Unfinished")
    assert daemon.json("getSong", "lena", id=draft["id"])["error"]["code"] == 70
    assert daemon.json("getAlbum", "lena", id=draft["albumId"])["error"]["code"] == 70
    assert daemon.json("stream", "lena", id=draft["id"])["error"]["code"] == 70
    assert daemon.ok("getAlbum", "carl", id=draft["albumId"])["album"]["name"] == "Night Drafts"


def test_album_lists(daemon: Daemon) -> None:
    def names(kind: str, **extra: object) -> list[str]:
        body = daemon.ok("getAlbumList2", type=kind, **extra)["albumList2"]
        return [a["name"] for a in body.get("album", [])]

    assert names("alphabeticalByName") == ["Morning Tides", "Paid Single"]
    assert names("alphabeticalByArtist") == ["Morning Tides", "Paid Single"]
    assert sorted(names("random")) == ["Morning Tides", "Paid Single"]
    assert len(names("newest")) == 2
    assert names("byYear", fromYear=2020, toYear=2022) == ["Morning Tides"]
    assert names("byYear", fromYear=2030, toYear=2000) == ["Paid Single", "Morning Tides"]
    assert names("byGenre", genre="FOLK") == ["Paid Single"]
    assert names("alphabeticalByName", size=1, offset=1) == ["Paid Single"]
    assert names("frequent") == [] and names("recent") == [] and names("highest") == []
    assert daemon.json("getAlbumList2", type="bogus")["error"]["code"] == 0
    assert daemon.json("getAlbumList2")["error"]["code"] == 10
    assert daemon.json("getAlbumList2", type="byYear")["error"]["code"] == 10
    old = daemon.ok("getAlbumList", type="alphabeticalByName")["albumList"]["album"]
    assert old[0]["isDir"] is True and old[0]["title"] == "Morning Tides"


def test_genres_random_and_by_genre(daemon: Daemon) -> None:
    genres = daemon.ok("getGenres")["genres"]["genre"]
    assert genres == [
        {"value": "ambient", "songCount": 2, "albumCount": 1},
        {"value": "folk", "songCount": 1, "albumCount": 1},
    ]
    songs = daemon.ok("getSongsByGenre", genre="ambient")["songsByGenre"]["song"]
    assert titles(songs) == ["First Light", "Low Water"] or sorted(titles(songs)) == [
        "First Light",
        "Low Water",
    ]
    assert daemon.ok("getSongsByGenre", genre="ambient", count=1, offset=1)["songsByGenre"]["song"][0]["id"]
    random_songs = daemon.ok("getRandomSongs", size=10)["randomSongs"]["song"]
    assert sorted(titles(random_songs)) == ["First Light", "Lantern", "Low Water"]
    assert titles(daemon.ok("getRandomSongs", genre="folk")["randomSongs"]["song"]) == ["Lantern"]
    assert daemon.ok("getRandomSongs", fromYear=2030)["randomSongs"] == {}


def test_search(daemon: Daemon) -> None:
    found = daemon.ok("search3", query="light")["searchResult3"]
    assert titles(found["song"]) == ["First Light"] and "artist" not in found
    found = daemon.ok("search3", query="AURORA")["searchResult3"]
    assert found["artist"][0]["name"] == "Aurora Lane"
    assert {a["name"] for a in found["album"]} == {"Morning Tides"}
    assert sorted(titles(found["song"])) == ["First Light", "Low Water"]
    assert titles(daemon.ok("search3", query="aurora water")["searchResult3"]["song"]) == ["Low Water"]
    old = daemon.ok("search2", query="lantern")["searchResult2"]
    assert titles(old["song"]) == ["Lantern"]


@pytest.mark.parametrize("query", ["", '""', "*"])
def test_empty_search_lists_everything_paged(daemon: Daemon, query: str) -> None:
    everything = daemon.ok("search3", query=query, songCount=500, artistCount=500, albumCount=500)
    result = everything["searchResult3"]
    assert len(result["song"]) == 3 and len(result["album"]) == 2 and len(result["artist"]) == 2
    pages = []
    for offset in range(0, 4, 2):
        page = daemon.ok("search3", query=query, songCount=2, songOffset=offset, artistCount=0, albumCount=0)
        assert "artist" not in page["searchResult3"] and "album" not in page["searchResult3"]
        pages += [s["id"] for s in page["searchResult3"].get("song", [])]
    assert pages == [s["id"] for s in result["song"]]  # stable order: no song twice, none lost


def test_search_without_query_parameter(daemon: Daemon) -> None:
    assert len(daemon.ok("search3")["searchResult3"]["song"]) == 3


def test_search_terms() -> None:
    assert terms(None) == [] and terms('""') == [] and terms("  ") == [] and terms("*") == []
    assert terms("Crème  BRÛLÉE") == ["creme", "brulee"]
    assert terms('"exact"') == ["exact"]


def test_info_similar_top_and_lyrics(daemon: Daemon) -> None:
    info = daemon.ok("getArtistInfo2", id="ar-1")["artistInfo2"]
    assert info["biography"].startswith("Ambient from the coast")
    assert daemon.ok("getArtistInfo2", id="ar-2")["artistInfo2"] == {}
    assert daemon.ok("getAlbumInfo2", id="al-2")["albumInfo"] == {}
    first_light = daemon.ok("search3", query="first light")["searchResult3"]["song"][0]
    similar = daemon.ok("getSimilarSongs2", id=first_light["id"])["similarSongs2"]["song"]
    assert titles(similar) == ["Low Water"]  # same artist, never the seed itself
    top = daemon.ok("getTopSongs", artist="Aurora Lane")["topSongs"]["song"]
    assert sorted(titles(top)) == ["First Light", "Low Water"]
    assert daemon.ok("getTopSongs", artist="Nobody")["topSongs"] == {}
    lyrics = daemon.ok("getLyricsBySongId", id=first_light["id"])["lyricsList"]["structuredLyrics"]
    synced = next(x for x in lyrics if x["synced"])
    assert synced["line"] == [{"start": 500, "value": "First line"}, {"start": 1500, "value": "Second line"}]
    plain = daemon.ok("getLyrics", artist="Aurora Lane", title="First Light")["lyrics"]
    assert plain["value"].splitlines() == ["First line", "Second line"]
    assert daemon.ok("getLyrics", artist="x", title="y")["lyrics"] == {"value": ""}


def test_ids_survive_a_rescan_after_a_rename(daemon: Daemon) -> None:
    before = daemon.ok("search3", query="low water")["searchResult3"]["song"][0]
    daemon.ok("star", id=before["id"])
    folder = daemon.config.content_dir / "releases/tides"
    (folder / "02 - Low Water.mp3").rename(folder / "02 - Low Water (remaster).mp3")
    index_catalog(daemon.config)
    daemon.app[SUBSONIC].library.invalidate()
    after = daemon.ok("search3", query="low water")["searchResult3"]["song"][0]
    assert after["id"] == before["id"] and after["path"].endswith("Low Water.mp3")
    assert daemon.ok("getStarred2")["starred2"]["song"][0]["id"] == before["id"]
