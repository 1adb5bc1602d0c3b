"""The transcoding extension (getTranscodeDecision, getTranscodeStream) and transcode bitrates."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import libopensonic
import pytest
from mutagen.mp3 import MP3
from mutagen.oggopus import OggOpus
from subsonic_fixtures import PASSWORDS, Daemon, running_daemon

from tunecamp.daemon.subsonic.transcode_params import BadParams, Decision, open_params, seal

pytestmark = pytest.mark.slow
FLAC_ONLY = {"containers": ["flac"], "audioCodecs": ["flac"], "protocols": ["http"]}
MP3_ONLY = {"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": ["http"]}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with running_daemon(tmp_path_factory.mktemp("transcoding")) as running:
        yield running


def songs(daemon: Daemon, user: str = "lena") -> dict[str, dict[str, Any]]:
    return {s["title"]: s for s in daemon.ok("search3", user, query="")["searchResult3"]["song"]}


def decide(daemon: Daemon, song_id: str, client: Any, user: str = "lena", **extra: Any) -> dict[str, Any]:
    params = daemon.params(user, mediaId=song_id, mediaType="song", f="json", **extra)
    response = httpx.post(f"{daemon.rest}/getTranscodeDecision", params=params, json=client, timeout=30)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()["subsonic-response"]
    return body


def fetch(daemon: Daemon, song_id: str, params: str, user: str = "lena", **extra: Any) -> httpx.Response:
    return daemon.get(
        "getTranscodeStream", user, mediaId=song_id, mediaType="song", transcodeParams=params, **extra
    )


def test_direct_play(daemon: Daemon) -> None:
    first = songs(daemon)["First Light"]
    client = {"name": "t", "platform": "tests", "directPlayProfiles": [FLAC_ONLY]}
    decision = decide(daemon, first["id"], client)["transcodeDecision"]
    assert decision["canDirectPlay"] is True and decision["sourceStream"]["codec"] == "flac"
    source = (daemon.config.content_dir / "releases/tides/01 - First Light.flac").read_bytes()
    assert fetch(daemon, first["id"], decision["transcodeParams"]).content == source


def test_transcode_to_opus_within_the_limit(daemon: Daemon) -> None:
    first = songs(daemon)["First Light"]
    client = {
        "name": "t",
        "platform": "tests",
        "maxTranscodingAudioBitrate": 64000,  # b/s: read as 64 kb/s
        "directPlayProfiles": [MP3_ONLY],
        "transcodingProfiles": [
            {"container": "ts", "audioCodec": "aac", "protocol": "hls"},  # HLS: skipped
            {"container": "ogg", "audioCodec": "opus", "protocol": "http"},
        ],
    }
    decision = decide(daemon, first["id"], client)["transcodeDecision"]
    assert decision["canDirectPlay"] is False and decision["canTranscode"] is True
    assert (
        decision["transcodeStream"]["codec"] == "opus" and decision["transcodeStream"]["audioBitrate"] == 64
    )
    response = fetch(daemon, first["id"], decision["transcodeParams"])
    assert response.headers["content-type"] == "audio/ogg"
    assert abs(OggOpus(io.BytesIO(response.content)).info.length - 6.0) < 0.3
    later = fetch(daemon, first["id"], decision["transcodeParams"], offset=4)
    assert abs(OggOpus(io.BytesIO(later.content)).info.length - 2.0) < 0.3


def test_protected_original_never_direct(daemon: Daemon) -> None:
    lantern = songs(daemon)["Lantern"]  # a paid release: listeners stream it at 128 kb/s at most
    client = {
        "name": "t",
        "platform": "tests",
        "directPlayProfiles": [FLAC_ONLY],
        "transcodingProfiles": [
            {"container": "flac", "audioCodec": "flac", "protocol": "http"},  # lossless: not for them
            {"container": "mp3", "audioCodec": "mp3", "protocol": "http"},
        ],
    }
    decision = decide(daemon, lantern["id"], client)["transcodeDecision"]
    assert decision["canDirectPlay"] is False and decision["transcodeStream"]["codec"] == "mp3"
    assert decision["transcodeStream"]["audioBitrate"] <= 128
    audio = fetch(daemon, lantern["id"], decision["transcodeParams"]).content
    assert MP3(io.BytesIO(audio)).info.bitrate <= 128_000
    # a direct-play decision sealed for a curator is of no use to lena
    carl = decide(daemon, lantern["id"], client, "carl")["transcodeDecision"]
    assert carl["canDirectPlay"] is True
    refused = fetch(daemon, lantern["id"], carl["transcodeParams"], f="json").json()["subsonic-response"]
    assert refused["status"] == "failed" and "another" in refused["error"]["message"]


def test_no_usable_profile(daemon: Daemon) -> None:
    first = songs(daemon)["First Light"]
    client = {
        "name": "t",
        "platform": "tests",
        "transcodingProfiles": [{"container": "x", "audioCodec": "wma", "protocol": "http"}],
    }
    decision = decide(daemon, first["id"], client)["transcodeDecision"]
    assert (
        decision["canDirectPlay"] is False and decision["canTranscode"] is False and decision["errorReason"]
    )


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (b"not json", "ClientInfo"),
        (b"[1, 2]", "ClientInfo"),
        (b'{"directPlayProfiles": "mp3"}', "directPlayProfiles"),
        (b'{"transcodingProfiles": [1]}', "transcodingProfiles"),
        (b'{"directPlayProfiles": [{"containers": "flac"}]}', "containers"),
    ],
)
def test_hostile_client_info(daemon: Daemon, body: bytes, word: str) -> None:
    first = songs(daemon)["First Light"]
    params = daemon.params(mediaId=first["id"], mediaType="song", f="json")
    response = httpx.post(
        f"{daemon.rest}/getTranscodeDecision",
        params=params,
        content=body,
        headers={"Content-Type": "application/json"},
    )
    answer = response.json()["subsonic-response"]
    assert response.status_code == 200 and answer["status"] == "failed" and word in answer["error"]["message"]
    # GET without a body is refused with a reason
    assert (
        "JSON body"
        in daemon.json("getTranscodeDecision", mediaId=first["id"], mediaType="song")["error"]["message"]
    )


def test_forged_and_stale_params(daemon: Daemon) -> None:
    first, low = songs(daemon)["First Light"], songs(daemon)["Low Water"]
    decision = decide(daemon, first["id"], {"name": "t", "platform": "x", "directPlayProfiles": [FLAC_ONLY]})
    sealed = decision["transcodeDecision"]["transcodeParams"]
    for bad in (sealed.replace("direct", "flac"), sealed[:-2] + "AA", "1.2.3", "", "x" * 500):
        answer = fetch(daemon, first["id"], bad, f="json").json()["subsonic-response"]
        assert answer["status"] == "failed", bad
    answer = fetch(daemon, low["id"], sealed, f="json").json()["subsonic-response"]
    assert "another song" in answer["error"]["message"]
    secret = b"k" * 32
    old = seal(secret, Decision(1, 1, "mp3", 128, int(time.time()) - 1))
    with pytest.raises(BadParams, match="expired"):
        open_params(secret, old)
    with pytest.raises(BadParams):
        open_params(b"other" * 8, seal(secret, Decision(1, 1, "mp3", 128, int(time.time()) + 60)))


def test_time_offset_never_above_a_lossy_source(daemon: Daemon) -> None:
    low = songs(daemon)["Low Water"]  # an MP3 at its own bitrate
    source = low["bitRate"]
    audio = daemon.get("stream", id=low["id"], format="mp3", maxBitRate=320, timeOffset=1).content
    assert MP3(io.BytesIO(audio)).info.bitrate <= source * 1000


def test_py_opensonic_decision_and_stream(daemon: Daemon) -> None:
    port = urlsplit(daemon.url).port
    conn = libopensonic.Connection(
        "http://127.0.0.1", "lena", PASSWORDS["lena"], port=port, server_path="", app_name="t"
    )
    try:
        first = songs(daemon)["First Light"]["id"]
        client = {
            "name": "t",
            "platform": "py",
            "directPlayProfiles": [MP3_ONLY],
            "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
        }
        decision = conn.get_transcode_decision(first, "song", client)
        assert (
            decision.can_transcode and decision.transcode_stream and decision.transcode_stream.codec == "mp3"
        )
        assert decision.transcode_params
        extensions = {e.name: e.versions for e in conn.get_open_subsonic_extensions()}
        assert extensions["transcoding"] == [1]
    finally:
        conn.cleanup()


def test_odd_limitations_do_not_break_the_decision(daemon: Daemon) -> None:
    first = songs(daemon)["First Light"]
    limits = [
        {"name": "audioBitrate", "comparison": "LessThanEqual", "values": ["abc"], "required": True},
        {"name": "audioSamplerate", "comparison": "LessThanEqual", "values": ["nan"], "required": True},
        {
            "name": "audioChannels",
            "comparison": "Equals",
            "values": ["1"],
            "required": True,
        },  # the source is mono
    ]
    client = {
        "name": "t",
        "platform": "x",
        "directPlayProfiles": [FLAC_ONLY],
        "codecProfiles": [{"type": "AudioCodec", "name": "flac", "limitations": limits}],
    }
    assert decide(daemon, first["id"], client)["transcodeDecision"]["canDirectPlay"] is True
    limits[2]["values"] = ["2"]
    assert decide(daemon, first["id"], client)["transcodeDecision"]["canDirectPlay"] is False
