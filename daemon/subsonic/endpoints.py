"""Every /rest endpoint: its name, its handler, and whether it needs a signed-in caller.

The endpoint modules sit side by side, each with its ENDPOINTS table (system, browsing, lists,
search, stream, download, covers, annotation, playlists, bookmarks); none imports another.
What several of them need lives in modules of its own: finding an ID's item (lookup.py),
a song's file (sources.py), what is playing now (now_playing.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tunecamp.daemon.subsonic import (
    annotation,
    bookmarks,
    browse,
    covers,
    download,
    lists,
    lyrics,
    media,
    playback,
    playlists,
    podcasts,
    radio,
    search,
    shares,
    system,
    transcoding,
)
from tunecamp.daemon.subsonic.call import Call

Result = dict[str, Any] | web.StreamResponse
Handler = Callable[[Call], Awaitable[Result]]


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    auth: bool = True


def _endpoints() -> dict[str, Endpoint]:
    table: dict[str, Endpoint] = {}
    for module in (
        system,
        browse,
        lyrics,
        lists,
        search,
        media,
        download,
        covers,
        annotation,
        playback,
        transcoding,
        playlists,
        bookmarks,
        shares,
        podcasts,
        radio,
    ):
        for name, handler in module.ENDPOINTS.items():
            assert name not in table, name
            table[name] = Endpoint(handler)
    for name, handler in system.PUBLIC_ENDPOINTS.items():
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
