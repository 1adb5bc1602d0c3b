"""What the generator's commands share: the console they print on, their options, and the one
rule that finds the catalog folder (and the site folder beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

console = Console(stderr=True, highlight=False, soft_wrap=True)
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the site is written (replaced atomically) [default: public/ beside the catalog folder].",
)
NO_TRANSCODE = click.option(
    "--no-transcode", is_flag=True, help="Link web-playable sources as they are (quick previews)."
)
CONTENT_HELP = (
    "The catalog folder (holding catalog.yaml) [default: the current folder when it has a "
    "catalog.yaml, else ./content]."
)


def CONTENT(command: Any) -> Any:
    """`-c/--content DIR`, and `DIR` as an argument too (`tunecamp build DIR` as before)."""
    command = click.option(
        "-c", "--content", "content_opt", type=click.Path(file_okay=False, path_type=Path), help=CONTENT_HELP
    )(command)
    return click.argument(
        "content", type=click.Path(file_okay=False, path_type=Path), required=False, metavar="[DIR]"
    )(command)


def catalog_folder(content: Path | None, content_opt: Path | None = None) -> Path:
    """The catalog folder by the one rule (location.py), or a one-line error saying where it looked."""
    from tunecamp.generator.catalog.location import CatalogNotFound, find_catalog

    if content is not None and content_opt is not None and content != content_opt:
        raise click.UsageError(f"two catalog folders given ({content} and --content {content_opt}); give one")
    try:
        return find_catalog(content if content is not None else content_opt)
    except CatalogNotFound as exc:
        raise click.ClickException(str(exc)) from None


def output_folder(output: Path | None, catalog: Path) -> Path:
    from tunecamp.generator.catalog.location import beside

    return output if output is not None else beside(catalog, "public")


DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TUNECAMP_DATA_DIR",
    help="Build cache and private downloads [default: $TUNECAMP_DATA_DIR, else data/ beside the catalog folder].",
)
FORCE = click.option(
    "--force",
    is_flag=True,
    help="Build into a non-empty folder that holds no TuneCamp site (its files are deleted). "
    "Never allowed over the content or data folder.",
)
