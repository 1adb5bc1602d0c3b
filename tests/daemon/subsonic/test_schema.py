"""schemathesis: every implemented endpoint against the OpenSubsonic OpenAPI spec.

The spec lives beside the project in ../shared/specs (never copied in). Subsonic answers
errors with HTTP 200 and an error body, so the `ignored_auth` and
`negative_data_rejection` checks do not apply; credentials (u, t, s, v, c, f) are given
through schemathesis' auth hook. Examples per operation are few, to keep this under a minute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    unsupported_method,
)
from subsonic_fixtures import PASSWORDS, Daemon, publish_site, running_daemon

from tunecamp.daemon.subsonic.endpoints import ENDPOINTS

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[3]
SPEC = REPO_ROOT.parent / "shared/specs/opensubsonic/openapi/openapi.json"
SALT = "schemathesis"
BINARY = {"stream", "download", "getCoverArt", "getAvatar", "getTranscodeStream"}
ONE_METHOD = {"getTranscodeDecision", "getTranscodeStream"}
CREDENTIALS = {
    "u": "lena",
    "t": hashlib.md5((PASSWORDS["lena"] + SALT).encode()).hexdigest(),
    "s": SALT,
    "v": "1.16.1",
    "c": "schemathesis",
    "f": "json",
}


if not SPEC.is_file():
    pytest.skip(f"the OpenSubsonic spec is not at {SPEC}", allow_module_level=True)
# pytest 9 breaks schemathesis' fixture-loaded schemas: the spec is read when the module loads
schema = schemathesis.openapi.from_path(SPEC).include(path_regex=f"^/rest/({'|'.join(sorted(ENDPOINTS))})$")
schema.config.generation.update(with_security_parameters=False)  # the auth hook below signs every call


@pytest.fixture(scope="module")
def module_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for the whole module: these tests make hundreds of calls."""
    with running_daemon(tmp_path_factory.mktemp("subsonic")) as running:
        yield running


@schema.auth()
class SubsonicCredentials:
    def get(self, case: Any, context: Any) -> dict[str, str]:
        return CREDENTIALS

    def set(self, case: Any, data: dict[str, str], context: Any) -> None:
        query = dict(case.query or {})
        for name in ("apiKey", "p", "u", "t", "s"):  # one way of signing in at a time, or it is error 43
            query.pop(name, None)
        case.query = {**query, **data}
        if case.operation.path.rsplit("/", 1)[-1] in BINARY:
            del case.query["f"]  # the spec documents these endpoints' errors as XML, the default


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_spec(case: Any, module_daemon: Daemon) -> None:
    excluded = [ignored_auth, negative_data_rejection]
    if case.operation.path.rsplit("/", 1)[-1] in ONE_METHOD:
        # documented with one method only; every /rest call answers GET and POST (formPost), here
        # with a clear error for the method the spec leaves out (no JSON body, no form variant)
        excluded += [unsupported_method, allow_header_conformance]
    if case.operation.path.rsplit("/", 1)[-1] in BINARY:
        # the spec documents "application/binary"; audio and images carry their real types
        # (audio/flac, image/jpeg...), which players and image loaders need
        excluded.append(content_type_conformance)
    response = case.call(base_url=module_daemon.url)
    if response.status_code == 400 and b"Got more than 8190 bytes" in response.content:
        return  # a request line past aiohttp's 8 KB limit: refused by the HTTP server, before any endpoint
    case.validate_response(response, excluded_checks=excluded)
    if case.operation.path.rsplit("/", 1)[-1] in BINARY and response.status_code == 200:
        headers = {k.lower(): v for k, v in response.headers.items()}
        kind = headers.get("content-type", [""])
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind.startswith(("audio/", "image/", "text/xml")), kind


