"""search2 and search3: every word of the query, case- and accent-insensitive.

An empty query (nothing, `""` or `*`) lists everything, paged: Symfonium and other apps
sync the whole library this way, 500 songs at a time, so the order is stable (songs by
ID, artists and albums by name). A term search asks the snapshot's word index (search_index.py)
for the keys holding every word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.items import Found, found_items
from tunecamp.daemon.subsonic.library import View, fold
from tunecamp.daemon.subsonic.search_index import WordIndex

MAX_COUNT = 500
T = TypeVar("T")


def terms(query: str | None) -> list[str]:
    """The words to match; [] lists everything."""
    text = (query or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = text.strip().strip("*")
    return fold(text).split()


def _matching(items: Sequence[T], index: WordIndex, words: list[str], page: tuple[int, int]) -> list[T]:
    offset, count = page
    if not words:
        return list(items[offset : offset + count]) if count > 0 else []
    return [items[i] for i in index.search(words, offset, count)]


def _page(call: Call, name: str) -> tuple[int, int]:
    count = call.integer(f"{name}Count", 20, low=0, high=MAX_COUNT) or 0
    offset = call.integer(f"{name}Offset", 0, low=0) or 0
    return offset, count


async def _search(call: Call, key: str, id3: bool) -> dict[str, Any]:
    view: View = await call.view()
    words = terms(call.text("query"))
    artists = _matching(view.artists, view.artist_words, words, _page(call, "artist"))
    albums = _matching(view.albums_by_name, view.album_words, words, _page(call, "album"))
    songs = _matching(view.songs, view.song_words, words, _page(call, "song"))
    notes = await call.notes()
    return {key: found_items(view, Found(artists, albums, songs), notes, id3=id3)}


async def search2(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult2", id3=False)


async def search3(call: Call) -> dict[str, Any]:
    return await _search(call, "searchResult3", id3=True)


ENDPOINTS = {"search2": search2, "search3": search3}
