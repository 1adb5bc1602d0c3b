"""`tunecamp cache gc|verify`: looking after the build cache between builds (media/cachemaint.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from tunecamp.generator.cli_options import CONTENT, DATA, catalog_folder, console
from tunecamp.generator.words import plural


@click.group()
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
def cache_gc(
    content: Path | None, content_opt: Path | None, data_dir: Path | None, cache_dir: Path | None
) -> None:
    """Remove what no file of the catalog needs any more. Run it between builds, not during one."""
    from tunecamp.generator.media.cachemaint import cache_gc as run_gc

    content = catalog_folder(content, content_opt)
    stats = run_gc(content, _cache_dir(content, data_dir, cache_dir))
    console.print(
        f"removed {plural(stats.removed, 'file', 'files')} ({stats.removed_bytes / 1e6:.1f} MB), "
        f"kept {stats.kept:,} ({stats.kept_bytes / 1e6:.1f} MB)"
    )


@cache.command("verify")
@CONTENT
@DATA
@CACHE_DIR
def cache_verify(
    content: Path | None, content_opt: Path | None, data_dir: Path | None, cache_dir: Path | None
) -> None:
    """Check every file of the media cache against the size and hash recorded when it was made.

    A damaged file is removed, so the next build makes it again, and named with the file of CONTENT
    it was made from; the command then exits with 1. Run it between builds, not during one.
    """
    from tunecamp.generator.buildstate import forget_builds
    from tunecamp.generator.catalog.location import CatalogNotFound, find_catalog
    from tunecamp.generator.media.cachemaint import cache_verify as run_verify

    try:  # without a catalog the damaged files are still found, only not named by their source
        catalog: Path | None = find_catalog(content or content_opt)
    except CatalogNotFound:
        catalog = None
    folder = _cache_dir(catalog or Path("content"), data_dir, cache_dir)
    stats = run_verify(catalog, folder)
    if stats.damaged:  # the site holds the same damaged files (hard links): a skipped build would keep them
        forget_builds(folder)
    for d in stats.damaged:
        made_from = f", made from {d.source}" if d.source else ""
        console.print(
            f"[red]damaged[/red] {escape(str(d.path))}{escape(made_from)}: {d.reason}; "
            "removed, the next build makes it again"
        )
    console.print(
        f"checked {plural(stats.checked, 'file', 'files')} ({stats.checked_bytes / 1e6:.1f} MB): "
        f"{len(stats.damaged)} damaged"
        + (f", {stats.recorded} made by an older TuneCamp recorded as they are" if stats.recorded else "")
    )
    if stats.damaged:
        sys.exit(1)
