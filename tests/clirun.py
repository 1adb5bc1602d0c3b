"""Running the real `tunecamp` command (the console script of this venv) in a process of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def tunecamp_command() -> str:
    beside = Path(sys.executable).parent / "tunecamp"
    found = str(beside) if beside.is_file() else shutil.which("tunecamp")
    assert found, "the tunecamp command is not installed (make install)"
    return found


def tunecamp(
    *args: str, env: Mapping[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run `tunecamp ARGS...` to the end; its output is captured as text."""
    return subprocess.run([tunecamp_command(), *args], env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=300, check=False, **kwargs)  # fmt: skip


def start_tunecamp(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `tunecamp ARGS...` in a session of its own (so its ffmpeg children can be killed with it)."""
    return subprocess.Popen([tunecamp_command(), *args], env={**os.environ, **(env or {})}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


HOLD_LOCK = """
import sys
from pathlib import Path
from tunecamp.generator.buildlock import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def hold_build_lock(out_dir: Path) -> subprocess.Popen[str]:
    """Another process holding `out_dir`'s build lock (as a `tunecamp build` would) until its stdin closes."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out_dir)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder
