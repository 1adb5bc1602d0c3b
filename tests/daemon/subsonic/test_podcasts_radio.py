"""The catalog's podcast as a read-only channel, and the live broadcasts as internet radio."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import libopensonic
import libsonic
import pytest
from subsonic_fixtures import PASSWORDS, SITE, Daemon, publish_site, running_daemon

from tunecamp.daemon.live.api import HUB

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("podcasts")) as running:
        yield running


def test_no_site_no_podcast(daemon: Daemon) -> None:
    assert daemon.ok("getPodcasts")["podcasts"] == {}
    assert daemon.json("getPodcasts", id="pc-1")["error"]["code"] == 70
    publish_site(daemon)
    channel = daemon.ok("getPodcasts")["podcasts"]["channel"][0]
    assert (
        channel["id"] == "pc-1"
        and channel["url"] == f"{SITE}podcast.rss"
        and channel["title"] == "Test Label"
    )
    titles = [e["title"] for e in channel["episode"]]
    assert titles == ["Lantern", "First Light", "Low Water"]  # newest release first, album order kept
    first = channel["episode"][1]
    assert (
        first["id"].startswith("pe-") and first["streamId"].startswith("tr-") and first["channelId"] == "pc-1"
    )
    assert first["status"] == "completed" and first["publishDate"].startswith("2021-05-01T00:00")
    without = daemon.ok("getPodcasts", id="pc-1", includeEpisodes="false")["podcasts"]["channel"][0]
    assert "episode" not in without
    newest = daemon.ok("getNewestPodcasts", count=1)["newestPodcasts"]["episode"]
    assert [e["title"] for e in newest] == ["Lantern"]
    one = daemon.ok("getPodcastEpisode", id=first["id"])["podcastEpisode"]
    assert one["title"] == "First Light"
    # the episode plays through its streamId and reports as a podcast
    assert daemon.get("stream", id=first["streamId"]).headers["content-type"] == "audio/flac"
    daemon.ok("reportPlayback", mediaId=first["id"], mediaType="podcast", positionMs=0, state="starting")
    for bad in ("pe-99999", "tr-2", "pc-1", "nonsense"):
        assert daemon.json("getPodcastEpisode", id=bad)["error"]["code"] == 70, bad
    assert daemon.json("getPodcasts", id="pc-2")["error"]["code"] == 70
    drafts = [e["title"] for e in daemon.ok("getPodcasts", "carl")["podcasts"]["channel"][0]["episode"]]
    assert "Unfinished" not in drafts  # the show is the published catalog, for staff too


def test_py_opensonic_podcasts(daemon: Daemon) -> None:
    publish_site(daemon)
    conn = libopensonic.Connection(
        "http://127.0.0.1",
        "lena",
        PASSWORDS["lena"],
        port=urlsplit(daemon.url).port,
        server_path="",
        app_name="t",
    )
    try:
        channels = conn.get_podcasts()
        assert channels[0].title == "Test Label" and len(channels[0].episode or []) == 3
        assert [e.title for e in conn.get_newest_podcasts(count=2)] == ["Lantern", "First Light"]
    finally:
        conn.cleanup()


def test_live_broadcasts_are_radio_stations(daemon: Daemon) -> None:
    assert daemon.ok("getInternetRadioStations")["internetRadioStations"] == {}
    hub = daemon.app[HUB]
    session = daemon.run(hub.start(1, "aurora", "Evening set", False))
    try:
        (station,) = daemon.ok("getInternetRadioStations")["internetRadioStations"]["internetRadioStation"]
        assert station["name"] == "aurora: Evening set"
        assert station["streamUrl"] == f"{daemon.config.url}/live/{session.id}/index.m3u8"
        assert station["homePageUrl"] == f"{daemon.config.url}/live/aurora/"
    finally:
        daemon.run(hub.end(session, "test over"))
    assert daemon.ok("getInternetRadioStations")["internetRadioStations"] == {}


def test_py_sonic_classic_calls(daemon: Daemon) -> None:
    """The classic calls DSub makes: podcasts, newest episodes, radio stations, shares."""
    publish_site(daemon)
    conn = libsonic.Connection(
        "http://127.0.0.1",
        "lena",
        PASSWORDS["lena"],
        port=urlsplit(daemon.url).port,
        serverPath="/rest",
        appName="t",
    )
    channel = conn.getPodcasts()["podcasts"]["channel"][0]
    assert channel["id"] == "pc-1" and len(channel["episode"]) == 3
    assert [e["title"] for e in conn.getNewestPodcasts(count=1)["newestPodcasts"]["episode"]] == ["Lantern"]
    assert conn.getInternetRadioStations()["status"] == "ok"
    tides = next(a for a in conn.search3("tides")["searchResult3"]["album"])
    share = conn.createShare(shids=[tides["id"]], description="py-sonic")["shares"]["share"][0]
    assert share["url"] == f"{SITE}releases/tides/"
    assert any(s["description"] == "py-sonic" for s in conn.getShares()["shares"]["share"])


def test_an_episode_through_the_transcoding_extension(daemon: Daemon) -> None:
    import httpx

    publish_site(daemon)
    episode = daemon.ok("getNewestPodcasts", count=1)["newestPodcasts"]["episode"][0]
    client = {
        "name": "t",
        "platform": "x",
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
    }
    params = daemon.params(mediaId=episode["id"], mediaType="podcast", f="json")
    decision = httpx.post(f"{daemon.rest}/getTranscodeDecision", params=params, json=client).json()
    sealed = decision["subsonic-response"]["transcodeDecision"]["transcodeParams"]
    audio = daemon.get(
        "getTranscodeStream", mediaId=episode["id"], mediaType="podcast", transcodeParams=sealed
    )
    assert audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 1000
    wrong = daemon.json("getTranscodeStream", mediaId=episode["id"], mediaType="song", transcodeParams=sealed)
    assert wrong["error"]["code"] == 70  # an episode ID is not a song ID
