"""The generator's commands: init, build, publish, unpublish. The daemon adds its own."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from tunecamp.generator.problems import Problems
from tunecamp.generator.report import BuildReport

console = Console(stderr=True, highlight=False, soft_wrap=True)
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="public",
    show_default=True,
    help="Where the site is written (replaced atomically).",
)
NO_TRANSCODE = click.option(
    "--no-transcode", is_flag=True, help="Link web-playable sources as they are (quick previews)."
)
CONTENT = click.argument("content", type=click.Path(file_okay=False, path_type=Path), default="content")
DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TUNECAMP_DATA_DIR",
    help="Build cache and private downloads [default: $TUNECAMP_DATA_DIR, else data/ beside CONTENT].",
)
FORCE = click.option(
    "--force",
    is_flag=True,
    help="Build into a non-empty folder that holds no TuneCamp site (its files are deleted). "
    "Never allowed over the content or data folder.",
)


class Commands(click.Group):
    """The `tunecamp` group. An expected failure of any command, the daemon's too (a full disk, a file
    where a folder should be, another build running: failures.py), ends in one line that names its
    file, and exit 1; `--debug` shows the traceback instead. Anything else keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from tunecamp.generator.failures import EXPECTED, one_line

        try:
            return super().invoke(ctx)
        except EXPECTED as exc:
            if ctx.params.get("debug") or isinstance(exc, BrokenPipeError):  # click handles `| head`
                raise
            raise click.ClickException(one_line(exc)) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tunecamp")
@click.option(
    "--debug",
    is_flag=True,
    envvar="TUNECAMP_DEBUG",
    help="Show the traceback of a failure instead of one line [$TUNECAMP_DEBUG].",
)
def cli(debug: bool) -> None:
    """TuneCamp: a static site for your music, and a small daemon for the rest.

    \b
    Start here:
      tunecamp init my-music          create a catalog skeleton
      tunecamp build my-music         build the site into ./public
      tunecamp publish my-album -c my-music   make a draft release public
      tunecamp serve --content my-music    preview at http://127.0.0.1:8000
    """
    if debug:  # a failing rebuild in `watch` logs its traceback too (watch.py)
        logging.getLogger("tunecamp").setLevel(logging.DEBUG)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="content")
@click.option("--artist", default="Your Name", help="Name of the first artist.")
def init(directory: Path, artist: str) -> None:
    """Create a catalog skeleton in DIRECTORY (default: ./content)."""
    from tunecamp.generator.catalog.skeleton import init_catalog

    created = init_catalog(directory, artist)
    for path in created:
        console.print(f"created {path}")
    if not created:
        console.print(f"{directory} already has a catalog; nothing changed")
    console.print(
        f"\nNext: put a release folder with audio in {directory / 'releases'}/, then "
        f"`tunecamp build {directory}`."
    )


@cli.command()
@CONTENT
@OUTPUT
@NO_TRANSCODE
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Parallel audio jobs [default: cores]."
)
@click.option("-v", "--verbose", is_flag=True, help="A line per file processed.")
@click.option(
    "--clean",
    is_flag=True,
    help="Ignore the last build: re-read every tag, rewrite every file, check every cached file's hash.",
)
@DATA
@FORCE
def build(
    content: Path,
    output: Path,
    no_transcode: bool,
    jobs: int | None,
    verbose: bool,
    clean: bool,
    data_dir: Path | None,
    force: bool,
) -> None:
    """Build the static site of CONTENT (default: ./content).

    The site replaces OUTPUT whole, so OUTPUT must be a new or empty folder or a site TuneCamp
    built; it can never be the content folder, a folder around it, or the data folder.
    """
    from tunecamp.generator.build import build as run_build
    from tunecamp.generator.options import BuildOptions

    if not content.is_dir():
        raise click.ClickException(f"{content} is not a folder; create one with `tunecamp init {content}`")
    options = BuildOptions(
        data_dir=data_dir,
        transcode=not no_transcode,
        verbose=verbose,
        progress=True,
        clean=clean,
        force=force,
    )
    if jobs:
        options = replace(options, jobs=jobs)
    report = run_build(content, output, options)
    print_report(report, content, output)
    if not report.ok:
        sys.exit(1)


