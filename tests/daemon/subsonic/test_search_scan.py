"""The term search over the joined keys finds what checking every key finds, in the same order."""

from __future__ import annotations

import random

from tunecamp.daemon.subsonic.library import joined
from tunecamp.daemon.subsonic.search import _matching

WORDS = ["amber", "blue", "coast", "ember", "fern", "mist", "é", "a", "ab", "\0", ""]


def every_key(items: list[int], keys: list[str], words: list[str], offset: int, count: int) -> list[int]:
    found = [item for item, key in zip(items, keys, strict=True) if all(w in key for w in words)]
    return found[offset : offset + count]


def test_same_hits_as_checking_every_key() -> None:
    rng = random.Random(3)
    keys = [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 4))) for _ in range(2000)]
    items = list(range(len(keys)))
    blob = joined(keys)
    for _ in range(2000):
        words = [rng.choice([*WORDS, "zz", "mb", " "]) for _ in range(rng.randrange(1, 3))]
        words = [w for w in words if w] or ["a"]
        offset, count = rng.randrange(0, 50), rng.randrange(1, 60)
        assert _matching(items, keys, words, (offset, count), blob) == every_key(
            items, keys, words, offset, count
        )


def test_no_keys_and_no_count() -> None:
    assert _matching([], [], ["a"], (0, 10), joined([])) == []
    assert _matching([1], ["a"], ["a"], (0, 0), joined(["a"])) == []
