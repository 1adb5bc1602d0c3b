"""Start-up and publish measurements for bench/build.py, on a catalog it has just built.

- watch start-up: a watch session (as `tunecamp watch` and `tunecamp serve` keep) on the
  unchanged site, from nothing to ready for the first save; compared with the no-op build;
- admin publish: the daemon's build worker (`python -m tunecamp.daemon.site.worker`, what the
  dashboard, the admin API and Subsonic startScan run) after one release is published, as a
  whole process from start to exit (the site is live before its last step, the index refresh).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.catalog.publish import set_status
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.session import BuildSession


@dataclass(frozen=True)
class Startup:
    watch_seconds: float
    worker_full_seconds: float  # the worker's first build into the site (its own cache settings)
    unpublish_seconds: float
    publish_seconds: float


def watch_startup(content: Path, out: Path, options: BuildOptions) -> float:
    started = time.perf_counter()
    session = BuildSession(content, out, options, watching=True)
    report = session.build()
    seconds = time.perf_counter() - started
    if report.stats is not None:
        raise RuntimeError("the watch session rebuilt an unchanged site")
    session.close()
    return seconds


def worker(content: Path, out: Path, data: Path) -> float:
    from tunecamp.daemon.app import AFTER_BUILD
    from tunecamp.daemon.builds import worker_command

    # as the daemon runs it: the after-build refreshers too
    command = worker_command(content, out, data, "--no-transcode", after_build=AFTER_BUILD)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_startup(content: Path, out: Path, options: BuildOptions, data: Path) -> Startup:
    watch_seconds = watch_startup(content, out, options)
    full = worker(content, out, data)
    slug = sorted(p.name for p in (content / "releases").iterdir() if p.is_dir())[0]
    set_status(content, slug, "draft")
    try:
        unpublish = worker(content, out, data)
    finally:
        set_status(content, slug, "published")  # the catalog is kept for the next runs
    publish = worker(content, out, data)
    return Startup(watch_seconds, full, unpublish, publish)
