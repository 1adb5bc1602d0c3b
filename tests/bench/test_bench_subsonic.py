"""bench/subsonic.py's verdict: each target met or missed, from the median runs."""

from __future__ import annotations

from types import ModuleType

import pytest
from bench_scripts import load as load_script


@pytest.fixture(scope="module")
def subsonic() -> ModuleType:
    return load_script("subsonic")


def result(subsonic: ModuleType, target: str, concurrency: int, p99_ms: float) -> object:
    return subsonic.Result(target, concurrency, 1000, 0, 1.0, p99_ms / 2, p99_ms)


def test_each_browsing_call_is_held_to_the_p99_target_at_32_clients(subsonic: ModuleType) -> None:
    album_list, album, cover = subsonic.BROWSING
    medians = [
        result(subsonic, album_list, 32, 15.3),
        result(subsonic, album, 32, 25.0),  # not under 25 ms
        result(subsonic, album, 1, 40.0),  # one client: not the target's
        result(subsonic, cover, 32, 18.5),
        result(subsonic, "search3 (a term)", 32, 27.9),
    ]
    lines = subsonic.verdict(medians, sync_seconds=0.33, songs=10_000, scan_rate=1_999)
    assert f"- p99 under 25 ms at 32 clients, {album_list}: 15.3 ms, PASS" in lines
    assert f"- p99 under 25 ms at 32 clients, {album}: 25.0 ms, MISS" in lines
    assert f"- p99 under 25 ms at 32 clients, {cover}: 18.5 ms, PASS" in lines
    assert "- full sync of 10,000 songs under 1 s: 0.33 s, PASS" in lines
    assert "- index scan at 2,000 tracks/s or more: 1,999, MISS" in lines
    assert "- search3 (a term), a search (no target): p99 27.9 ms at 32 clients" in lines
    assert not any("40.0" in line for line in lines)
