"""indexBasedQueue: a queue holding a song twice keeps which entry plays."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import libopensonic
import pytest
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("queue")) as running:
        yield running


def ids(daemon: Daemon) -> dict[str, str]:
    return {s["title"]: s["id"] for s in daemon.ok("search3", "carl", query="")["searchResult3"]["song"]}


def test_the_same_song_twice(daemon: Daemon) -> None:
    songs = ids(daemon)
    first, low = songs["First Light"], songs["Low Water"]
    daemon.ok("savePlayQueueByIndex", id=[first, low, first], currentIndex=2, position=1500)
    queue = daemon.ok("getPlayQueueByIndex")["playQueueByIndex"]
    assert queue["currentIndex"] == 2 and queue["position"] == 1500
    assert [e["id"] for e in queue["entry"]] == [first, low, first]
    # the ID-based call sees the same queue, its current song by ID
    assert daemon.ok("getPlayQueue")["playQueue"]["current"] == first
    # saved by ID: the current song's first entry
    daemon.ok("savePlayQueue", id=[low, first, first], current=first, position=10)
    assert daemon.ok("getPlayQueueByIndex")["playQueueByIndex"]["currentIndex"] == 1


def test_hidden_entries_shift_the_index(daemon: Daemon) -> None:
    songs = ids(daemon)
    draft, low = songs["Unfinished"], songs["Low Water"]  # carl sees drafts; lena does not
    daemon.ok("savePlayQueueByIndex", "carl", id=[draft, low], currentIndex=1, position=5)
    assert daemon.ok("getPlayQueueByIndex", "carl")["playQueueByIndex"]["currentIndex"] == 1
    daemon.ok("savePlayQueueByIndex", "carl", id=[low, draft], currentIndex=1)
    assert daemon.ok("getPlayQueueByIndex", "carl")["playQueueByIndex"]["currentIndex"] == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"currentIndex": "5"}, 0),
        ({"currentIndex": "-1"}, 0),
        ({"currentIndex": "x"}, 0),
        ({"position": "9"}, 10),
    ],
)
def test_hostile_indexes(daemon: Daemon, params: dict[str, str], code: int) -> None:
    body = daemon.json("savePlayQueueByIndex", id=[ids(daemon)["Low Water"]], **params)
    assert body["status"] == "failed" and body["error"]["code"] == code


def test_empty_queue_and_py_opensonic(daemon: Daemon) -> None:
    conn = libopensonic.Connection(
        "http://127.0.0.1",
        "olga",
        PASSWORDS["olga"],
        port=urlsplit(daemon.url).port,
        server_path="",
        app_name="t",
    )
    try:
        empty = conn.get_play_queue_by_index()
        assert empty.username == "olga" and not empty.entry
        low = ids(daemon)["Low Water"]
        conn.save_play_queue_by_index([low, low], current_index=1, position=42)
        queue = conn.get_play_queue_by_index()
        assert queue.current_index == 1 and queue.position == 42 and len(queue.entry or []) == 2
    finally:
        conn.cleanup()


def test_huge_positions_are_kept_in_range(daemon: Daemon) -> None:
    low = ids(daemon)["Low Water"]
    daemon.ok("savePlayQueueByIndex", id=[low], currentIndex=0, position=str(10**30))
    assert daemon.ok("getPlayQueueByIndex")["playQueueByIndex"]["position"] == 10**12
    daemon.ok("savePlayQueue", id=[low], position=str(10**30))
    daemon.ok("createBookmark", id=low, position=str(10**30))
    daemon.ok("reportPlayback", mediaId=low, mediaType="song", positionMs=str(10**30), state="playing")
