"""Which folded keys hold a word: the index search2 and search3 answer from, built once per snapshot.

A query word holds no whitespace, so it occurs in a key exactly when it occurs in one of the
key's whitespace-separated tokens. The index keeps every distinct token once, with the keys
holding it (ascending), and the tokens' suffixes sorted (a suffix array): the tokens holding a word
are the suffixes it begins, found by binary search whatever the vocabulary's size. A search walks
the keys of one word, in order, and checks the other words only on those, stopping at the page's
end; _plan picks the word and the way that look at the fewest keys (from how many keys hold each
word): for "harbor 12" in 10,000 songs, the few dozen of the songs with "harbor" before twenty
also hold "12", rather than sorting the hundreds holding some token with "12" in it.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

# what a key costs each way of walking a word's keys, against checking one key (1): sorting it into
# the union of the word's token lists, and finding it in the joined keys (measured on 10,000 songs)
UNION = 0.7
SCAN = 5.0
# suffixes are sorted on their first characters only; a longer word is checked on the tokens found
SORTED = 16


def joined(keys: Sequence[str]) -> tuple[str, list[int]]:
    """The keys in one string (NUL between them) and where each starts: str.find scans it in C."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return "\0".join(keys), starts


def _holding(blob: tuple[str, list[int]], word: str) -> Iterator[int]:
    """The index of every joined string holding `word`, ascending, each once."""
    text, starts = blob
    at = text.find(word)
    while at >= 0:
        index = bisect_right(starts, at) - 1
        yield index
        at = text.find(word, starts[index + 1]) if index + 1 < len(starts) else -1


def _after(prefix: str) -> str:
    """The least string above every string that begins with `prefix` ("" when there is none)."""
    while prefix and prefix[-1] == chr(sys.maxunicode):
        prefix = prefix[:-1]
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ""


def _spans(word: str) -> bool:
    """A word the tokens cannot answer: empty, or holding whitespace or the separator (never from
    search.terms, which splits on whitespace; such a word is checked key by key)."""
    return "\0" in word or len(word.split()) != 1


class WordIndex:
    """The keys of one list (artists, albums or songs, in the list's order) by token."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = keys
        by_token: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            for token in dict.fromkeys(key.split()):
                by_token.setdefault(token, []).append(index)
        self.tokens = list(by_token)
        self.postings = list(by_token.values())
        # every token's suffixes (their first SORTED characters), sorted: the tokens holding a word
        # are one range of them, found by bisect comparing strings in C. For each suffix in that
        # order: its token, and how many keys hold that token.
        text = "\0".join(self.tokens)
        owner = array("i")
        for number, token in enumerate(self.tokens):
            owner.extend([number] * (len(token) + 1))
        suffixes = sorted(
            (text[i : i + SORTED].split("\0", 1)[0], owner[i]) for i, c in enumerate(text) if c != "\0"
        )
        self._suffixes = [suffix for suffix, _ in suffixes]
        self._token_at = array("i", (token for _, token in suffixes))
        self._keys_at = array("i", (len(self.postings[t]) for t in self._token_at))
        self._blob: tuple[str, list[int]] | None = None

    def _range(self, word: str) -> tuple[int, int]:
        """The suffixes that begin with `word` (with its first SORTED characters, if longer)."""
        probe = word[:SORTED]
        low = bisect_left(self._suffixes, probe)
        above = _after(probe)
        return low, bisect_left(self._suffixes, above, lo=low) if above else len(self._suffixes)

    def _tokens(self, word: str, low: int, high: int) -> list[int]:
        """The tokens holding `word` (no whitespace or NUL in it), by number, from its `_range`."""
        found = set(self._token_at[low:high])
        if len(word) > SORTED:
            found = {t for t in found if word in self.tokens[t]}
        return list(found)

    def search(self, words: Sequence[str], offset: int, count: int) -> list[int]:
        """The positions of the keys holding every word, ascending, `count` from `offset`."""
        if count <= 0:
            return []
        if not words:
            return list(range(offset, min(offset + count, len(self.keys))))
        if any(_spans(w) for w in words):
            candidates: Iterable[int] = range(len(self.keys))
            rest = list(words)
        else:
            plan = self._plan(list(dict.fromkeys(words)), offset + count)
            if plan is None:
                return []
            candidates, rest = plan
        keys = self.keys
        if len(rest) == 1:  # the common cases without a generator per key
            word = rest[0]
            matching: Iterable[int] = (i for i in candidates if word in keys[i])
        elif rest:
            matching = (i for i in candidates if all(w in keys[i] for w in rest))
        else:
            matching = candidates
        return list(islice(matching, offset, offset + count))

    def _plan(self, words: list[str], need: int) -> tuple[Iterable[int], list[str]] | None:
        """The cheapest keys to walk (those holding one of the words, ascending) and the words left
        to check on them; None when a word is nowhere.

        Walking a word's keys stops once `need` keys hold the other words too: about `need` over
        the share of keys holding them (taken as independent), at most all of the word's keys.
        A word in one token walks that token's list as it is; a word in several either sorts the
        union of their lists first or looks for the word key by key in the joined keys.
        """
        ranges = {w: self._range(w) for w in words}
        # a token holding the word twice counts twice, and a word longer than SORTED counts the
        # tokens its start is in: estimates, the walk itself is exact
        sizes = {w: sum(self._keys_at[low:high]) for w, (low, high) in ranges.items()}
        if not all(sizes.values()):
            return None
        total = len(self.keys)
        best: tuple[float, str, str] | None = None
        for word in words:
            share = 1.0
            for other in words:
                if other != word:
                    share *= sizes[other] / total
            walk = min(sizes[word], need / share)
            low, high = ranges[word]
            if high - low == 1:
                options = [(walk, "list")]
            else:
                options = [(UNION * sizes[word] + walk, "union"), (SCAN * walk, "scan")]
            for cost, how in options:
                if best is None or cost < best[0]:
                    best = (cost, word, how)
        assert best is not None
        _, word, how = best
        rest = [w for w in words if w != word]
        lists = [self.postings[t] for t in self._tokens(word, *ranges[word])]
        if how == "list":
            return lists[0], rest
        if how == "union":
            return sorted({i for posting in lists for i in posting}), rest
        return _holding(self.blob, word), rest

    @property
    def blob(self) -> tuple[str, list[int]]:
        """The keys joined, for the key-by-key look (made the first time a dense word is asked)."""
        if self._blob is None:
            self._blob = joined(self.keys)
        return self._blob
