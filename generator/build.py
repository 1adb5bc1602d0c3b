"""The build: content/ in, a complete static site out.

    scan → media → units (pages, feeds, playlists, catalog.json, oEmbed, sitemap) → write atomically

Each stage is a function from the catalog model to files. This module holds what a build is
asked (`BuildOptions`) and answers (`BuildReport`), and the media stage; `session.BuildSession`
runs the stages in order, in full or, in a watch session, for only what a change reached.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tunecamp.generator.buildstate import Summary
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.media.model import Media, plain_media
from tunecamp.generator.media.progress import BarProgress, QuietProgress
from tunecamp.generator.media.stage import MediaOptions, process_media
from tunecamp.generator.output import WriteStats
from tunecamp.generator.problems import Problems
from tunecamp.generator.session import BuildSession


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
    force: bool = False  # build into a non-empty folder that is not a TuneCamp site (never over content/data)


@dataclass(frozen=True)
class BuildReport:
    catalog: Catalog | None  # None when the build was skipped: nothing changed since the last one
    problems: Problems
    stats: WriteStats | None
    seconds: float
    summary: Summary

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    @property
    def skipped(self) -> bool:
        return self.catalog is None


def build(content_dir: Path, out_dir: Path, options: BuildOptions | None = None) -> BuildReport:
    """Build the site of `content_dir` into `out_dir`, replacing it atomically.

    When no input changed since the last build into `out_dir` (and the output is the one
    it wrote), nothing is done and the last build's summary and problems are returned.
    Otherwise, when only release folders changed, the last build's snapshot lets it rebuild only
    what they reach (see snapshot.py); a watch session keeps its `BuildSession` between builds.
    """
    session = BuildSession(content_dir, out_dir, options or BuildOptions())
    try:
        return session.build()
    finally:
        session.close()


def state_file(cache_dir: Path, out_dir: Path) -> Path:
    """Where the state of the last build into `out_dir` is kept."""
    return cache_dir / f"build-{hashlib.sha1(str(out_dir).encode()).hexdigest()[:12]}.json"


def forget_builds(cache_dir: Path) -> None:
    """Make the next build into every output of this cache run in full (not skipped, nor resumed:
    a snapshot is trusted only with its state), e.g. once damaged cache files were removed."""
    for state in cache_dir.glob("build-*.json"):
        state.unlink(missing_ok=True)


def input_roots(content_dir: Path) -> list[Path]:
    """Everything a build reads: content/, the themes, a theme outside content/, our own code."""
    roots = [
        content_dir,
        Path(str(importlib.resources.files("tunecamp.themes"))),
        Path(__file__).resolve().parent,
    ]
    catalog_yaml = content_dir / "catalog.yaml"
    try:
        theme = (yaml.safe_load(catalog_yaml.read_text(encoding="utf-8")) or {}).get("theme")
    except (OSError, ValueError, yaml.YAMLError, AttributeError):
        theme = None
    if isinstance(theme, str) and ("/" in theme or theme.startswith((".", "~"))):
        folder = Path(theme).expanduser()
        folder = folder if folder.is_absolute() else content_dir / folder
        if not folder.resolve().is_relative_to(content_dir):
            roots.append(folder.resolve())
    return roots


def watched_roots(content_dir: Path) -> list[Path]:
    """What a watch session watches: content/ and the themes (not our own code)."""
    return [root for root in input_roots(content_dir) if root != Path(__file__).resolve().parent]


def make_media(
    catalog: Catalog,
    options: BuildOptions,
    cache_dir: Path,
    private_dir: Path,
    problems: Problems,
    write_private: bool = True,
) -> Media:
    """The media stage: transcodes and analysis when enabled, the sources as they are otherwise."""
    if not options.transcode:
        return plain_media(catalog)
    progress = BarProgress(options.verbose) if options.progress else QuietProgress()
    media, media_problems = process_media(
        catalog,
        MediaOptions(
            cache_dir, private_dir, jobs=options.jobs, verbose=options.verbose, verify=options.clean
        ),
        progress,
        write_private=write_private,
    )
    problems.extend(media_problems)
    return media
