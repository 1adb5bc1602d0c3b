"""Smoke test of bench/build.py on a tiny catalog: every measurement runs and the table prints.

No timing assertions: speed goes in the bench's own output.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import mutagen
import pytest
from bench_scripts import load

from tunecamp.generator.watch import WatchTiming


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load("build")


def test_the_synthetic_catalog_has_tagged_distinct_files(bench: ModuleType, tmp_path: Path) -> None:
    content = bench.make_catalog(tmp_path, releases=3, tracks=2, artists=2)
    files = sorted(
        f for f in (content / "releases").glob("*/*") if f.suffix in {".mp3", ".flac", ".ogg", ".opus"}
    )
    assert len(files) == 6
    assert len({f.stat().st_ino for f in files}) == 6
    tags = mutagen.File(files[-1], easy=True)
    assert tags["album"] == ["Album 00002"] and tags["artist"] == ["Artist 00"]
    assert (content / "releases" / "release-00000" / "release.yaml").read_text() == "status: published\n"
    assert bench.make_catalog(tmp_path, releases=3, tracks=2, artists=2) == content  # reused, not remade


@pytest.mark.slow
def test_every_measurement_runs_and_the_table_prints(bench: ModuleType, tmp_path: Path) -> None:
    content = bench.make_catalog(tmp_path, releases=3, tracks=2, artists=2)
    original = (content / "releases" / "release-00000" / "release.yaml").read_text()
    result = bench.measure(content, tmp_path / "work", releases=3, edits=2, timing=WatchTiming(debounce=0.02),
                           audio=True)  # fmt: skip
    assert result.tracks == 6
    assert result.pages >= 3 + 6  # a page per release and per track, at least
    for value in (result.scan_rate, result.render_rate, result.baseline_rate, result.ratio,
                  result.cold_build_seconds, result.noop_seconds, result.edit, result.edit_build,
                  result.peak_rss_mb, result.page_bytes, result.baseline_bytes):  # fmt: skip
        assert value > 0
    assert len(result.edit_seconds) == 2 and result.edit >= result.edit_build
    assert result.audio_seconds is not None or result.audio_note.startswith("n/a")
    assert (content / "releases" / "release-00000" / "release.yaml").read_text() == original  # edits undone
    text = bench.table([result], load=0.5)
    for row in ("cold tag scan", "render / baseline", "no-op rebuild", "single-edit latency", "peak RSS"):
        assert row in text
    assert "| 3 × 2 |" in text and ("PASS" in text or "MISS" in text)


def test_the_table_goes_in_the_build_section_only(bench: ModuleType, tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Daemon\n\nTheir table.\n")
    bench.write_section(doc, "| first |")
    bench.write_section(doc, "| second |")
    text = doc.read_text()
    assert text.startswith("# Performance\n\n## Daemon\n\nTheir table.\n")
    assert text.count("## Build") == 1 and "| second |" in text and "| first |" not in text
    doc.write_text(text + "\n### Findings\n\nKept by hand.\n")
    bench.write_section(doc, "| third |")
    assert "Kept by hand." in doc.read_text() and "| third |" in doc.read_text()
