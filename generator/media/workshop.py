"""What one run of the media stage asks for, and what all of its jobs share.

The jobs (tracks.py, the zips in stage.py) run on one thread pool and at most `jobs` ffmpeg
processes at a time, and file everything in one content-addressed cache (cache.py).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tunecamp.generator.media.cache import AudioCache
from tunecamp.generator.media.ffmpeg import FFmpegRunner
from tunecamp.generator.media.progress import Progress
from tunecamp.generator.problems import Problems


@dataclass(frozen=True)
class MediaOptions:
    cache_dir: Path  # the build cache; media objects live in cache_dir/media
    private_dir: Path  # outside public/: codes and paid downloads, for the daemon to serve
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    verbose: bool = False
    max_duration: float = 4 * 3600.0  # seconds; a longer source, or a header claiming so, is refused
    ffmpeg: str | None = None  # the binary; default ffmpeg_path()
    verify: bool = False  # check the hash of each cached file used, not only its size (--clean)


@dataclass(frozen=True)
class Workshop:
    options: MediaOptions
    cache: AudioCache
    runner: FFmpegRunner  # its slots, not the pool's threads, keep the cores busy
    pool: ThreadPoolExecutor  # more threads than slots: tagging, copying and zipping overlap encodes
    progress: Progress
    problems: Problems