# Calls with real IDs and real state, so the success shapes are checked too (random IDs
# mostly meet "not found", which only exercises the error shape).
REAL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("ping", {}),
    ("getLicense", {}),
    ("getOpenSubsonicExtensions", {}),
    ("getMusicFolders", {}),
    ("getIndexes", {}),
    ("getMusicDirectory", {"id": "ar-1"}),
    ("getMusicDirectory", {"id": "al-2"}),
    ("getArtists", {}),
    ("getArtist", {"id": "ar-1"}),
    ("getAlbum", {"id": "al-2"}),
    ("getSong", {"id": "tr-2"}),
    ("getGenres", {}),
    ("getArtistInfo", {"id": "ar-1"}),
    ("getArtistInfo2", {"id": "ar-1"}),
    ("getAlbumInfo", {"id": "al-2"}),
    ("getAlbumInfo2", {"id": "al-2"}),
    ("getSimilarSongs", {"id": "tr-2"}),
    ("getSimilarSongs2", {"id": "tr-2"}),
    ("getTopSongs", {"artist": "Aurora Lane"}),
    ("getLyrics", {"artist": "Aurora Lane", "title": "First Light"}),
    ("getLyricsBySongId", {"id": "tr-2"}),
    ("getAlbumList", {"type": "newest"}),
    ("getAlbumList2", {"type": "alphabeticalByName"}),
    ("getAlbumList2", {"type": "frequent"}),
    ("getRandomSongs", {}),
    ("getSongsByGenre", {"genre": "ambient"}),
    ("star", {"id": "tr-2", "albumId": "al-2", "artistId": "ar-1"}),
    ("setRating", {"id": "tr-2", "rating": 4}),
    ("scrobble", {"id": "tr-2"}),
    ("scrobble", {"id": "tr-2", "submission": "false"}),
    ("getStarred", {}),
    ("getStarred2", {}),
    ("getNowPlaying", {}),
    ("search2", {"query": "light"}),
    ("search3", {"query": ""}),
    ("createPlaylist", {"name": "spec", "songId": ["tr-2", "tr-3"]}),
    ("getPlaylists", {}),
    ("getPlaylist", {"id": "pl-1"}),
    ("updatePlaylist", {"playlistId": "pl-1", "comment": "checked"}),
    ("createBookmark", {"id": "tr-2", "position": 1000}),
    ("getBookmarks", {}),
    ("savePlayQueue", {"id": ["tr-2", "tr-3"], "current": "tr-3", "position": 5}),
    ("getPlayQueue", {}),
    ("getUser", {"username": "lena"}),
    ("getScanStatus", {}),
    ("unstar", {"id": "tr-2"}),
    ("deleteBookmark", {"id": "tr-2"}),
    ("deletePlaylist", {"id": "pl-1"}),
    # the 2026 extensions and calls (issue 19)
    ("getLyricsBySongId", {"id": "tr-2", "enhanced": "true"}),
    ("reportPlayback", {"mediaId": "tr-2", "mediaType": "song", "positionMs": 0, "state": "starting"}),
    ("reportPlayback", {"mediaId": "tr-2", "mediaType": "song", "positionMs": 900, "state": "playing"}),
    ("savePlayQueueByIndex", {"id": ["tr-2", "tr-3", "tr-2"], "currentIndex": 2, "position": 5}),
    ("getPlayQueueByIndex", {}),
    ("createShare", {"id": "al-2", "description": "spec"}),
    ("getShares", {}),
    ("updateShare", {"id": "sh-1", "description": "changed"}),
    ("deleteShare", {"id": "sh-1"}),
    ("getPodcasts", {}),
    ("getNewestPodcasts", {"count": 5}),
    ("getInternetRadioStations", {}),
    ("getTopSongs", {"id": "ar-1", "count": 5}),
]
# with a published site: the podcast channel, its episodes
SITE_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("getPodcasts", {}),
    ("getNewestPodcasts", {"count": 2}),
    ("getPodcastEpisode", {"id": "pe-2"}),
    ("getSong", {"id": "tr-2"}),
]


def test_spec_with_real_ids(module_daemon: Daemon) -> None:
    songs = module_daemon.ok("search3", query="")["searchResult3"]["song"]
    assert {s["id"] for s in songs} >= {"tr-2", "tr-3"}, songs
    _check(module_daemon, REAL_CALLS)
    publish_site(module_daemon)
    assert module_daemon.ok("getPodcastEpisode", id="pe-2")
    _check(module_daemon, SITE_CALLS)


def test_transcode_decision_matches_the_spec(module_daemon: Daemon) -> None:
    operation = schema["/rest/getTranscodeDecision"]["POST"]
    client = {
        "name": "spec",
        "platform": "tests",
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
    }
    case = operation.Case(query={"mediaId": "tr-2", "mediaType": "song", **CREDENTIALS}, body=client)
    response = case.call(base_url=module_daemon.url)
    assert response.json()["subsonic-response"]["transcodeDecision"]["canTranscode"] is True
    case.validate_response(response, excluded_checks=[ignored_auth, negative_data_rejection])


def _check(module_daemon: Daemon, calls: list[tuple[str, dict[str, Any]]]) -> None:
    for endpoint, params in calls:
        operation = schema[f"/rest/{endpoint}"]["GET"]
        case = operation.Case(query={**params, **CREDENTIALS})
        response = case.call(base_url=module_daemon.url)
        body = response.json()["subsonic-response"]
        assert body["status"] == "ok", (endpoint, body)
        case.validate_response(response, excluded_checks=[ignored_auth, negative_data_rejection])
