"""reportPlayback: now playing follows the reports; one play per listen, however many reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from subsonic_fixtures import Daemon, running_daemon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("playback")) as running:
        yield running


def song(daemon: Daemon, title: str) -> dict[str, Any]:
    songs = daemon.ok("search3", query="")["searchResult3"]["song"]
    return next(s for s in songs if s["title"] == title)


def plays(daemon: Daemon, song_id: str, user: str) -> int:
    return int(daemon.ok("getSong", user, id=song_id)["song"]["playCount"])


def report(daemon: Daemon, user: str, song_id: str, state: str, ms: int, **extra: Any) -> dict[str, Any]:
    return daemon.json(
        "reportPlayback",
        user,
        mediaId=song_id,
        mediaType="song",
        positionMs=ms,
        state=state,
        c="app",
        **extra,
    )


def test_one_play_per_listen(daemon: Daemon) -> None:
    low = song(daemon, "Low Water")["id"]  # 2 s: a play after 1 s heard
    report(daemon, "carl", low, "starting", 0)
    assert [e["id"] for e in daemon.ok("getNowPlaying", "carl")["nowPlaying"]["entry"]] == [low]
    report(daemon, "carl", low, "playing", 0)
    report(daemon, "carl", low, "playing", 1500)  # 1.5 s on a clock that allows it (slack)
    report(daemon, "carl", low, "playing", 1900)
    report(daemon, "carl", low, "stopped", 2000)
    assert plays(daemon, low, "carl") == 1
    assert not daemon.ok("getNowPlaying", "carl")["nowPlaying"].get("entry")
    # the same app scrobbling the same listen afterwards does not count it twice
    daemon.ok("scrobble", "carl", id=low, c="app")
    assert plays(daemon, low, "carl") == 1
    # a new listen (starting) counts again
    report(daemon, "carl", low, "starting", 0)
    report(daemon, "carl", low, "playing", 900)  # starting is not playing: nothing heard yet
    report(daemon, "carl", low, "playing", 1800)  # 0.9 s heard: not yet half of 2 s
    assert plays(daemon, low, "carl") == 1
    report(daemon, "carl", low, "playing", 1950)
    assert plays(daemon, low, "carl") == 2


def test_seeks_pauses_and_ignore(daemon: Daemon) -> None:
    first = song(daemon, "First Light")["id"]  # 6 s: 3 s to hear
    report(daemon, "lena", first, "starting", 0)
    report(daemon, "lena", first, "playing", 0)
    report(daemon, "lena", first, "playing", 5900)  # a seek to the end: not heard
    report(daemon, "lena", first, "paused", 5950)
    report(daemon, "lena", first, "paused", 0)  # paused and moved back: nothing
    assert plays(daemon, first, "lena") == 0
    report(daemon, "lena", first, "starting", 0, ignoreScrobble="true")
    report(daemon, "lena", first, "playing", 0)
    report(daemon, "lena", first, "playing", 2000)
    report(daemon, "lena", first, "playing", 3900)
    assert plays(daemon, first, "lena") == 0  # ignoreScrobble holds for the whole listen
    assert daemon.ok("getNowPlaying", "lena")["nowPlaying"]["entry"][0]["id"] == first


@pytest.mark.parametrize(
    ("params", "code", "word"),
    [
        ({"mediaType": "video"}, 0, "mediaType"),
        ({"state": "rewinding"}, 0, "state"),
        ({"positionMs": "-5"}, 0, "positionMs"),
        ({"positionMs": "soon"}, 0, "positionMs"),
        ({"playbackRate": "0"}, 0, "playbackRate"),
        ({"playbackRate": "nan"}, 0, "playbackRate"),
        ({"mediaId": "al-1"}, 70, "mediaId"),
        ({"mediaId": "tr-99999"}, 70, "mediaId"),
        ({"mediaType": "podcast"}, 70, "mediaId"),  # a song ID is not an episode
        ({"state": ""}, 10, "state"),
    ],
)
def test_hostile_reports(daemon: Daemon, params: dict[str, str], code: int, word: str) -> None:
    low = song(daemon, "Low Water")["id"]
    query = {"mediaId": low, "mediaType": "song", "positionMs": "0", "state": "playing", **params}
    body = daemon.json("reportPlayback", **query)
    assert body["status"] == "failed" and body["error"]["code"] == code, body
    assert word in body["error"]["message"]


def test_drafts_not_reported_by_listeners(daemon: Daemon) -> None:
    draft = next(
        s
        for s in daemon.ok("search3", "carl", query="")["searchResult3"]["song"]
        if s["title"] == "Unfinished"
    )
    body = report(daemon, "lena", draft["id"], "playing", 0)
    assert body["error"]["code"] == 70
