"""The generator's commands: init, build, watch, publish, unpublish, and the cache group
(cache_commands.py); their options are in cli_options.py. The daemon adds its own."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from tunecamp.generator.cache_commands import cache
from tunecamp.generator.cli_options import (
    CONTENT,
    CONTENT_HELP,
    DATA,
    FORCE,
    NO_TRANSCODE,
    OUTPUT,
    catalog_folder,
    console,
    output_folder,
)
from tunecamp.generator.problems import Problems
from tunecamp.generator.report import BuildReport
from tunecamp.generator.words import plural


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
      tunecamp init my-music && cd my-music   a folder with a catalog skeleton in content/
      tunecamp build                  build the site into ./public
      tunecamp publish my-album       make a draft release public
      tunecamp serve                  preview at http://127.0.0.1:8000

    Every command finds the catalog the same way: the current folder when it holds a
    catalog.yaml, else ./content, or the folder given with -c/--content.
    """
    if debug:  # a failing rebuild in `watch` logs its traceback too (watch.py)
        logging.getLogger("tunecamp").setLevel(logging.DEBUG)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--artist", default="Your Name", help="Name of the first artist.")
def init(directory: Path, artist: str) -> None:
    """Create a catalog skeleton in DIRECTORY/content (default: ./content).

    DIRECTORY is the project: the catalog goes in its content/ folder, the site is built into
    its public/ and the build cache kept in its data/, so `cd DIRECTORY && tunecamp build` works.
    A DIRECTORY named content, or one already holding a catalog.yaml, is the catalog itself.
    """
    from tunecamp.generator.catalog.location import CATALOG_FILE
    from tunecamp.generator.catalog.location import CONTENT as CONTENT_NAME
    from tunecamp.generator.catalog.skeleton import init_catalog

    is_catalog = directory.name == CONTENT_NAME or (directory / CATALOG_FILE).is_file()
    catalog = directory if is_catalog else directory / CONTENT_NAME
    created = init_catalog(catalog, artist)
    for path in created:
        console.print(f"created {path}")
    if not created:
        console.print(f"{catalog} already has a catalog; nothing changed")
    project = catalog.parent
    go = "" if project == Path(".") else f"cd {project} && "
    console.print(
        f"\nNext: put a release folder with audio in {catalog / 'releases'}/, then "
        f"`{go}tunecamp build` (and `tunecamp serve` to preview it)."
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
    content: Path | None,
    content_opt: Path | None,
    output: Path | None,
    no_transcode: bool,
    jobs: int | None,
    verbose: bool,
    clean: bool,
    data_dir: Path | None,
    force: bool,
) -> None:
    """Build the static site of the catalog (DIR, or --content; see `tunecamp --help`).

    The site replaces OUTPUT whole, so OUTPUT must be a new or empty folder or a site TuneCamp
    built; it can never be the content folder, a folder around it, or the data folder.
    """
    from tunecamp.generator.build import build as run_build
    from tunecamp.generator.options import BuildOptions

    content = catalog_folder(content, content_opt)
    output = output_folder(output, content)
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
            f"nothing changed since the last build of {output}/ ({plural(s.releases, 'release', 'releases')}, "
            f"{plural(s.tracks, 'track', 'tracks')}); use --clean to rebuild anyway"
        )
    else:
        console.print(
            f"built {plural(s.releases, 'release', 'releases')}, {plural(s.tracks, 'track', 'tracks')} "
            f"into {output}/ in {report.seconds:.1f} s"
            + (f" ({stats.written} written, {stats.unchanged} unchanged)" if stats else "")
        )
    if report.catalog is not None and not report.catalog.config.daemon_url:
        console.print(
            "no daemon_url in catalog.yaml: no ActivityPub documents, the site cannot be followed from the fediverse"
        )
    for slug in s.drafts:
        console.print(
            f"  draft, not built: {slug}  (publish with `tunecamp publish {slug}{content_flag(content)}`)"
        )
    if not report.ok:
        console.print(
            f"[red]{plural(len(report.problems.errors), 'problem', 'problems')}: the files above were "
            "skipped or partly ignored[/red]"
        )


