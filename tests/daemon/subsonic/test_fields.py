"""The fields apps show: artist pictures (and no placeholder art), sort names, dates, ReplayGain."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from subsonic_fixtures import SITE, Daemon, lavfi_audio, publish_site, running_daemon

pytestmark = pytest.mark.slow


def jpeg(color: tuple[int, int, int], size: tuple[int, int] = (30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


RELEASE_MBID, ARTIST_MBID = "4f1c4b1d-0000-4000-8000-000000000001", "9a0e8c2b-0000-4000-8000-000000000002"
TAGS = {
    "BPM": "121.6",
    "MOOD": "Calm; Bright",
    "RELEASETYPE": "EP",
    "ORIGINALDATE": "1999-03-02",
    "MUSICBRAINZ_ALBUMID": RELEASE_MBID,
    "MUSICBRAINZ_ALBUMARTISTID": ARTIST_MBID,
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    folder = tmp_path_factory.mktemp("tagged")
    tagged = lavfi_audio(folder / "calm.flac", tags={"title": "Calm", **TAGS})
    studio = lavfi_audio(folder / "studio.flac", tags={"title": "Take One", "DISCSUBTITLE": "Studio"})
    live = lavfi_audio(
        folder / "live.flac", tags={"title": "Encore", "DISCNUMBER": "2", "DISCSUBTITLE": "Tag"}
    )
    extra: dict[str, str | bytes] = {
        "releases/calm/release.yaml": "status: published\ntitle: Calm Waters\nartist: brook\ndate: 2024-02-02\n",
        "releases/calm/01 - Calm.flac": tagged.read_bytes(),
        # disc 1 titled by its tag; disc 2's tag is overridden by release.yaml; disc 3 has no title
        "releases/twofold/release.yaml": "status: published\ntitle: Twofold\nartist: brook\n"
        "discs:\n  2: Live at the Harbour\ntracks:\n  - file: 03.flac\n    disc: 3\n",
        "releases/twofold/01.flac": studio.read_bytes(),
        "releases/twofold/02.flac": live.read_bytes(),
        "releases/twofold/03.flac": tagged.read_bytes(),
        "artists/aurora/artist.jpg": jpeg((10, 200, 10), (50, 25)),
        "public/artists/aurora/image.jpg": jpeg((10, 200, 10)),  # as the build publishes it
        "public/artists/aurora/image-300.jpg": jpeg((10, 200, 10)),
    }
    with running_daemon(tmp_path_factory.mktemp("fields"), extra=extra) as running:
        publish_site(running)
        yield running


def artists(daemon: Daemon) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for i in daemon.ok("getArtists")["artists"]["index"] for a in i["artist"]}


def test_artist_pictures(daemon: Daemon) -> None:
    found = artists(daemon)
    aurora, brook = found["Aurora Lane"], found["Brook Ferris"]
    assert (
        aurora["coverArt"] == aurora["id"] and aurora["artistImageUrl"] == f"{SITE}artists/aurora/image.jpg"
    )
    assert "coverArt" not in brook and "artistImageUrl" not in brook  # no picture: apps use their own
    picture = Image.open(io.BytesIO(daemon.get("getCoverArt", id=aurora["coverArt"]).content))
    assert picture.size == (50, 25)  # the artist's own picture, from content/
    info = daemon.ok("getArtistInfo2", id=aurora["id"])["artistInfo2"]
    assert info["largeImageUrl"] == aurora["artistImageUrl"]
    assert "largeImageUrl" not in daemon.ok("getArtistInfo2", id=brook["id"])["artistInfo2"]
    entry = daemon.ok("getIndexes")["indexes"]["index"][0]["artist"][0]
    assert entry["artistImageUrl"] == aurora["artistImageUrl"]


def test_sort_names_and_dates(daemon: Daemon) -> None:
    album = daemon.ok(
        "getAlbum",
        id=daemon.ok("getArtist", id=artists(daemon)["Aurora Lane"]["id"])["artist"]["album"][0]["id"],
    )
    body = album["album"]
    assert body["releaseDate"] == {"year": 2021, "month": 5, "day": 1} and body["sortName"] == "Morning Tides"
    assert body["song"][0]["sortName"] == body["song"][0]["title"]  # no leading article
    assert artists(daemon)["Aurora Lane"]["sortName"] == "Aurora Lane"
    song = body["song"][0]
    assert song["replayGain"] == {"trackGain": -3.5, "trackPeak": 0.9, "albumGain": -4.0}
    assert song["displayArtist"] == "Aurora Lane" and song["artists"][0]["name"] == "Aurora Lane"


def test_sort_name_moves_the_article() -> None:
    from tunecamp.daemon.subsonic.items import release_date, sort_name

    assert sort_name("The Beatles") == "Beatles, The" and sort_name("Theory") == "Theory"
    assert release_date("2021") == {"year": 2021} and release_date("garbage") is None


def test_top_songs_by_artist_id(daemon: Daemon) -> None:
    aurora = artists(daemon)["Aurora Lane"]["id"]
    by_id = [s["title"] for s in daemon.ok("getTopSongs", id=aurora)["topSongs"]["song"]]
    assert sorted(by_id) == ["First Light", "Low Water"]
    both = daemon.ok("getTopSongs", id=aurora, artist="Brook Ferris")["topSongs"]["song"]
    assert sorted(s["title"] for s in both) == sorted(by_id)  # the ID wins over the name
    assert daemon.json("getTopSongs", id="ar-999")["error"]["code"] == 70
    assert daemon.json("getTopSongs", id="al-1")["error"]["code"] == 70
    assert daemon.json("getTopSongs")["error"]["code"] == 10
    extensions = daemon.ok("getOpenSubsonicExtensions")["openSubsonicExtensions"]
    assert {"name": "topSongsByArtistId", "versions": [1]} in extensions


def test_tags_apps_show(daemon: Daemon) -> None:
    album = next(a for a in daemon.ok("search3", query="calm")["searchResult3"]["album"])
    body = daemon.ok("getAlbum", id=album["id"])["album"]
    assert body["releaseTypes"] == ["ep"] and body["originalReleaseDate"] == {
        "year": 1999,
        "month": 3,
        "day": 2,
    }
    assert body["releaseDate"] == {"year": 2024, "month": 2, "day": 2} and body["moods"] == ["Bright", "Calm"]
    song = body["song"][0]
    assert song["bpm"] == 122 and song["moods"] == ["Calm", "Bright"]
    assert body["musicBrainzId"] == RELEASE_MBID
    assert artists(daemon)["Brook Ferris"]["musicBrainzId"] == ARTIST_MBID
    assert "musicBrainzId" not in artists(daemon)["Aurora Lane"]
    other = daemon.ok("getAlbum", id=daemon.ok("search3", query="tides")["searchResult3"]["album"][0]["id"])[
        "album"
    ]
    assert not {"releaseTypes", "originalReleaseDate", "moods"} & set(other)  # unknown: left out
    assert "bpm" not in other["song"][0]


def test_disc_titles(daemon: Daemon) -> None:
    from libopensonic.media import AlbumID3

    found = daemon.ok("search3", query="twofold")["searchResult3"]["album"][0]
    body = daemon.ok("getAlbum", id=found["id"])["album"]
    titles = [{"disc": 1, "title": "Studio"}, {"disc": 2, "title": "Live at the Harbour"}]
    assert body["discTitles"] == titles  # disc 3 has none: not listed
    assert [s["discNumber"] for s in body["song"]] == [1, 2, 3]
    parsed = AlbumID3.from_dict(body)  # as py-opensonic reads it
    assert [(d.disc, d.title) for d in parsed.disc_titles or []] == [
        (1, "Studio"),
        (2, "Live at the Harbour"),
    ]
    xml = daemon.get("getAlbum", id=found["id"], f="xml").text
    assert '<discTitles disc="2" title="Live at the Harbour"/>' in xml
    other = daemon.ok("getAlbum", id=daemon.ok("search3", query="tides")["searchResult3"]["album"][0]["id"])
    assert "discTitles" not in other["album"]  # no disc titles: left out
