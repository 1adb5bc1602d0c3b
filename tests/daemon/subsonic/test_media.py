"""stream, download, getCoverArt and getAvatar against a real daemon, with real ffmpeg."""

from __future__ import annotations

import io
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from mutagen.mp3 import MP3
from PIL import Image
from subsonic_fixtures import Daemon, index_catalog, running_daemon

from tunecamp.daemon.subsonic.call import SUBSONIC

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


def song_id(d: Daemon, title: str, user: str = "lena") -> str:
    songs = d.ok("search3", user, query=title)["searchResult3"]["song"]
    return str(next(s["id"] for s in songs if s["title"] == title))


def stream(
    d: Daemon, user: str = "lena", headers: dict[str, str] | None = None, **extra: object
) -> httpx.Response:
    return httpx.get(f"{d.rest}/stream", params=d.params(user, **extra), headers=headers, timeout=60)


def mp3_seconds(data: bytes, tmp_path: Path) -> float:
    path = tmp_path / "out.mp3"
    path.write_bytes(data)
    return float(MP3(path).info.length)


def test_original_with_range(daemon: Daemon) -> None:
    source = (daemon.config.content_dir / "releases/tides/01 - First Light.flac").read_bytes()
    full = stream(daemon, id=song_id(daemon, "First Light"))
    assert full.status_code == 200 and full.content == source
    assert full.headers["content-type"] == "audio/flac" and full.headers["accept-ranges"] == "bytes"
    assert int(full.headers["content-length"]) == len(source)
    part = stream(daemon, id=song_id(daemon, "First Light"), headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == source[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(source)}"
    tail = stream(daemon, id=song_id(daemon, "First Light"), headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == source[-50:]


def test_transcoded_and_time_offset(daemon: Daemon, tmp_path: Path) -> None:
    track = song_id(daemon, "First Light")  # 6 s of FLAC
    whole = stream(daemon, id=track, format="mp3", maxBitRate=128)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mpeg"
    assert abs(mp3_seconds(whole.content, tmp_path) - 6.0) < 0.3
    late = stream(daemon, id=track, format="mp3", timeOffset=4)
    assert abs(mp3_seconds(late.content, tmp_path) - 2.0) < 0.3
    # a Range on a transcode is answered with the whole stream, never a wrong slice
    ranged = stream(daemon, id=track, format="mp3", headers={"Range": "bytes=10-20"})
    assert ranged.status_code == 200 and ranged.headers["accept-ranges"] == "none"
    head = httpx.head(f"{daemon.rest}/stream", params=daemon.params(id=track, format="mp3"))
    assert head.status_code == 200 and head.headers["content-type"] == "audio/mpeg"
    assert not daemon.app[SUBSONIC].transcodes  # a HEAD never starts ffmpeg
    opus = stream(daemon, id=track, format="opus")
    assert opus.headers["content-type"] == "audio/ogg" and opus.content[:4] == b"OggS"


def test_max_bitrate_below_the_original_transcodes(daemon: Daemon) -> None:
    flac = stream(daemon, id=song_id(daemon, "First Light"), maxBitRate=96)
    assert flac.headers["content-type"] == "audio/mpeg" and flac.content[:3] in (b"ID3", b"\xff\xfb"[:3])


def test_estimate_content_length(daemon: Daemon) -> None:
    response = stream(
        daemon, id=song_id(daemon, "First Light"), format="mp3", maxBitRate=128, estimateContentLength="true"
    )
    expected = int(6.0 * 128_000 / 8)
    assert int(response.headers["content-length"]) == expected and len(response.content) == expected


def test_protected_release_streams_only_in_stream_quality(daemon: Daemon, tmp_path: Path) -> None:
    lantern = song_id(daemon, "Lantern")
    listener = stream(daemon, id=lantern)
    assert listener.headers["content-type"] == "audio/mpeg"  # not the lossless original
    raw = stream(daemon, id=lantern, format="raw")
    assert raw.headers["content-type"] == "audio/mpeg"
    assert MP3(io.BytesIO(raw.content)).info.bitrate <= 128_000  # type: ignore[arg-type]
    curator = stream(daemon, "carl", id=lantern)
    assert curator.headers["content-type"] == "audio/flac"


def test_download_honours_the_policy(daemon: Daemon) -> None:
    free = httpx.get(f"{daemon.rest}/download", params=daemon.params(id=song_id(daemon, "Low Water")))
    source = (daemon.config.content_dir / "releases/tides/02 - Low Water.mp3").read_bytes()
    assert free.status_code == 200 and free.content == source
    assert 'filename="Low Water.mp3"' in free.headers["content-disposition"]
    paid = httpx.get(f"{daemon.rest}/download", params=daemon.params(id=song_id(daemon, "Lantern"), f="json"))
    error = paid.json()["subsonic-response"]["error"]
    assert error["code"] == 50 and "sale" in error["message"]
    staff = httpx.get(f"{daemon.rest}/download", params=daemon.params("carl", id=song_id(daemon, "Lantern")))
    assert staff.status_code == 200 and staff.headers["content-type"] == "audio/flac"


def test_streaming_does_not_count_a_play_only_scrobble_does(daemon: Daemon) -> None:
    track = song_id(daemon, "Low Water")
    stream(daemon, id=track)
    stream(daemon, id=track, format="mp3")
    assert daemon.ok("getSong", id=track)["song"]["playCount"] == 0
    now = daemon.ok("getNowPlaying")["nowPlaying"]["entry"]
    assert now[0]["id"] == track and now[0]["username"] == "lena"
    daemon.ok("scrobble", id=track, submission="false")
    assert daemon.ok("getSong", id=track)["song"]["playCount"] == 0
    daemon.ok("scrobble", id=track)
    assert daemon.ok("getSong", id=track)["song"]["playCount"] == 1


def test_missing_file_is_an_error_not_a_crash(daemon: Daemon) -> None:
    (daemon.config.content_dir / "releases/tides/02 - Low Water.mp3").unlink()
    body = stream(daemon, id=song_id(daemon, "Low Water"), f="json").json()["subsonic-response"]
    assert body["error"]["code"] == 70


@pytest.fixture
def long_track(daemon: Daemon, ffmpeg: str) -> str:
    folder = daemon.config.content_dir / "releases/long"
    folder.mkdir()
    (folder / "release.yaml").write_text("status: published\ntitle: Long Form\nartist: aurora\n")
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=900", "-ac", "1",
         "-c:a", "flac", str(folder / "01 - Drone.flac")],
        check=True,
    )  # fmt: skip
    index_catalog(daemon.config)
    daemon.app[SUBSONIC].library.invalidate()
    return song_id(daemon, "Drone")


