"""What a build leaves for the next one: the scan, the media, and which files each unit wrote.

`tunecamp build` runs in a fresh process. To rebuild only what changed since the last build, it
needs that build's catalog and media: they are pickled beside the build state, with a digest of
every release folder's files and one of everything else, taken before that build read anything.
The next build uses the snapshot only when the build state says the site on disk is the one
the snapshot describes (an interrupted build removes the state first: its snapshot is never
trusted) and nothing but release folders changed; the folders whose digest moved are read
again, as if a watcher had seen them. Anything else, or a snapshot that cannot be read (one
pickled by another version of TuneCamp names classes that moved: cachefile.py reads it as
missing), and the build runs in full. The cache folder is the build's own, as for the tag index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tunecamp.generator.buildstate import BuildState, Inputs, output_identity
from tunecamp.generator.cachefile import load_pickle, save_pickle
from tunecamp.generator.catalog.scan import ScanState
from tunecamp.generator.job import Job
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problem, Problems
from tunecamp.generator.report import BuildReport
from tunecamp.generator.site.activitypub.inputs import FederationInputs
from tunecamp.generator.units import Unit, owner

FORMAT = 2
K = TypeVar("K")


@dataclass(frozen=True)
class Built:
    """What a build leaves for the next one to start from."""

    scan: ScanState
    media: Media
    media_problems: tuple[Problem, ...]
    media_files: dict[Unit, tuple[Output, ...]]  # public media files by unit
    private_files: dict[str, tuple[Output, ...]]  # protected files by release slug
    manifest: dict[Unit, frozenset[str]]  # the files each unit wrote
    # what the daemon had exported when the site was rendered (keys, likes, replies): the next
    # build renders again the pages whose part of it changed
    federation: FederationInputs = field(default_factory=FederationInputs)

    @classmethod
    def of(
        cls, scan: ScanState, media: Media, media_problems: Iterable[Problem], manifest: dict[Unit, set[str]]
    ) -> Built:
        """The record of a full build, its media files grouped by unit and by release."""
        files = {unit: frozenset(paths) for unit, paths in manifest.items()}
        by_unit, by_release = outputs_by_unit(media.outputs), outputs_by_release(media.private_outputs)
        return cls(scan, media, tuple(media_problems), by_unit, by_release, files)


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

    def changed_data(self, now: Inputs) -> set[str]:
        """The data files (the daemon's exports) whose digest moved since, by name."""
        before, after = self.inputs.data, now.data
        return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}

    def save(self, path: Path) -> None:
        save_pickle(path, FORMAT, self)

    @classmethod
    def load(cls, path: Path) -> Snapshot | None:
        snapshot = load_pickle(path, FORMAT)
        return snapshot if isinstance(snapshot, cls) else None


@dataclass(frozen=True)
class LastBuild:
    """The last build into a job's output, as its state file tells it."""

    state: BuildState
    snapshot_file: Path

    @classmethod
    def load(cls, job: Job) -> LastBuild | None:
        """None when there is none to go by: no state, `--clean`, or an output it did not leave."""
        state = None if job.options.clean else BuildState.load(job.state_file)
        if state is None or state.output != output_identity(job.out_dir):
            return None
        return cls(state, job.snapshot_file)

    def made_from(self, inputs: Inputs) -> bool:
        return self.state.inputs == inputs.digest

    def report(self, seconds: float) -> BuildReport:
        """Its report again, for a build that found nothing changed (so it fails the same way)."""
        return BuildReport(None, Problems(list(self.state.problems)), None, seconds, self.state.summary)

    def snapshot(self) -> Snapshot | None:
        """Its snapshot, when it describes the site the state names."""
        snapshot = Snapshot.load(self.snapshot_file)
        return snapshot if snapshot is not None and snapshot.inputs.digest == self.state.inputs else None


def save_build(job: Job, inputs: Inputs, built: Built, report: BuildReport) -> None:
    """The build state, and the snapshot the next build can resume from."""
    state = BuildState(
        inputs.digest, output_identity(job.out_dir), report.summary, tuple(report.problems.items)
    )
    Snapshot(inputs, built).save(job.snapshot_file)
    state.save(job.state_file)  # last: the snapshot is trusted only with a state naming its inputs


def outputs_by_unit(outputs: Iterable[Output]) -> dict[Unit, tuple[Output, ...]]:
    return _grouped(outputs, owner)


def outputs_by_release(outputs: Iterable[Output]) -> dict[str, tuple[Output, ...]]:
    """Protected files by release: their paths in the private store start with its slug."""
    return _grouped(outputs, lambda path: path.split("/", 1)[0])


def _grouped(outputs: Iterable[Output], key: Callable[[str], K]) -> dict[K, tuple[Output, ...]]:
    groups: dict[K, list[Output]] = defaultdict(list)
    for out in outputs:
        groups[key(out.path)].append(out)
    return {k: tuple(group) for k, group in groups.items()}
