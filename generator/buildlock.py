"""One build at a time per output folder: an flock'd lock file beside it (`.public.lock`).

Two builds into the same output share its staging folders (`.public.staging`, `.public.old`,
`.public.incoming`) and its build state, and, run together, remove each other's files midway. The
lock lives beside the output, with those folders, rather than in the cache: every writer of the
output (`tunecamp build`, `tunecamp watch`, the daemon's session and its worker) finds it whatever
cache or data folder it was given, and builds into different outputs, which may share one cache
(made safe for that: per-run temp folders, atomic commits), still run side by side.

`fcntl.flock`: the kernel releases the lock when its holder exits, however it exits, so the lock
of a SIGKILLed build is free for the next one with nothing to clean up. The file itself stays
(deleting a lock file races with whoever opens it next) and holds the holder's pid, for the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path


class BuildLocked(Exception):
    """Another build holds the output folder's lock."""

    def __init__(self, out_dir: Path, lock_file: Path, pid: int | None) -> None:
        super().__init__(out_dir, lock_file, pid)
        self.out_dir, self.lock_file, self.pid = out_dir, lock_file, pid

    def __str__(self) -> str:
        who = f"another build (pid {self.pid})" if self.pid else "another build"
        return f"{who} is running on {self.out_dir} (lock file {self.lock_file})"


def lock_file(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.lock"


@contextlib.contextmanager
def build_lock(out_dir: Path, on_wait: Callable[[BuildLocked], None] | None = None) -> Iterator[None]:
    """Hold `out_dir`'s build lock during the `with` block.

    When another build holds it: `BuildLocked` is raised or, given `on_wait`, that is called once
    and this build waits for the other to finish.
    """
    path = lock_file(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held = BuildLocked(out_dir, path, _holder(fd))
            if on_wait is None:
                raise held from None
            on_wait(held)
            fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(OSError):  # the pid only serves the message: a full disk must not stop us
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # so no one ever reads the pid of a build that has finished
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> int | None:
    """The pid in the lock file; the holder writes it just after taking the lock, so give it a moment."""
    for _ in range(50):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    return None
