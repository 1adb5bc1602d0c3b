"""Where the catalog is: one rule for every command (build, watch, serve, publish, user, cache).

The catalog folder is the one holding catalog.yaml. Without --content it is the current folder
when it has a catalog.yaml, else ./content. With --content DIR (or `build DIR`) it is DIR, or
DIR/content when only that holds a catalog.yaml, so the folder `tunecamp init` made works both ways.
The site (public/) and the data folder (data/) sit beside the catalog folder unless given:
content/, public/ and data/ side by side, the layout `tunecamp init` makes and `serve` uses.
"""

from __future__ import annotations

from pathlib import Path

CATALOG_FILE = "catalog.yaml"
CONTENT = "content"


class CatalogNotFound(ValueError):
    """No catalog where the command looked; the message says where it looked and what to do."""


def find_catalog(given: Path | None, here: Path | None = None) -> Path:
    """The catalog folder for `given` (the --content option, None when not given)."""
    if given is not None:
        if (given / CATALOG_FILE).is_file() or not (given / CONTENT / CATALOG_FILE).is_file():
            if not given.is_dir():
                raise CatalogNotFound(
                    f"{given} is not a folder; create a catalog with `tunecamp init {given}`"
                )
            return given
        return given / CONTENT
    cwd = here if here is not None else Path(".")
    if (cwd / CATALOG_FILE).is_file():
        return cwd
    if (cwd / CONTENT).is_dir():
        return cwd / CONTENT
    where = cwd.resolve()
    raise CatalogNotFound(
        f"no catalog in {where}: it has no {CATALOG_FILE} and no {CONTENT}/ folder; run the command "
        f"in the folder `tunecamp init` made, pass --content DIR, or create one with `tunecamp init`"
    )


def beside(catalog: Path, name: str) -> Path:
    """`name` (public, data) beside the catalog folder, as a path relative to here when it can be."""
    if catalog == Path(".") or catalog.resolve() == Path.cwd().resolve():
        return Path("..") / name
    return catalog.parent / name if catalog.parent != catalog else Path(name)
