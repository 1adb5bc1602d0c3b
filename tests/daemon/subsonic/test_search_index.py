"""The word index finds what checking every key finds, in the same order, whichever way it looks."""

from __future__ import annotations

import random

import pytest

from tunecamp.daemon.subsonic import search_index
from tunecamp.daemon.subsonic.search_index import WordIndex

MAX = chr(0x10FFFF)
WORDS = [
    "amber",
    "blue",
    "coast",
    "ember",
    "fern",
    "mist",
    "é",
    "a",
    "ab",
    "\0",
    "",
    "12",
    "112",
    "1 2",
    MAX,
    f"a{MAX}",
    "a" * 20,
    "a" * 17 + "b",
]


def every_key(keys: list[str], words: list[str], offset: int, count: int) -> list[int]:
    found = [i for i, key in enumerate(keys) if all(w in key for w in words)]
    return found[offset : offset + count]


@pytest.mark.parametrize(("union", "scan"), [(0.7, 5.0), (0.0, 1e9), (1e9, 0.0)])  # shipped, always each way
def test_same_hits_as_checking_every_key(union: float, scan: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "UNION", union)
    monkeypatch.setattr(search_index, "SCAN", scan)
    rng = random.Random(3)
    keys = [
        " ".join(rng.choice([*WORDS, str(rng.randrange(200))]) for _ in range(rng.randrange(0, 4)))
        for _ in range(2000)
    ]
    index = WordIndex(keys)
    for _ in range(2000):
        words = [
            rng.choice([*WORDS, "zz", "mb", " ", "er a", str(rng.randrange(30))])
            for _ in range(rng.randrange(1, 4))
        ]
        offset, count = rng.randrange(0, 50), rng.randrange(0, 60)
        assert index.search(words, offset, count) == every_key(keys, words, offset, count), words


def test_a_rare_word_is_looked_up_not_scanned() -> None:
    """ "harbor 12", "harbor" in every key: only the keys holding a token with "12" are checked."""
    keys = [f"harbor song {n}" for n in range(10_000)]
    index = WordIndex(keys)
    checked: list[int] = []

    class Counting(list[str]):
        def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
            checked.append(i)
            return super().__getitem__(i)

    index.keys = Counting(keys)
    found = index.search(["harbor", "12"], 0, 500)
    assert found == every_key(keys, ["harbor", "12"], 0, 500)
    assert len(checked) == len([k for k in keys if "12" in k]) < 400


def test_no_keys_no_words_and_no_count() -> None:
    assert WordIndex([]).search(["a"], 0, 10) == []
    assert WordIndex(["a"]).search(["a"], 0, 0) == []
    assert WordIndex(["a", "b", "c"]).search([], 1, 5) == [1, 2]
