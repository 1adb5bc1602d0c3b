"""The build pipeline: content/ in, a complete static site out.

    scan → media → pages, feeds, playlists, catalog.json, oEmbed, sitemap → write atomically

Each stage is a function from the catalog model to files; this module is the only
place that knows their order, and the only one that touches the disk for the output.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tunecamp.generator.buildstate import BuildState, Summary, inputs_digest, output_identity
from tunecamp.generator.catalog_json import render_catalog_json
from tunecamp.generator.feeds import render_feeds
from tunecamp.generator.media import Media, plain_media
from tunecamp.generator.model import Catalog
from tunecamp.generator.oembed import render_oembed
from tunecamp.generator.output import Output, WriteStats, write_site
from tunecamp.generator.pipeline import MediaOptions, process_media
from tunecamp.generator.playlists import render_playlists
from tunecamp.generator.problems import Problems
from tunecamp.generator.progress import BarProgress, QuietProgress
from tunecamp.generator.render import iter_pages
from tunecamp.generator.scan import scan
from tunecamp.generator.sitemap import render_sitemap
from tunecamp.generator.tagindex import TagIndex
from tunecamp.generator.urls import Urls


@dataclass(frozen=True)
class BuildOptions:
    # Defaults sit beside the output, where the daemon keeps them too (data/ next to public/), so a
    # CLI build and the daemon's rebuilds share one cache and one private store.
    cache_dir: Path | None = None  # tags, transcodes, peaks, images; default: data/cache
    private_dir: Path | None = None  # protected downloads (codes, paid); default: data/private
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    transcode: bool = True  # False: link web-playable sources as they are (fast previews)
    verbose: bool = False
    progress: bool = False  # a progress bar on the terminal (the CLI turns it on)
    extra_head: str = ""  # HTML added to every page's <head> (the preview server's live reload)
    clean: bool = False  # ignore what the last build left: re-read every tag, rewrite every file


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
    """
    options = options or BuildOptions()
    started = time.perf_counter()
    content_dir, out_dir = content_dir.resolve(), out_dir.resolve()
    data_dir = out_dir.parent / "data"
    cache_dir = options.cache_dir or data_dir / "cache"
    state_file = cache_dir / f"build-{hashlib.sha1(str(out_dir).encode()).hexdigest()[:12]}.json"
    digest = inputs_digest(
        input_roots(content_dir),
        extra=repr((options.transcode, options.extra_head, options.private_dir, cache_dir)),
    )
    previous = None if options.clean else BuildState.load(state_file)
    if previous and previous.inputs == digest and previous.output == output_identity(out_dir):
        return BuildReport(None, Problems(list(previous.problems)), None, time.perf_counter() - started,
                           previous.summary)  # fmt: skip

    tag_index = (
        TagIndex(cache_dir / "tags.pickle") if options.clean else TagIndex.load(cache_dir / "tags.pickle")
    )
    catalog, problems = scan(content_dir, tag_reader=tag_index.read)
    tag_index.save()
    media = make_media(catalog, options, cache_dir, options.private_dir or data_dir / "private", problems)
    urls = Urls(catalog.config.base_url)
    outputs = itertools.chain(  # lazily: pages are written as they are rendered, never all held at once
        media.outputs,
        iter_pages(catalog, media, urls, problems=problems, extra_head=options.extra_head),
        render_feeds(catalog, media, urls),
        render_playlists(catalog, media, urls),
        render_catalog_json(catalog, media, urls),
        render_oembed(catalog, media, urls),
        render_sitemap(catalog, urls),
    )
    stats = write_site(unique(outputs), out_dir, reuse=not options.clean)
    public = catalog.public_releases
    summary = Summary(len(public), sum(len(r.tracks) for r in public),
                      tuple(r.slug for r in catalog.releases if r.status == "draft"))  # fmt: skip
    BuildState(digest, output_identity(out_dir), summary, tuple(problems.items)).save(state_file)
    return BuildReport(catalog, problems, stats, time.perf_counter() - started, summary)


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


def make_media(
    catalog: Catalog, options: BuildOptions, cache_dir: Path, private_dir: Path, problems: Problems
) -> Media:
    """The media stage: transcodes and analysis when enabled, the sources as they are otherwise."""
    if not options.transcode:
        return plain_media(catalog)
    progress = BarProgress(options.verbose) if options.progress else QuietProgress()
    media, media_problems = process_media(
        catalog,
        MediaOptions(cache_dir, private_dir, jobs=options.jobs, verbose=options.verbose),
        progress,
    )
    problems.extend(media_problems)
    return media


def unique(outputs: Iterable[Output]) -> Iterator[Output]:
    """Two stages writing the same file is a bug in the generator, not in content: fail loudly."""
    seen: set[str] = set()
    for out in outputs:
        if out.path in seen:
            raise RuntimeError(f"two outputs claim {out.path}")
        seen.add(out.path)
        yield out
