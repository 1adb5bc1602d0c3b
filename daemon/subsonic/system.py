"""System endpoints: ping, licence, extensions, music folders, the user, scanning, tokenInfo."""

from __future__ import annotations

from typing import Any

from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.roles import BUILDS_RUN, USERS_MANAGE, grant
from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import MUSIC_FOLDER_ID
from tunecamp.daemon.subsonic.render import GENERIC, NOT_AUTHORIZED, NOT_FOUND, SubsonicError
from tunecamp.daemon.users import User, get_user_by_name

EXTENSIONS = (
    ("formPost", [1]),
    ("apiKeyAuthentication", [1]),
    ("transcodeOffset", [1]),
    ("songLyrics", [1, 2]),
    ("playbackReport", [1]),
    ("transcoding", [1]),
    ("indexBasedQueue", [1]),
    ("getPodcastEpisode", [1]),
    ("topSongsByArtistId", [1]),
)


async def ping(call: Call) -> dict[str, Any]:
    return {}


async def get_license(call: Call) -> dict[str, Any]:
    return {"license": {"valid": True}}


async def get_extensions(call: Call) -> dict[str, Any]:
    return {"openSubsonicExtensions": [{"name": n, "versions": v} for n, v in EXTENSIONS]}


async def get_music_folders(call: Call) -> dict[str, Any]:
    return {"musicFolders": {"musicFolder": [{"id": MUSIC_FOLDER_ID, "name": "Music"}]}}


def user_element(user: User) -> dict[str, Any]:
    admin = grant(USERS_MANAGE, user.role) == "yes"
    return {
        "username": user.username,
        "scrobblingEnabled": True,
        "adminRole": admin,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": False,
        "commentRole": False,
        "podcastRole": False,  # podcasts are read-only: the catalog's own show
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": True,
        "videoConversionRole": False,
        "folder": [MUSIC_FOLDER_ID],
    }


async def get_user(call: Call) -> dict[str, Any]:
    wanted = call.text("username") or call.user.username
    if wanted.casefold() != call.user.username.casefold() and grant(USERS_MANAGE, call.user.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, "only managers and owners may see other users")
    found = await call.db(lambda d: get_user_by_name(d, wanted))
    if found is None:
        raise SubsonicError(NOT_FOUND, f"no user named {wanted[:64]!r}")
    return {"user": user_element(found)}


async def _scan_status(call: Call, scanning: bool | None = None) -> dict[str, Any]:
    view = await call.view()
    builds = call.request.app.get(BUILDS)
    busy = scanning if scanning is not None else bool(builds and builds.busy)
    return {"scanStatus": {"scanning": busy, "count": len(view.tracks)}}


async def get_scan_status(call: Call) -> dict[str, Any]:
    return await _scan_status(call)


async def start_scan(call: Call) -> dict[str, Any]:
    if grant(BUILDS_RUN, call.user.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, f"the {call.user.role} role cannot start a scan")
    builds = call.request.app.get(BUILDS)
    if builds is None:
        raise SubsonicError(GENERIC, "scanning is not available")
    await builds.request(f"Subsonic startScan by {call.user.username}", call.user.username)
    return await _scan_status(call, scanning=True)


async def token_info(call: Call) -> dict[str, Any]:
    if call.caller is None or call.caller.via != "apiKey":
        raise SubsonicError(GENERIC, "tokenInfo describes an API key: call it with apiKey")
    return {"tokenInfo": {"username": call.user.username}}


ENDPOINTS = {
    "ping": ping,
    "getLicense": get_license,
    "getMusicFolders": get_music_folders,
    "getUser": get_user,
    "getScanStatus": get_scan_status,
    "startScan": start_scan,
    "tokenInfo": token_info,
}
PUBLIC_ENDPOINTS = {"getOpenSubsonicExtensions": get_extensions}
