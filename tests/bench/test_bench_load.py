"""bench/load.py's write_section: the one writer of docs/performance.md sections the benchmarks share."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest
from bench_scripts import load as load_script


@pytest.fixture(scope="module")
def load() -> ModuleType:
    return load_script("load")


def test_a_section_is_replaced_and_the_others_kept(load: ModuleType, tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Daemon\n\nold numbers\n\n## Build\n\nhand-written\n")
    load.write_section(doc, "Daemon", "bench/daemon.py", "| p99 | 3 \\d ms |", note="What it measures.")
    load.write_section(doc, "Chat", "bench/community.py", "| sockets | 1,000 |")
    text = doc.read_text()
    assert "old numbers" not in text
    assert "## Daemon\n\nWhat it measures.\n\n| p99 | 3 \\d ms |\n" in text  # the backslash kept
    assert "## Build\n\nhand-written\n" in text
    assert text.endswith(
        "## Chat\n\nNumbers from `bench/community.py` (its docstring says what is measured).\n\n| sockets | 1,000 |\n"
    )
    load.write_section(doc, "Chat", "bench/community.py", "| sockets | 2,000 |")
    assert doc.read_text().count("## Chat") == 1 and "2,000" in doc.read_text()


def test_resident_memory_counts_touched_pages(load: ModuleType) -> None:
    before = load.rss_mb(os.getpid())
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(range(0, len(block), 4096))  # every page touched: resident now
    assert load.rss_mb(os.getpid()) >= before + 60
    with pytest.raises(OSError):
        load.rss_mb(2**22 + 1)  # no such process (above the kernel's highest PID)