def print_report(report: BuildReport, content: Path, output: Path) -> None:
    """Problems first, then one line of what was built, the drafts left out, and what to do next."""
    print_problems(report.problems)
    s, stats = report.summary, report.stats
    if report.skipped:
        console.print(
            f"nothing changed since the last build of {output}/ ({s.releases} releases, "
            f"{s.tracks} tracks); use --clean to rebuild anyway"
        )
    else:
        console.print(
            f"built {s.releases} releases, {s.tracks} tracks into {output}/ in {report.seconds:.1f} s"
            + (f" ({stats.written} written, {stats.unchanged} unchanged)" if stats else "")
        )
    if report.catalog is not None and not report.catalog.config.daemon_url:
        console.print(
            "no daemon_url in catalog.yaml: no ActivityPub documents, the site cannot be followed from the fediverse"
        )
    for slug in s.drafts:
        console.print(f"  draft, not built: {slug}  (publish with `tunecamp publish {slug} -c {content}`)")
    if not report.ok:
        console.print(
            f"[red]{len(report.problems.errors)} problem(s): the files above were skipped or partly ignored[/red]"
        )


@cli.command()
@CONTENT
@OUTPUT
@NO_TRANSCODE
@DATA
@FORCE
def watch(content: Path, output: Path, no_transcode: bool, data_dir: Path | None, force: bool) -> None:
    """Build CONTENT, then rebuild on every change until Ctrl-C.

    After the first build only what a change reaches is rebuilt: an edited release's pages,
    the listings that show it, the feeds and catalog.json.
    """
    import threading

    from tunecamp.generator.buildstate import watched_roots
    from tunecamp.generator.options import BuildOptions
    from tunecamp.generator.session import BuildSession
    from tunecamp.generator.watch import watch as run_watch

    if not content.is_dir():
        raise click.ClickException(f"{content} is not a folder; create one with `tunecamp init {content}`")
    options = BuildOptions(data_dir=data_dir, transcode=not no_transcode, progress=True, force=force)
    session = BuildSession(content, output, options, watching=True)
    drafts: set[str] = set()

    def rebuild(changed: set[Path]) -> None:
        if changed:
            names = ", ".join(sorted(p.name for p in changed)[:3]) + (" ..." if len(changed) > 3 else "")
            console.print(f"changed: {names}")
        # the first build stops at once when another one runs into OUTPUT; a save waits its turn
        waiting = (lambda held: console.print(f"{escape(str(held))}; waiting")) if changed else None
        report = session.build(changed or None, on_locked=waiting)
        print_problems(report.problems)
        state = "[green]ok[/green]" if report.ok else f"[red]{len(report.problems.errors)} problem(s)[/red]"
        what = f" ({report.stats.written} written)" if report.stats else ""
        console.print(f"rebuilt {output}/ in {report.seconds * 1000:.0f} ms{what}: {state}")
        for slug in sorted(set(report.summary.drafts) - drafts):
            console.print(
                f"  {slug} is a draft: nothing of it is published; when it is ready, run "
                f"`tunecamp publish {slug} -c {content}`"
            )
        drafts.clear()
        drafts.update(report.summary.drafts)

    rebuild(set())
    stop, ready = threading.Event(), threading.Event()
    worker = threading.Thread(
        target=run_watch, args=(watched_roots(content), rebuild, stop), kwargs={"ready": ready}, daemon=True
    )
    worker.start()
    ready.wait()
    console.print(f"watching {content}/ for changes (Ctrl-C to stop)")
    try:
        while worker.is_alive():
            worker.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        worker.join(10)
        console.print("stopped")
    finally:
        session.close()


