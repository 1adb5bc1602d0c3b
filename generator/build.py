"""The build: content/ in, a complete static site out.

    scan → media → site units → write

Each step is one call into a wing (steps.py): the catalog is read (catalog/), its audio and
pictures made (media/), and the site rendered unit by unit (site/, units.py) into a staging
folder swapped in atomically (output.py). `build` is one build as `tunecamp build` runs it;
a watch session (session.py) runs the same steps and keeps what they made between builds.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from tunecamp.generator import steps
from tunecamp.generator.buildlock import BuildLocked, build_lock
from tunecamp.generator.buildstate import Inputs
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.incremental import Before, update
from tunecamp.generator.job import Job
from tunecamp.generator.ledger import Ledger
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.output import write_site
from tunecamp.generator.report import BuildReport
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.pages import check_cover_descriptions
from tunecamp.generator.snapshot import Built, LastBuild, save_build
from tunecamp.generator.units import all_units


def build(content_dir: Path, out_dir: Path, options: BuildOptions | None = None) -> BuildReport:
    """Build the site of `content_dir` into `out_dir`, replacing it atomically.

    When no input changed since the last build into `out_dir` (and the output is the one it
    wrote), nothing is done and the last build's summary and problems are returned. When only
    release folders changed, the last build's snapshot lets it rebuild only what they reach
    (snapshot.py). Otherwise every step runs (`full_build`).
    """
    job = Job.of(content_dir, out_dir, options or BuildOptions())  # where it may write, checked first
    with kept_tags(job) as tags, building(job):
        started = time.perf_counter()
        inputs = job.inputs()
        last = LastBuild.load(job)
        if last is not None and last.made_from(inputs):
            return last.report(time.perf_counter() - started)  # nothing changed since
        done = resume(job, last, inputs, tags(), started) if last is not None else None
        return (done or full_build(job, inputs, tags(), started)).report


@dataclass(frozen=True)
class Outcome:
    report: BuildReport
    built: Built | None  # what the build leaves for the next one; None when it wrote nothing
    site: Site  # the render context it made


def full_build(job: Job, inputs: Inputs, tags: TagIndex, started: float, *, write: bool = True) -> Outcome:
    """Every step, in full; `inputs` are what it reads, digested before it read them.

    `write=False`: a watch session starting on the site its last build left reads what each
    unit wrote from disk instead of writing it again.
    """
    state = steps.scan(job, tags)  # content/ → the catalog
    catalog, problems = state.catalog, state.problems()
    media, media_problems = steps.media(job, catalog)  # its audio and pictures
    site = steps.site(job, catalog, media, problems)  # what every unit is rendered from
    check_cover_descriptions(catalog.public_releases, media, media_problems)
    problems.extend(media_problems)
    if problems.errors and not job.publish_errors and job.out_dir.exists():
        # the daemon's preview keeps the last good site until a save fixes the errors
        return Outcome(BuildReport.of(catalog, problems, None, started), None, site)
    ledger = Ledger()  # which files each unit wrote, for the builds that follow
    if write:
        units = ledger.recorded(itertools.chain(media.outputs, all_units(site)))  # lazily: never all held
        stats = write_site(units, job.out_dir, reuse=not job.options.clean)  # swapped in atomically
    else:
        ledger.read_site(job.out_dir)
        stats = None
    report = BuildReport.of(catalog, problems, stats, started)
    built = replace(ledger.built(state, media, media_problems.items), federation=site.federation)
    if stats is not None:
        save_build(job, inputs, built, report)
    return Outcome(report, built, site)


def resume(job: Job, last: LastBuild, inputs: Inputs, tags: TagIndex, started: float) -> Outcome | None:
    """Rebuild from the last build's snapshot what the release folders changed since then reach;
    None when anything else changed, or the snapshot cannot be trusted or read."""
    snapshot = last.snapshot()
    folders = snapshot.changed_folders(inputs, job.content_dir / "releases") if snapshot else None
    if snapshot is None or folders is None:
        return None
    data = {job.data_path(name) for name in snapshot.changed_data(inputs)}  # the daemon's exports
    site = steps.site(job, snapshot.built.scan.catalog, snapshot.built.media)
    done = update(job, Before(snapshot.built, site), folders | data, tags, started)
    if done is None or done.built is None:
        return None
    save_build(job, inputs, done.built, done.report)
    return Outcome(done.report, done.built, done.site)


@contextlib.contextmanager
def building(job: Job, on_locked: Callable[[BuildLocked], None] | None = None) -> Iterator[None]:
    """One build at a time per output (buildlock.py): raise `BuildLocked`, or call `on_locked` and wait.

    An `OSError` (a full disk, a file where a folder should be) is noted with the build it stopped.
    """
    with build_lock(job.out_dir, on_wait=on_locked):
        try:
            yield
        except OSError as exc:
            exc.add_note(f"while building {job.out_dir}: the site there is as it was")
            raise


@contextlib.contextmanager
def kept_tags(job: Job) -> Iterator[Callable[[], TagIndex]]:
    """The tag index, read when first asked for (a skipped build reads none) and saved once the
    build is over, failed or not, when it learnt tags the index did not have."""
    index: list[TagIndex] = []

    def tags() -> TagIndex:
        if not index:
            index.append(job.tag_index())
        return index[0]

    try:
        yield tags
    finally:
        if index and index[0].misses:
            index[0].save()
