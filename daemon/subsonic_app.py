"""The Subsonic/OpenSubsonic API under /rest: routing, parameters, auth and errors.

`/rest/getAlbum` and `/rest/getAlbum.view`, GET or form POST (the `formPost` extension;
the query string and the form are merged). Whatever goes wrong, the answer is a Subsonic
response in the format the client asked for (XML unless `f=json`/`jsonp`) with HTTP 200:
apps show an error body, but treat a 404 or a plain-text 500 as the server being down.
Spec endpoints this server does not implement answer error 0, unknown names error 70.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sentry_sdk
from aiohttp import web

from tunecamp.daemon import (
    subsonic_account,
    subsonic_browse,
    subsonic_covers,
    subsonic_download,
    subsonic_library,
    subsonic_lists,
    subsonic_media,
    subsonic_search,
    subsonic_system,
)
from tunecamp.daemon.app_passwords import PasswordBox
from tunecamp.daemon.auth import AUTH
from tunecamp.daemon.bodies import MalformedBody, read_form
from tunecamp.daemon.db import DatabaseUnavailable
from tunecamp.daemon.keys import CONFIG, DB
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.subsonic_auth import authenticate
from tunecamp.daemon.subsonic_call import SUBSONIC, Call, Subsonic, merge_params
from tunecamp.daemon.subsonic_catalog import LibraryCache
from tunecamp.daemon.subsonic_render import (
    GENERIC,
    MISSING_PARAMETER,
    NOT_FOUND,
    SubsonicError,
    error_response,
    jsonp_problem,
    negotiate,
    respond,
)
from tunecamp.daemon.subsonic_slots import TranscodeSlots

log = logging.getLogger("tunecamp.subsonic")
Result = dict[str, Any] | web.StreamResponse
Handler = Callable[[Call], Awaitable[Result]]


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    auth: bool = True


def _endpoints() -> dict[str, Endpoint]:
    table: dict[str, Endpoint] = {}
    for module in (
        subsonic_system,
        subsonic_browse,
        subsonic_lists,
        subsonic_search,
        subsonic_media,
        subsonic_download,
        subsonic_covers,
        subsonic_library,
    ):
        for name, handler in module.ENDPOINTS.items():
            assert name not in table, name
            table[name] = Endpoint(handler)
    for name, handler in subsonic_system.PUBLIC_ENDPOINTS.items():
        table[name] = Endpoint(handler, auth=False)
    return table


ENDPOINTS = _endpoints()

# Every endpoint of the OpenSubsonic spec: the ones not in ENDPOINTS answer "not implemented".
SPEC_ENDPOINTS = frozenset(
    [
        "addChatMessage",
        "changePassword",
        "createBookmark",
        "createInternetRadioStation",
        "createPlaylist",
        "createPodcastChannel",
        "createShare",
        "createUser",
        "deleteBookmark",
        "deleteInternetRadioStation",
        "deletePlaylist",
        "deletePodcastChannel",
        "deletePodcastEpisode",
        "deleteShare",
        "deleteUser",
        "download",
        "downloadPodcastEpisode",
        "findSonicPath",
        "getAlbum",
        "getAlbumInfo",
        "getAlbumInfo2",
        "getAlbumList",
        "getAlbumList2",
        "getArtist",
        "getArtistInfo",
        "getArtistInfo2",
        "getArtists",
        "getAvatar",
        "getBookmarks",
        "getCaptions",
        "getChatMessages",
        "getCoverArt",
        "getGenres",
        "getIndexes",
        "getInternetRadioStations",
        "getLicense",
        "getLyrics",
        "getLyricsBySongId",
        "getMusicDirectory",
        "getMusicFolders",
        "getNewestPodcasts",
        "getNowPlaying",
        "getOpenSubsonicExtensions",
        "getPlayQueue",
        "getPlayQueueByIndex",
        "getPlaylist",
        "getPlaylists",
        "getPodcastEpisode",
        "getPodcasts",
        "getRandomSongs",
        "getScanStatus",
        "getShares",
        "getSimilarSongs",
        "getSimilarSongs2",
        "getSong",
        "getSongsByGenre",
        "getSonicSimilarTracks",
        "getStarred",
        "getStarred2",
        "getTopSongs",
        "getTranscodeDecision",
        "getTranscodeStream",
        "getUser",
        "getUsers",
        "getVideoInfo",
        "getVideos",
        "hls.m3u8",
        "jukeboxControl",
        "ping",
        "refreshPodcasts",
        "reportPlayback",
        "savePlayQueue",
        "savePlayQueueByIndex",
        "scrobble",
        "search",
        "search2",
        "search3",
        "setRating",
        "star",
        "startScan",
        "stream",
        "tokenInfo",
        "unstar",
        "updateInternetRadioStation",
        "updatePlaylist",
        "updateShare",
        "updateUser",
    ]
)


def endpoint_name(raw: str) -> str:
    return raw[: -len(".view")] if raw.endswith(".view") else raw


async def _params(request: web.Request) -> Any:
    form = None
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            form = await read_form(request)
        except MalformedBody as exc:
            raise SubsonicError(GENERIC, str(exc)) from None
    return merge_params(request.query, form)


@requires(PUBLIC)  # the caller is checked here, from the Subsonic parameters (subsonic_auth.py)
async def dispatch(request: web.Request) -> web.StreamResponse:
    fmt = negotiate(request.query)  # until the form is read (it may be what fails)
    try:
        params = await _params(request)
        fmt = negotiate(params)
        if problem := jsonp_problem(params):
            raise SubsonicError(MISSING_PARAMETER, problem)
        name = endpoint_name(request.match_info["name"])
        endpoint = ENDPOINTS.get(name)
        if endpoint is None:
            if name in SPEC_ENDPOINTS:
                raise SubsonicError(GENERIC, f"{name} is not implemented by this server")
            raise SubsonicError(NOT_FOUND, f"unknown endpoint {name[:64]!r}")
        state = request.app[SUBSONIC]
        caller = await authenticate(request, params, state.box, state.auth_cache) if endpoint.auth else None
        result = await endpoint.handler(Call(request, params, fmt, caller, state))
        if isinstance(result, web.StreamResponse):
            return result
        return respond(result, fmt)
    except SubsonicError as exc:
        return error_response(exc, fmt)
    except DatabaseUnavailable as exc:
        return error_response(SubsonicError(GENERIC, f"database unavailable: {exc}"), fmt)
    except web.HTTPException as exc:  # e.g. a form body over the size limit
        return error_response(SubsonicError(GENERIC, f"{exc.status} {exc.reason}"), fmt)
    except (ConnectionResetError, ConnectionError):
        raise
    except Exception:
        log.exception("Subsonic %s failed", request.path)
        sentry_sdk.capture_exception()
        return error_response(SubsonicError(GENERIC, "internal error; it has been logged"), fmt)


async def subsonic_ctx(app: web.Application) -> AsyncIterator[None]:
    state = Subsonic(
        PasswordBox.from_secret(app[AUTH].signer.secret),
        LibraryCache(app[DB]),
        TranscodeSlots.from_config(app[CONFIG]),
    )
    app[SUBSONIC] = state
    yield
    await subsonic_media.stop_transcodes(state)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(subsonic_ctx)
    subsonic_account.setup(app)
    app.router.add_get("/rest/{name:.+}", dispatch)  # and HEAD; deeper paths too: never a 404 page
    app.router.add_post("/rest/{name:.+}", dispatch)
