"""bench/scale.py in a tiny configuration: every process it starts works together, the counts add up,
and --write replaces the "## Measured" section of the doc (the numbers themselves are the merger's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bench_scripts import load

pytestmark = pytest.mark.slow
DOC = "# Scaling\n\n## Measured\n\nplaceholder\n\n## Several machines and PostgreSQL\n\nkept\n"


def test_the_fan_out_is_delivered_once_by_serve_and_by_workers(tmp_path: Path) -> None:
    doc = tmp_path / "scaling.md"
    doc.write_text(DOC)
    argv = ["--parts", "federation", "--hosts", "4", "--releases", "2", "--workers", "2", "--write", str(doc)]
    body = load("scale").main(argv)
    rows = re.findall(r"^\| ((?:SQLite|Redis), [^|]*)\|(.*)$", body, re.M)
    assert [name.strip() for name, _ in rows] == ["SQLite, 1 process (tunecamp serve)", "Redis, 2 workers"]
    for _, cells in rows:
        assert (
            "8 of 8 (8 requests) ✅" in cells
        )  # 2 releases x 4 servers, each delivered exactly once, signed
    text = doc.read_text()
    assert "placeholder" not in text and text.count("## Measured") == 1
    assert "## Several machines and PostgreSQL\n\nkept\n" in text


def test_the_chat_reaches_every_socket_on_one_and_two_processes() -> None:
    body = load("scale").main(["--parts", "chat", "--clients", "4", "--rate", "2", "--seconds", "1"])
    rows = re.findall(r"^\| \d web process.*$", body, re.M)
    assert len(rows) == 3
    for row in rows:
        assert "| 8 of 8 |" in row  # 2 messages to 4 sockets, across the processes too


def test_scale_refuses_what_it_cannot_run() -> None:
    scale = load("scale")
    with pytest.raises(SystemExit):
        scale.parse(["--parts", "federation,video"])
    with pytest.raises(SystemExit):
        scale.parse(["--hosts", "5000"])
