"""What a build is asked: where its cache and private store live, and how it runs.

The CLI, the daemon and the benchmarks fill one `BuildOptions`; `job.Job` resolves it against
the content and output folders of one build.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BuildOptions:
    # data/ sits beside the content folder (folders.default_data_dir), where the daemon keeps it
    # too, so a CLI build and the daemon's rebuilds share one cache and one private store; never
    # beside or inside the output, which is deployed.
    data_dir: Path | None = None
    cache_dir: Path | None = None  # tags, transcodes, peaks, images; default: data/cache
    private_dir: Path | None = None  # protected downloads (codes, paid); default: data/private
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    transcode: bool = True  # False: link web-playable sources as they are (fast previews)
    verbose: bool = False
    progress: bool = False  # a progress bar on the terminal (the CLI turns it on)
    extra_head: str = ""  # HTML added to every page's <head> (the preview server's live reload)
    clean: bool = False  # ignore what the last build left: re-read every tag, rewrite every file
    # The address a preview server serves the site at: it replaces a catalog.yaml base_url that is
    # still the placeholder `tunecamp init` wrote, so the preview's feeds and share links work.
    serving_url: str | None = None
    force: bool = False  # build into a non-empty folder that is not a TuneCamp site (never over content/data)
