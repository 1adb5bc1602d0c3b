"""What a build leaves for the next one: the scan, the media, and which files each unit wrote.

`tunecamp build` runs in a fresh process. To rebuild only what changed since the last build, it
needs that build's catalog and media: they are pickled beside the build state, with a digest of
every release folder's files and one of everything else, taken before that build read anything.
The next build uses the snapshot only when the build state says the site on disk is the one
the snapshot describes (an interrupted build removes the state first: its snapshot is never
trusted) and nothing but release folders changed; the folders whose digest moved are read
again, as if a watcher had seen them. Anything else, or a snapshot that cannot be read, and the
build runs in full. The cache folder is the build's own, as for the tag index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.buildstate import Inputs
from tunecamp.generator.cachefile import load_pickle, save_pickle
from tunecamp.generator.catalog.scan import ScanState
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problem
from tunecamp.generator.units import Unit

FORMAT = 1


@dataclass(frozen=True)
class Built:
    """What a build leaves for the next one to start from."""

    scan: ScanState
    media: Media
    media_problems: tuple[Problem, ...]
    media_files: dict[Unit, tuple[Output, ...]]  # public media files by unit
    private_files: dict[str, tuple[Output, ...]]  # protected files by release slug
    manifest: dict[Unit, frozenset[str]]  # the files each unit wrote


@dataclass(frozen=True)
class Snapshot:
    inputs: Inputs  # as that build found them, before reading
    built: Built

    def changed_folders(self, now: Inputs, releases_dir: Path) -> set[Path] | None:
        """The release folders whose files changed since; None when anything else changed."""
        if now.rest != self.inputs.rest:
            return None
        before, after = self.inputs.folders, now.folders
        return {
            releases_dir / name
            for name in before.keys() | after.keys()
            if before.get(name) != after.get(name)
        }

    def save(self, path: Path) -> None:
        save_pickle(path, FORMAT, self)

    @classmethod
    def load(cls, path: Path) -> Snapshot | None:
        snapshot = load_pickle(path, FORMAT)
        return snapshot if isinstance(snapshot, cls) else None
