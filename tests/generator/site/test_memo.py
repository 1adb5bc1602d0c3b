from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tunecamp.generator.site.memo import Memo, fresh


@dataclass(frozen=True)
class Owner:
    name: str


def counting(value: str) -> tuple[Callable[[], str], list[str]]:
    """A `make` that records each call, so a test sees whether the memo computed again."""
    calls: list[str] = []

    def make() -> str:
        calls.append(value)
        return value

    return make, calls


def test_the_same_object_is_a_hit_and_the_value_is_not_made_again() -> None:
    memo, owner = Memo(), Owner("a")
    make, calls = counting("v1")
    first = memo.get("item", owner, make)
    second = memo.get("item", owner, make)
    assert first == second == "v1" and second is first
    assert calls == ["v1"]
    assert (memo.hits, memo.misses) == (1, 1)


def test_a_new_object_is_a_miss_even_when_equal() -> None:
    memo = Memo()
    old, new = Owner("a"), Owner("a")
    assert old == new and old is not new
    memo.get("item", old, lambda: "old")
    assert memo.get("item", new, lambda: "new") == "new"
    assert memo.get("item", old, lambda: "never") == "old"  # both are remembered, each by its identity
    assert (memo.hits, memo.misses) == (1, 2)


def test_kinds_of_one_owner_are_kept_apart() -> None:
    memo, owner = Memo(), Owner("a")
    memo.get("rss-item", owner, lambda: "rss")
    assert memo.get("atom-entry", owner, lambda: "atom") == "atom"
    assert memo.get("rss-item", owner, lambda: "never") == "rss"
    assert len(memo) == 2


def test_extra_is_compared_by_equality() -> None:
    memo, owner = Memo(), Owner("a")
    memo.get("page", owner, lambda: "listed", extra=("tag", True))
    # an equal extra built anew is a hit: extras are small values, not identities
    assert memo.get("page", owner, lambda: "never", extra=("tag", True)) == "listed"
    assert memo.get("page", owner, lambda: "unlisted", extra=("tag", False)) == "unlisted"
    assert memo.get("page", owner, lambda: "never", extra=("tag", False)) == "unlisted"  # replaced
    assert memo.get("page", owner, lambda: "listed again", extra=("tag", True)) == "listed again"
    assert (memo.hits, memo.misses) == (2, 3)
    assert len(memo) == 1


def test_a_missing_extra_differs_from_a_given_one() -> None:
    memo, owner = Memo(), Owner("a")
    memo.get("page", owner, lambda: "plain")
    assert memo.get("page", owner, lambda: "with", extra=0) == "with"
    assert memo.get("page", owner, lambda: "without") == "without"


def test_sweep_forgets_what_was_not_asked_since_the_last_sweep() -> None:
    memo = Memo()
    kept, dropped = Owner("kept"), Owner("dropped")
    memo.get("item", kept, lambda: "k")
    memo.get("item", dropped, lambda: "d")
    memo.sweep()  # the first build asked for both
    assert len(memo) == 2 and (memo.hits, memo.misses) == (0, 0)

    assert memo.get("item", kept, lambda: "never") == "k"  # the second build asks for one only
    memo.sweep()
    assert len(memo) == 1
    make, calls = counting("d again")
    assert memo.get("item", dropped, make) == "d again" and calls == ["d again"]
    assert memo.get("item", kept, lambda: "never") == "k"
    assert (memo.hits, memo.misses) == (1, 1)


def test_sweep_keeps_an_entry_asked_only_by_kind() -> None:
    memo, owner = Memo(), Owner("a")
    memo.get("rss-item", owner, lambda: "rss")
    memo.get("atom-entry", owner, lambda: "atom")
    memo.sweep()
    memo.get("rss-item", owner, lambda: "never")
    memo.sweep()
    assert len(memo) == 1
    assert memo.get("rss-item", owner, lambda: "never") == "rss"


def test_sweeping_twice_forgets_everything() -> None:
    memo = Memo()
    memo.get("item", Owner("a"), lambda: "a")
    memo.sweep()
    memo.sweep()
    assert len(memo) == 0


def test_a_failing_make_remembers_nothing() -> None:
    memo, owner = Memo(), Owner("a")

    def broken() -> str:
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        memo.get("item", owner, broken)
    assert len(memo) == 0
    assert memo.get("item", owner, lambda: "fixed") == "fixed"


def test_fresh_returns_the_callers_memo_or_a_new_one() -> None:
    memo = Memo()
    assert fresh(memo) is memo
    one, two = fresh(None), fresh(None)
    assert isinstance(one, Memo) and one is not two and len(one) == 0
