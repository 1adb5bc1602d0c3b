"""Where a build may write: never over the catalog, the data folder or a folder that is not a site.

A build replaces its output folder whole. The original TuneCamp server deleted its users' music
at start-up by doing that to the wrong folder, so every build (the CLI, the daemon's watcher and
its worker, `tunecamp serve` at start-up) first checks its folders, after resolving symlinks:

- the output folder must not equal, contain or lie inside the content folder;
- it must not equal or contain the data folder, nor overlap one of the data folder's stores
  (the database, the build cache, the private downloads). A site inside the data folder beside
  them, as the Docker image's /data/public, is fine;
- an existing, non-empty output folder must carry the marker every build writes into its site
  (`.tunecamp-site`); `--force` lifts this rule, and only this one.

The data folder defaults to `data/` beside the content folder, the layout `tunecamp serve` uses
(content/, data/, public/ side by side): never inside the output folder, so paid downloads and
caches are not deployed with the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.output import Output

MARKER = ".tunecamp-site"
MARKER_TEXT = (
    b"This folder is a site built by TuneCamp (https://tunecamp.org).\n"
    b"`tunecamp build` replaces it whole: keep nothing here that the build does not make.\n"
)


class UnsafeFolders(ValueError):
    """A build asked to write where it would destroy something; the message names both folders."""


@dataclass(frozen=True)
class Folders:
    """The folders a build touches, resolved (symlinks followed)."""

    content: Path
    output: Path
    data: Path
    stores: tuple[Path, ...]  # inside (or beside) the data folder: never written over by a site

    @classmethod
    def of(cls, content: Path, output: Path, data: Path, stores: tuple[Path, ...]) -> Folders:
        return cls(content.resolve(), output.resolve(), data.resolve(), tuple(s.resolve() for s in stores))


def default_data_dir(content_dir: Path) -> Path:
    """`data/` beside the content folder: where `tunecamp serve` keeps it too when run from their parent."""
    return content_dir.resolve().parent / "data"


def marker_output() -> Output:
    return Output(MARKER, data=MARKER_TEXT)


def check_folders(folders: Folders, *, force: bool = False) -> None:
    """Raise `UnsafeFolders` when building into `folders.output` could destroy anything else."""
    out, content, data = folders.output, folders.content, folders.data
    if _overlap(out, content):
        where = "is" if out == content else "contains" if content.is_relative_to(out) else "is inside"
        raise UnsafeFolders(
            f"refusing to build into {out}: it {where} the content folder {content}, and a build "
            "replaces its output folder whole; choose another output folder (-o)"
        )
    if data.is_relative_to(out):
        where = "is" if out == data else "contains"
        raise UnsafeFolders(
            f"refusing to build into {out}: it {where} the data folder {data} (database, caches, paid "
            "downloads), which must never be replaced nor deployed; choose another output or data folder"
        )
    for store in folders.stores:
        if _overlap(out, store):
            raise UnsafeFolders(
                f"refusing to build into {out}: it overlaps {store}, where the data folder keeps its "
                "database, cache or private downloads; choose another output folder"
            )
    if not force and not is_site_or_empty(out):
        raise UnsafeFolders(
            f"refusing to build into {out}: the folder is not empty and is not a site TuneCamp built "
            f"(it has no {MARKER}), so building would delete what is in it. Choose an empty or new "
            "folder, or pass --force if this folder really is yours to replace"
        )


def is_site_or_empty(out: Path) -> bool:
    """True for a missing or empty folder, one with the marker, or a site built before the marker."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    if (out / MARKER).is_file() or not any(out.iterdir()):
        return True
    return _built_before_the_marker(out)


def _built_before_the_marker(out: Path) -> bool:
    """Sites built before the marker existed: their catalog.json names its TuneCamp schema."""
    try:
        with (out / "catalog.json").open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return '"schema_version"' in text and "catalog.schema.json" in text and (out / "index.html").is_file()


def _overlap(a: Path, b: Path) -> bool:
    return a.is_relative_to(b) or b.is_relative_to(a)
