"""Builds that remember: the first in full (or resumed), then only what each change reached.

A watch session (`tunecamp watch`, the daemon's watcher) keeps one `BuildSession`. Its first
build is `build.build`'s (skipped, resumed from the last build's snapshot, or in full), except
that on a site the last build left as it is it writes nothing and only reads what it needs.
Between builds it holds what the last one made (the scan by release folder, the media, the
memo of views and fragments, which files each unit wrote); each later build with the paths a
watcher saw rebuilds what they reach (incremental.py), or runs every step again when they
reach further.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tunecamp.generator import steps
from tunecamp.generator.build import Outcome, building, full_build, resume
from tunecamp.generator.buildlock import BuildLocked, build_lock
from tunecamp.generator.buildstate import Inputs
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.incremental import Before, update
from tunecamp.generator.job import Job
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.problems import Problems
from tunecamp.generator.report import BuildReport
from tunecamp.generator.site.context import Site
from tunecamp.generator.snapshot import Built, LastBuild, save_build
from tunecamp.generator.units import SITE, TEMPLATES, render_unit


class BuildSession:
    def __init__(
        self,
        content_dir: Path,
        out_dir: Path,
        options: BuildOptions,
        *,
        watching: bool = False,
        publish_errors: bool = True,
    ) -> None:
        """`watching`: more builds will follow, so a site found up to date is still read into memory.

        `publish_errors=False` (the daemon): a build with errors writes nothing, so the site stays
        the last good one until the next save fixes them (a first site is written anyway).
        """
        self.job = Job.of(content_dir, out_dir, options, publish_errors=publish_errors)
        self.watching = watching
        self.tag_index: TagIndex | None = None
        self.last: Built | None = None
        self.site: Site | None = None  # what the last build rendered from (theme, views, memo)
        self.pending: set[Path] = set()  # changes of builds that wrote nothing (errors, publish_errors off)
        # What the site on disk is made of, while known: kept up to date by incremental builds
        # (they digest the release folders they re-read), so `close` can leave a state and a
        # snapshot the next session resumes from. None after a template change (not tracked).
        self.inputs: Inputs | None = None
        self.report: BuildReport | None = None  # the last build that wrote the site
        self.unsaved = False  # incremental builds wrote since the last state was saved

    def build(
        self, changed: Iterable[Path] | None = None, *, on_locked: Callable[[BuildLocked], None] | None = None
    ) -> BuildReport:
        """Build; with `changed` (paths under content/ a watcher saw) only what they reach.

        One build at a time per output folder (buildlock.py): while another holds it, this raises
        `BuildLocked`, or, given `on_locked`, calls it and waits its turn.
        """
        with building(self.job, on_locked):
            started = time.perf_counter()
            if self.last is None:
                return self._first(started)
            if changed is not None:  # with what an unpublished build saw
                report = self._update(self.pending | set(changed), started)
                if report is not None:
                    return report
            self.pending = set()  # a full build sees everything
            inputs = self.job.inputs()
            return self._keep(full_build(self.job, inputs, self._tags(), started), inputs)

    def save(self) -> None:
        """After incremental builds, leave the state and snapshot of the site as it is now, so the
        next session or `tunecamp build` resumes from it instead of building in full."""
        if self.unsaved and self.inputs is not None and self.report is not None and self.last is not None:
            try:
                with build_lock(self.job.out_dir):
                    save_build(self.job, self.inputs, self.last, self.report)
                    self.unsaved = False
            except BuildLocked:  # another process is rewriting the site: its state will be the one
                pass

    def close(self) -> None:
        """Keep the tags read during the session, and what it built, for the next one."""
        self.save()
        if self.tag_index is not None and self.tag_index.misses:
            self.tag_index.save()

    def _first(self, started: float) -> BuildReport:
        """The session's first build: skipped, resumed from the last build's snapshot, or in full."""
        inputs = self.job.inputs()
        last = LastBuild.load(self.job)
        if last is not None and last.made_from(inputs):
            if not self.watching:
                return last.report(time.perf_counter() - started)
            return self._start_on(last, inputs, started)
        done = resume(self.job, last, inputs, self._tags(), started) if last is not None else None
        return self._keep(done or full_build(self.job, inputs, self._tags(), started), inputs)

    def _start_on(self, last: LastBuild, inputs: Inputs, started: float) -> BuildReport:
        """A watch session starting on the site as the last build left it: from its snapshot (no
        tag is read), else from the content, and writing nothing either way. The templates are
        compiled and the site unit's memo filled, so the first save is as quick as the next ones."""
        snapshot = last.snapshot()
        if snapshot is None:
            return self._keep(full_build(self.job, inputs, self._tags(), started, write=False), inputs)
        self.last, self.inputs = snapshot.built, snapshot.inputs
        self.site = steps.site(self.job, snapshot.built.scan.catalog, snapshot.built.media)
        self._warm(self.site)
        self._freeze()
        catalog, problems = snapshot.built.scan.catalog, Problems(list(last.state.problems))
        seconds = time.perf_counter() - started
        self.report = BuildReport(catalog, problems, None, seconds, last.state.summary)
        return self.report

    def _keep(self, outcome: Outcome, inputs: Inputs) -> BuildReport:
        """Hold what a first or full build made, for the builds that follow."""
        self.pending = set()  # a first or full build saw everything
        self.last, self.site = outcome.built, outcome.site
        if outcome.built is not None:
            self.inputs, self.report, self.unsaved = inputs, outcome.report, False
            if outcome.report.stats is None:  # read, not written: warm what the first save renders
                self._warm(outcome.site)
            outcome.site.memo.sweep()
            self._freeze()
        return outcome.report

    def _update(self, changed: set[Path], started: float) -> BuildReport | None:
        """Rebuild what `changed` reaches; None when only a full build will do."""
        assert self.last is not None and self.site is not None
        done = update(self.job, Before(self.last, self.site), changed, self._tags(), started)
        if done is None:
            return None
        if done.built is None:  # errors, not published: what this build saw comes along next time
            self.pending = changed
            return done.report
        done.site.memo.sweep()
        self.last, self.site, self.pending = done.built, done.site, set()
        self.inputs = (
            None
            if done.templates or self.inputs is None
            else self.inputs.with_folders(done.folders).with_data(done.data)
        )
        self.report, self.unsaved = done.report, True
        return done.report

    def _tags(self) -> TagIndex:
        if self.tag_index is None:
            self.tag_index = self.job.tag_index()
        return self.tag_index

    def _warm(self, site: Site) -> None:
        """Render the site unit without writing it: it fills the memo and compiles the templates,
        so the first save is as quick as the next ones."""
        render_unit(site, SITE)
        for names in TEMPLATES.values():
            for name in names:
                site.theme.env.get_template(name)

    def _freeze(self) -> None:
        if self.watching:
            # The catalog, views and memo are millions of long-lived objects: left to the collector,
            # each full collection walks them all (100+ ms in the middle of a rebuild at 10,000
            # tracks). Frozen, they are skipped; they hold no cycles, so nothing is kept for ever.
            gc.collect()
            gc.freeze()