def test_disconnect_kills_ffmpeg(daemon: Daemon, long_track: str) -> None:
    transcodes = daemon.app[SUBSONIC].transcodes
    with httpx.stream("GET", f"{daemon.rest}/stream", params=daemon.params(id=long_track, format="mp3")) as r:
        assert r.status_code == 200
        chunks = r.iter_bytes()
        assert len(next(chunks)) > 0
        assert len(transcodes) == 1
        pid = next(iter(transcodes)).pid
    deadline = time.monotonic() + 10
    while transcodes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not transcodes
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def image_of(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg", response.text
    return Image.open(io.BytesIO(response.content))


def cover(d: Daemon, user: str = "lena", **extra: object) -> httpx.Response:
    return httpx.get(f"{d.rest}/getCoverArt", params=d.params(user, **extra))


def test_cover_art_sizes_and_cache(daemon: Daemon) -> None:
    assert image_of(cover(daemon, id="al-2")).size == (40, 20)
    assert image_of(cover(daemon, id="al-2", size=16)).size == (16, 8)
    assert image_of(cover(daemon, id="al-2", size=1)).size == (16, 8)  # clamped to a sane minimum
    assert image_of(cover(daemon, id="al-2", size=100000)).size == (40, 20)  # never upscaled
    cache = daemon.config.data_dir / "cache" / "subsonic-covers"
    files = set(cache.iterdir())
    first = cover(daemon, id="al-2", size=16)
    assert set(cache.iterdir()) == files and first.content == cover(daemon, id="al-2", size=16).content
    placeholder = image_of(cover(daemon, id="al-1", size=64))
    assert placeholder.size == (64, 64)
    track = image_of(cover(daemon, id=song_id(daemon, "Low Water"), size=20))
    assert track.size == (20, 10)
    assert image_of(cover(daemon, id="ar-1")).size == (40, 20)  # no artist image: the latest album's


def test_every_advertised_cover_is_an_image(daemon: Daemon) -> None:
    playlist = daemon.ok("createPlaylist", name="Covers")["playlist"]
    everything = daemon.ok("search3", "carl", query="")["searchResult3"]
    ids = {x["coverArt"] for group in everything.values() for x in group if "coverArt" in x}
    artists = [a for i in daemon.ok("getArtists", "carl")["artists"]["index"] for a in i["artist"]]
    assert artists and not any("coverArt" in a for a in artists)  # no picture of their own: none advertised
    ids.add(playlist["coverArt"])
    assert len(ids) >= 4
    for cover_id in ids:
        image_of(cover(daemon, "carl", id=cover_id, size=32))


def test_cover_errors(daemon: Daemon) -> None:
    drafts = [a for a in daemon.ok("search3", "carl", query="night")["searchResult3"]["album"]]
    body = cover(daemon, id=drafts[0]["coverArt"], f="json").json()["subsonic-response"]
    assert body["error"]["code"] == 70  # a draft's cover is a draft too
    for bad in ("al-999", "nonsense", ""):
        response = cover(daemon, id=bad, f="json")
        assert response.json()["subsonic-response"]["status"] == "failed"


def test_broken_cover_file_gets_a_placeholder(daemon: Daemon) -> None:
    (daemon.config.content_dir / "releases/tides/cover.png").write_bytes(b"not a picture at all")
    assert image_of(cover(daemon, id="al-2", size=50)).size == (50, 50)


def test_avatar(daemon: Daemon) -> None:
    response = httpx.get(f"{daemon.rest}/getAvatar", params=daemon.params(username="carl"))
    assert image_of(response).size == (256, 256)
    missing = httpx.get(f"{daemon.rest}/getAvatar", params=daemon.params(username="ghost", f="json"))
    assert missing.json()["subsonic-response"]["error"]["code"] == 70


def test_the_pipelines_stream_file_is_reused_with_range(daemon: Daemon) -> None:
    from tunecamp.generator.catalog import urls
    from tunecamp.generator.catalog.scan import scan

    catalog, _ = scan(daemon.config.content_dir)
    release = next(r for r in catalog.releases if r.slug == "tides")
    track = next(t for t in release.tracks if t.title == "First Light")
    built = daemon.config.public_dir / urls.track_stream(release, track, "opus")
    built.parent.mkdir(parents=True, exist_ok=True)
    built.write_bytes(b"OggS" + bytes(range(256)) * 40)  # stands in for the audio pipeline's opus-96
    first = song_id(daemon, "First Light")
    whole = stream(daemon, id=first, format="opus")
    assert whole.content == built.read_bytes() and whole.headers["accept-ranges"] == "bytes"
    part = stream(daemon, id=first, format="opus", headers={"Range": "bytes=4-9"})
    assert part.status_code == 206 and part.content == built.read_bytes()[4:10]
    # too rich for the client's limit, or a seek: made on the fly instead
    assert stream(daemon, id=first, format="opus", maxBitRate=64).content != built.read_bytes()
    assert stream(daemon, id=first, format="opus", timeOffset=1).content != built.read_bytes()


def open_stream(stack: ExitStack, d: Daemon, user: str, track: str, **extra: object) -> httpx.Response:
    """A stream that stays open (its ffmpeg running) until `stack` closes; its first bytes are in."""
    url = f"{d.rest}/stream"
    response = stack.enter_context(
        httpx.stream("GET", url, params=d.params(user, id=track, **extra), timeout=60)
    )
    chunks = response.iter_bytes()
    stack.callback(chunks.close)  # held till then: a dropped iterator would hang up at once
    assert response.status_code == 200 and len(next(chunks)) > 0
    return response


def busy(response: httpx.Response) -> bool:
    """The answer over the transcode cap: 503 (players retry it), Retry-After and a Subsonic error."""
    error = response.json()["subsonic-response"]["error"]
    return response.status_code == 503 and int(response.headers["retry-after"]) >= 1 and error["code"] == 0


def test_transcodes_are_capped_per_user_and_overall(daemon: Daemon, long_track: str) -> None:
    state, config = daemon.app[SUBSONIC], daemon.config
    assert (state.slots.total, state.slots.per_user) == (
        config.transcodes_allowed,
        config.transcode_max_per_user,
    )
    state.slots.total, state.slots.per_user, state.slots.wait = 3, 2, 0.2
    with ExitStack() as stack:
        for _ in range(2):
            open_stream(stack, daemon, "lena", long_track, format="mp3")
        assert busy(stream(daemon, id=long_track, format="mp3", f="json"))  # lena's third
        open_stream(stack, daemon, "carl", long_track, format="mp3")
        assert busy(stream(daemon, "olga", id=long_track, format="mp3", f="json"))  # the fourth overall
        assert len(state.transcodes) == 3
        original = stream(daemon, "olga", id=song_id(daemon, "Low Water"))
        assert original.status_code == 200 and original.headers["accept-ranges"] == "bytes"  # no ffmpeg
    deadline = time.monotonic() + 10
    while (state.transcodes or state.slots.running) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not state.transcodes and not state.slots.running  # every slot given back
    with ExitStack() as stack:
        open_stream(stack, daemon, "olga", long_track, format="mp3")


def test_a_skip_gets_the_slot_its_last_song_frees(daemon: Daemon, long_track: str) -> None:
    slots = daemon.app[SUBSONIC].slots
    slots.per_user, slots.wait = 1, 20.0
    with ThreadPoolExecutor(1) as pool, ExitStack() as stack:
        first = stack.enter_context(ExitStack())
        open_stream(first, daemon, "lena", long_track, format="mp3")
        # the app asks for the next song before the daemon has seen it hang up on this one
        following = pool.submit(open_stream, stack, daemon, "lena", long_track, format="opus")
        deadline = time.monotonic() + 10
        while slots.waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slots.waiting == 1
        first.close()
        assert following.result(30).headers["content-type"] == "audio/ogg"


def test_over_the_cap_the_sites_stream_file_is_sent(daemon: Daemon, long_track: str) -> None:
    from tunecamp.generator.catalog import urls
    from tunecamp.generator.catalog.scan import scan

    slots = daemon.app[SUBSONIC].slots
    slots.total, slots.wait = 1, 0.2
    catalog, _ = scan(daemon.config.content_dir)
    release = next(r for r in catalog.releases if r.slug == "long")
    built = daemon.config.public_dir / urls.track_stream(release, release.tracks[0], "mp3")
    built.parent.mkdir(parents=True, exist_ok=True)
    built.write_bytes(b"ID3" + bytes(range(256)) * 40)  # stands in for the audio pipeline's mp3-v5
    with ExitStack() as stack:
        open_stream(stack, daemon, "lena", long_track, format="mp3", maxBitRate=64)  # richer than 64: ffmpeg
        fallback = stream(daemon, "carl", id=long_track, format="mp3", maxBitRate=64)
        assert fallback.content == built.read_bytes() and fallback.headers["accept-ranges"] == "bytes"
        # never another format than the app asked for, nor the start of the song for a seek
        assert busy(stream(daemon, "carl", id=long_track, format="aac", f="json"))
        assert busy(stream(daemon, "carl", id=long_track, format="mp3", timeOffset=30, f="json"))
