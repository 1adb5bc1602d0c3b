"""Finding an ffmpeg that runs: TUNECAMP_FFMPEG, else PATH, else the imageio-ffmpeg wheel."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess


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
    try:
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
