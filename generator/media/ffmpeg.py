"""Finding an ffmpeg that runs (TUNECAMP_FFMPEG, else PATH, else the imageio-ffmpeg wheel), and
running it: at most so many processes at a time, all stopped at once on Ctrl-C."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from typing import Any

from tunecamp.generator.media.cache import Interrupted


class FFmpegNotFound(RuntimeError):
    pass


def _runs(path: str) -> bool:
    try:
        subprocess.run([path, "-version"], capture_output=True, check=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


@functools.cache
def ffmpeg_path(override: str | None = None) -> str:
    """The ffmpeg binary to use; raises FFmpegNotFound saying how to get one."""
    override = override or os.environ.get("TUNECAMP_FFMPEG")
    if override:
        if _runs(override):
            return override
        raise FFmpegNotFound(f"TUNECAMP_FFMPEG={override} does not run; point it at a working ffmpeg")
    on_path = shutil.which("ffmpeg")
    if on_path and _runs(on_path):
        return on_path
    try:  # the last resort, imported only then: the wheel takes tens of milliseconds to import
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # the wheel raises RuntimeError or OSError depending on platform
        bundled = None
    if bundled and _runs(bundled):
        return bundled
    raise FFmpegNotFound(
        "no ffmpeg found: install it (apt-get install ffmpeg), "
        "or set TUNECAMP_FFMPEG to the binary, or pip install imageio-ffmpeg"
    )


def ffprobe_path() -> str | None:
    """ffprobe beside the chosen ffmpeg, if there is one (the wheel ships none)."""
    ffmpeg = ffmpeg_path()
    sibling = os.path.join(os.path.dirname(ffmpeg), "ffprobe")
    return sibling if os.path.exists(sibling) else shutil.which("ffprobe")


class FFmpegRunner:
    """Starts ffmpeg processes, at most `slots` at a time, and can stop them all at once (Ctrl-C).

    The media stage has more threads than slots, so one track's tagging and copying overlap
    the next track's ffmpeg: the slots, not the threads, are what keeps the cores busy.
    """

    def __init__(self, binary: str, slots: int = 1) -> None:
        self.binary = binary
        self.runs = 0
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._slots = threading.BoundedSemaphore(max(1, slots))

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def start(self, args: list[str], stdout: int | None, stderr: Any) -> subprocess.Popen[bytes]:
        while not self._slots.acquire(timeout=0.1):
            if self._stopped.is_set():
                raise Interrupted
        with self._lock:
            if self._stopped.is_set():
                self._slots.release()
                raise Interrupted
            try:
                # its own session: a terminal's Ctrl-C reaches us, and we stop ffmpeg ourselves
                proc = subprocess.Popen(
                    [self.binary, *args],
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    start_new_session=True,
                )
            except BaseException:
                self._slots.release()
                raise
            self._live.add(proc)
            self.runs += 1
        return proc

    def finished(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            if proc in self._live:
                self._live.discard(proc)
                self._slots.release()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            for proc in self._live:
                proc.kill()
