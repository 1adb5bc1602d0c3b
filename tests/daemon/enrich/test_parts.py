"""The small parts: Retry-After, the scorer, the pacer, search escaping, provider dates."""

from __future__ import annotations

import asyncio
import itertools
import time

from tunecamp.daemon.enrich.fetch import image_type, retry_after
from tunecamp.daemon.enrich.model import iso_date
from tunecamp.daemon.enrich.musicbrainz import lucene
from tunecamp.daemon.enrich.pacer import Pacer, RedisPacer
from tunecamp.daemon.enrich.scorer import MATCH, durations, fold, score


def test_retry_after_reads_seconds_and_dates() -> None:
    now = 1_800_000_000.0
    assert retry_after({"Retry-After": "7"}, now) == 7.0
    assert (
        retry_after({"retry-after": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 12))}, now)
        == 12.0
    )
    assert retry_after({"Retry-After": "Wed, 01 Jan 2020 00:00:00 GMT"}, now) == 0.0  # in the past
    assert retry_after({"Retry-After": "soon"}, now) is None
    assert retry_after({}, now) is None


def test_the_scorer_tells_a_match_from_a_namesake() -> None:
    assert fold("The Night—Drive!") == fold("night drive") == "night drive"
    assert fold("Ëlan & Co") == "elan and co"
    exact = score(("Morning Tides", "Morning Tides"), ("Aurora Lane", "Aurora Lane"), (8, 8), 1.0)
    assert exact == 1.0
    other = score(("Morning Tides", "Evening Storms"), ("Aurora Lane", "Borealis"), (8, 12), None)
    assert other < MATCH
    # the same title and artist, but another edition with other lengths, scores lower
    assert score(("A", "A"), ("B", "B"), (3, 3), durations([60, 60, 60], [90, 30, 200])) < exact
    assert durations([60.0, 61.0], [None, None]) is None
    assert durations([60.0, 60.0], [61.0, 80.0]) == 0.5


def test_search_terms_are_escaped_for_lucene() -> None:
    assert lucene('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'


def test_dates_and_images() -> None:
    assert iso_date("2019-05-01T07:00:00Z") == "2019-05-01"
    assert iso_date("2019-05") == "2019-05" and iso_date("2019") == "2019"
    assert iso_date("soon") is None and iso_date("") is None
    assert image_type(b"\xff\xd8\xff\xe0...") == "jpg"
    assert image_type(b"\x89PNG\r\n\x1a\n...") == "png"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"<html>") is None


async def test_the_pacer_spaces_requests_across_callers() -> None:
    pacer = Pacer(0.1)
    started: list[float] = []

    async def ask() -> None:
        await pacer.wait()
        started.append(time.monotonic())

    await asyncio.gather(*(ask() for _ in range(3)))
    gaps = [b - a for a, b in itertools.pairwise(started)]
    assert len(gaps) == 2 and all(gap >= 0.095 for gap in gaps)


async def test_the_redis_pacer_spaces_requests_across_processes(redis_url: str) -> None:
    """Two pacers with their own connections, as two worker processes have, share one budget."""
    from tunecamp.daemon.redis_link import connect

    clients = [connect(redis_url), connect(redis_url)]
    pacers = [RedisPacer(c, "tunecamp:test:pace", 0.1) for c in clients]
    started: list[float] = []

    async def ask(pacer: RedisPacer) -> None:
        await pacer.wait()
        started.append(time.monotonic())

    asked = time.monotonic()
    try:
        await asyncio.gather(*(ask(pacers[i % 2]) for i in range(6)))
    finally:
        for client in clients:
            await client.aclose()
    # The k-th caller starts 0.1 s × k after the first could at the earliest. Not a bound on each
    # gap: a caller woken late on a loaded machine brings its successor's gap in, never its start.
    assert len(started) == 6
    assert all(start - asked >= 0.1 * k - 0.005 for k, start in enumerate(sorted(started))), [
        round(s - asked, 3) for s in sorted(started)
    ]