def print_problems(problems: Problems) -> None:
    for p in problems.items:
        colour = "red" if p.level == "error" else "yellow"
        where = f"{p.path}" + (f" [{p.key}]" if p.key else "")
        console.print(f"[{colour}]{p.level}[/{colour}] {escape(where)}: {escape(p.message)}")


def _set_status(content: Path, release: str, status: str) -> None:
    from tunecamp.generator.catalog.publish import PublishError, set_status

    try:
        path = set_status(content, release, status)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"{release} is now {status} ({path}); rebuild with `tunecamp build {content}`")


CONTENT_OPTION = click.option(
    "-c",
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    default="content",
    show_default=True,
    help="The catalog folder.",
)


@cli.command()
@click.argument("release")
@CONTENT_OPTION
@click.option("--unlisted", is_flag=True, help="Reachable by URL but listed nowhere.")
def publish(release: str, content: Path, unlisted: bool) -> None:
    """Publish the draft RELEASE (its slug)."""
    _set_status(content, release, "unlisted" if unlisted else "published")


@cli.command()
@click.argument("release")
@CONTENT_OPTION
def unpublish(release: str, content: Path) -> None:
    """Turn RELEASE back into a draft: it disappears from the site at the next build."""
    _set_status(content, release, "draft")


@cli.group()
def cache() -> None:
    """The build cache (transcodes, analyses, pictures, zips)."""


CACHE_DIR = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The build cache [default: cache/ in the data folder, as `tunecamp build` finds it].",
)


def _cache_dir(content: Path, data_dir: Path | None, cache_dir: Path | None) -> Path:
    from tunecamp.generator.folders import default_data_dir

    folder = cache_dir or (data_dir or default_data_dir(content)) / "cache"
    if not (folder / "media").is_dir():
        raise click.ClickException(
            f"{folder} holds no media cache (pass the one `tunecamp build` used: --cache-dir or --data)"
        )
    return folder


@cache.command("gc")
@CONTENT
@DATA
@CACHE_DIR
def cache_gc(content: Path, data_dir: Path | None, cache_dir: Path | None) -> None:
    """Remove what no file of CONTENT needs any more. Run it between builds, not during one."""
    from tunecamp.generator.media.cachemaint import cache_gc as run_gc

    if not content.is_dir():
        raise click.ClickException(f"{content} is not a folder")
    stats = run_gc(content, _cache_dir(content, data_dir, cache_dir))
    console.print(
        f"removed {stats.removed} files ({stats.removed_bytes / 1e6:.1f} MB), "
        f"kept {stats.kept} ({stats.kept_bytes / 1e6:.1f} MB)"
    )


@cache.command("verify")
@CONTENT
@DATA
@CACHE_DIR
def cache_verify(content: Path, data_dir: Path | None, cache_dir: Path | None) -> None:
    """Check every file of the media cache against the size and hash recorded when it was made.

    A damaged file is removed, so the next build makes it again, and named with the file of CONTENT
    it was made from; the command then exits with 1. Run it between builds, not during one.
    """
    from tunecamp.generator.buildstate import forget_builds
    from tunecamp.generator.media.cachemaint import cache_verify as run_verify

    folder = _cache_dir(content, data_dir, cache_dir)
    stats = run_verify(content if content.is_dir() else None, folder)
    if stats.damaged:  # the site holds the same damaged files (hard links): a skipped build would keep them
        forget_builds(folder)
    for d in stats.damaged:
        made_from = f", made from {d.source}" if d.source else ""
        console.print(
            f"[red]damaged[/red] {escape(str(d.path))}{escape(made_from)}: {d.reason}; "
            "removed, the next build makes it again"
        )
    console.print(
        f"checked {stats.checked} files ({stats.checked_bytes / 1e6:.1f} MB): "
        f"{len(stats.damaged)} damaged"
        + (f", {stats.recorded} made by an older TuneCamp recorded as they are" if stats.recorded else "")
    )
    if stats.damaged:
        sys.exit(1)
