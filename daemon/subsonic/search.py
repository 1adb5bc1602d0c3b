"""search2 and search3: every word of the query, case- and accent-insensitive.

An empty query (nothing, `""` or `*`) lists everything, paged: Symfonium and other apps
sync the whole library this way, 500 songs at a time, so the order is stable (songs by
ID, artists and albums by name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.items import Found, found_items
from tunecamp.daemon.subsonic.library import View, fold

MAX_COUNT = 500
T = TypeVar("T")


def terms(query: str | None) -> list[str]:
    """The words to match; [] lists everything."""
    text = (query or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = text.strip().strip("*")
    return fold(text).split()


def _matching(items: Sequence[T], keys: Sequence[str], words: list[str], offset: int, count: int) -> list[T]:
    if count <= 0:
        return []
    if not words:
        return list(items[offset : offset + count])
    found: list[T] = []
    skipped = 0
    for item, key in zip(items, keys, strict=True):
        if all(w in key for w in words):
            if skipped < offset:
                skipped += 1
                continue
            found.append(item)
            if len(found) >= count:
                break
    return found


def _page(call: Call, name: str) -> tuple[int, int]:
    count = call.integer(f"{name}Count", 20, low=0, high=MAX_COUNT) or 0
    offset = call.integer(f"{name}Offset", 0, low=0) or 0
    return count, offset


async def _search(call: Call, key: str, id3: bool) -> dict[str, Any]:
    view: View = await call.view()
    words = terms(call.text("query"))
    artist_count, artist_offset = _page(call, "artist")
    album_count, album_offset = _page(call, "album")
    song_count, song_offset = _page(call, "song")
    artists = _matching(view.artists, [a.key for a in view.artists], words, artist_offset, artist_count)
    by_name = view.albums_by_name
    albums = _matching(by_name, view.album_keys, words, album_offset, album_count)
    songs = _matching(view.songs, view.song_keys, words, song_offset, song_count)
    notes = await call.notes([t.id for t in songs] + [t for a in albums for t in a.track_ids])
    return {key: found_items(view, Found(artists, albums, songs), notes, id3=id3)}


async def search2(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult2", id3=False)


async def search3(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult3", id3=True)


ENDPOINTS = {"search2": search2, "search3": search3}
