"""The artist, album or song a call's ID parameter names, as the caller may see it, or error 70.

Every endpoint that takes one ID (browsing, stream, download, bookmarks...) finds it here, so a
draft's ID is "not found" to a listener everywhere alike.
"""

from __future__ import annotations

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.library import Album, Artist, Track, View
from tunecamp.daemon.subsonic.render import GENERIC, NOT_FOUND, SubsonicError

MAX_ITEMS = 5000  # songs in a playlist or a play queue; items starred or scrobbled at once


def find_artist(view: View, call: Call, name: str = "id") -> Artist:
    item = call.item(name, "artist")
    if item.number not in view.artist_albums:
        raise SubsonicError(NOT_FOUND, f"artist {item} not found")
    return view.library.artists[item.number]


def find_album(view: View, call: Call, name: str = "id") -> Album:
    item = call.item(name, "album")
    album = view.albums.get(item.number)
    if album is None:
        raise SubsonicError(NOT_FOUND, f"album {item} not found")
    return album


def find_track(view: View, call: Call, name: str = "id") -> Track:
    item = call.item(name, "track")
    track = view.tracks.get(item.number)
    if track is None:
        raise SubsonicError(NOT_FOUND, f"song {item} not found")
    return track


def find_tracks(view: View, call: Call, name: str) -> list[int]:
    """The IDs of the songs a repeated parameter names (a playlist's, a play queue's)."""
    out = []
    for item in call.items(name, "track"):
        if item.number not in view.tracks:
            raise SubsonicError(NOT_FOUND, f"song {item} not found")
        out.append(item.number)
    if len(out) > MAX_ITEMS:
        raise SubsonicError(GENERIC, f"a playlist holds at most {MAX_ITEMS} songs")
    return out
