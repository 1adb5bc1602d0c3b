"""search2 and search3: every word of the query, case- and accent-insensitive.

An empty query (nothing, `""` or `*`) lists everything, paged: Symfonium and other apps
sync the whole library this way, 500 songs at a time, so the order is stable (songs by
ID, artists and albums by name). A term search runs str.find over all the keys joined in one
string (kept per snapshot), then checks the other words on the keys it hits.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
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


def _candidates(blob: tuple[str, list[int]], word: str) -> Iterator[int]:
    """The index of every key holding `word`, in order, each once."""
    text, starts = blob
    at = text.find(word)
    while at >= 0:
        index = bisect_right(starts, at) - 1
        yield index
        at = text.find(word, starts[index + 1]) if index + 1 < len(starts) else -1


def _matching(
    items: Sequence[T],
    keys: Sequence[str],
    words: list[str],
    page: tuple[int, int],
    blob: tuple[str, list[int]],
) -> list[T]:
    offset, count = page
    if count <= 0:
        return []
    if not words:
        return list(items[offset : offset + count])
    found: list[T] = []
    skipped = 0
    # the longest word is the likeliest to be rare: only the keys holding it are checked for the rest
    for index in _candidates(blob, max(words, key=len)):
        if all(w in keys[index] for w in words):
            if skipped < offset:
                skipped += 1
                continue
            found.append(items[index])
            if len(found) >= count:
                break
    return found


def _page(call: Call, name: str) -> tuple[int, int]:
    count = call.integer(f"{name}Count", 20, low=0, high=MAX_COUNT) or 0
    offset = call.integer(f"{name}Offset", 0, low=0) or 0
    return offset, count


async def _search(call: Call, key: str, id3: bool) -> dict[str, Any]:
    view: View = await call.view()
    words = terms(call.text("query"))
    artists = _matching(view.artists, view.artist_keys, words, _page(call, "artist"), view.artist_blob)
    albums = _matching(view.albums_by_name, view.album_keys, words, _page(call, "album"), view.album_blob)
    songs = _matching(view.songs, view.song_keys, words, _page(call, "song"), view.song_blob)
    notes = await call.notes([t.id for t in songs] + [t for a in albums for t in a.track_ids])
    return {key: found_items(view, Found(artists, albums, songs), notes, id3=id3)}


async def search2(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult2", id3=False)


async def search3(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult3", id3=True)


ENDPOINTS = {"search2": search2, "search3": search3}