@cli.command()
@CONTENT
@OUTPUT
@NO_TRANSCODE
@DATA
@FORCE
def watch(
    content: Path | None,
    content_opt: Path | None,
    output: Path | None,
    no_transcode: bool,
    data_dir: Path | None,
    force: bool,
) -> None:
    """Build the catalog, then rebuild on every change until Ctrl-C.

    After the first build only what a change reaches is rebuilt: an edited release's pages,
    the listings that show it, the feeds and catalog.json.
    """
    import threading

    from tunecamp.generator.buildstate import watched_roots
    from tunecamp.generator.options import BuildOptions
    from tunecamp.generator.session import BuildSession
    from tunecamp.generator.watch import watch as run_watch

    content = catalog_folder(content, content_opt)
    output = output_folder(output, content)
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
        state = (
            "[green]ok[/green]"
            if report.ok
            else f"[red]{plural(len(report.problems.errors), 'problem', 'problems')}[/red]"
        )
        what = f" ({report.stats.written} written)" if report.stats else ""
        console.print(f"rebuilt {output}/ in {report.seconds * 1000:.0f} ms{what}: {state}")
        for slug in sorted(set(report.summary.drafts) - drafts):
            console.print(
                f"  {slug} is a draft: nothing of it is published; when it is ready, run "
                f"`tunecamp publish {slug}{content_flag(content)}`"
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


def content_flag(content: Path) -> str:
    """` -c DIR` for a command to print, or nothing when run from here the catalog is found anyway."""
    from tunecamp.generator.catalog.location import CatalogNotFound, find_catalog

    try:
        if find_catalog(None).resolve() == content.resolve():
            return ""
    except CatalogNotFound:
        pass
    return f" -c {content}"


CONTENT_OPTION = click.option(
    "-c", "--content", type=click.Path(file_okay=False, path_type=Path), default=None, help=CONTENT_HELP
)
ALL_DRAFTS = click.option("--all-drafts", is_flag=True, help="Every release that is a draft now.")
BUILD_AFTER = click.option(
    "--build", "build_after", is_flag=True, help="Build the site once afterwards (as `tunecamp build`)."
)


def _set_status(
    content: Path | None, releases: tuple[str, ...], status: str, all_drafts: bool
) -> tuple[Path, bool]:
    """Change the releases' status, print each change, and say how the site catches up."""
    from tunecamp.generator.catalog.publish import PublishError, publish_many

    if not releases and not all_drafts:
        raise click.UsageError(
            "name at least one release (a slug or a glob such as 'live-*'), or --all-drafts"
        )
    folder = catalog_folder(content)
    try:
        result = publish_many(folder, releases, status, all_drafts=all_drafts)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    for change in result.changed:
        console.print(f"{change.slug}: {change.before} -> {status}  ({escape(str(change.meta))})")
    for slug in result.unchanged:
        console.print(f"{slug}: already {status}, unchanged")
    if not result.changed:
        console.print("nothing changed" if result.unchanged else "no draft to change")
    return folder, bool(result.changed)


def _after(folder: Path, changed: bool, build_after: bool) -> None:
    if build_after:
        ctx = click.get_current_context()
        ctx.invoke(build, content=folder)
    elif changed:
        console.print(
            "a running `tunecamp serve` or `tunecamp watch` rebuilds the site once by itself; "
            f"otherwise run `tunecamp build{content_flag(folder)}`"
        )


@cli.command()
@click.argument("releases", nargs=-1)
@CONTENT_OPTION
@click.option("--unlisted", is_flag=True, help="Reachable by URL but listed nowhere.")
@ALL_DRAFTS
@BUILD_AFTER
def publish(
    releases: tuple[str, ...], content: Path | None, unlisted: bool, all_drafts: bool, build_after: bool
) -> None:
    """Publish the draft RELEASES: slugs, or globs such as 'live-*' (quote them).

    Only the named releases' release.yaml files are read and changed: one line each.
    """
    folder, changed = _set_status(content, releases, "unlisted" if unlisted else "published", all_drafts)
    _after(folder, changed, build_after)


@cli.command()
@click.argument("releases", nargs=-1, required=True)
@CONTENT_OPTION
@BUILD_AFTER
def unpublish(releases: tuple[str, ...], content: Path | None, build_after: bool) -> None:
    """Turn RELEASES (slugs or globs) back into drafts: they leave the site at the next build."""
    folder, changed = _set_status(content, releases, "draft", False)
    _after(folder, changed, build_after)


cli.add_command(cache)
