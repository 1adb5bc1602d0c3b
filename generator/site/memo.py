"""Fragments remembered between the builds of one watch session.

A release that did not change comes back from the incremental scan as the very same
object, and its media and views with it: anything computed from it (a feed item, its part
of catalog.json, its sitemap lines) can be reused by identity, without hashing or comparing
the release. Whatever else a fragment reads (the catalog config, the theme, the artists, the
URLs) changes only in a full rebuild, which starts a new Memo.

    memo.get("rss-item", release, lambda: render_item(release, ...))

`extra` carries small values that can change without the owner changing (whether a tag
has a page, whether an artist is listed); they are compared by equality. `sweep()` forgets
what the last build did not ask for, so removed releases do not stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    def __init__(self) -> None:
        # (kind, id(owner)) -> (owner, extra, value); holding the owner keeps its id from being reused
        self._entries: dict[tuple[str, int], tuple[object, Hashable, Any]] = {}
        self._used: set[tuple[str, int]] = set()
        self.hits = self.misses = 0

    def get(self, kind: str, owner: object, make: Callable[[], T], extra: Hashable = None) -> T:
        key = (kind, id(owner))
        self._used.add(key)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is owner and entry[1] == extra:
            self.hits += 1
            value: T = entry[2]
            return value
        self.misses += 1
        value = make()
        self._entries[key] = (owner, extra, value)
        return value

    def sweep(self) -> None:
        """Forget every entry not asked for since the last sweep."""
        for key in self._entries.keys() - self._used:
            del self._entries[key]
        self._used = set()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


def fresh(memo: Memo | None) -> Memo:
    """The memo to use: the caller's, or a throwaway one for a one-off render."""
    return memo if memo is not None else Memo()
