"""Builds that remember: the first in full, then only what each change reached.

    full:        scan → media → every unit → write_site (staging folder, swapped in)
    incremental: rescan the changed release folders → their media → the units they reach
                 → write_in_place (changed files written aside, then renamed in)

A watch session keeps one `BuildSession`; `tunecamp build` uses a fresh one, which resumes from
the last build's snapshot when only release folders changed (snapshot.py). Between builds it
holds the scan (by release folder), the media, the memo of views and fragments, and which files
each unit wrote. What a change reaches (`reached`, `using`):

- the changed releases' units (pages, embeds, oEmbed, Media RSS, playlist, media files);
- the units of every artist and tag they had before or have now;
- release pages that show whether a tag has a page or an artist is listed, when that flipped;
- the site unit (home, tags, search, feeds, podcast, catalog playlist, catalog.json, sitemap);
- for a changed template, every unit with a page made from it (or from one that uses it).

Any other change (catalog.yaml, artists/, a theme's static files, a new artist) takes the full
path. Before an incremental build renames its files in, it removes the build-state file (the
journal): one killed among the renames leaves no state, so the next build runs in full and
repairs the site; one killed while rendering left the site, and the state, as they were.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tunecamp.generator.buildlock import BuildLocked, build_lock
from tunecamp.generator.buildstate import (
    BuildState,
    Inputs,
    Summary,
    folder_digest,
    output_identity,
    read_inputs,
)
from tunecamp.generator.catalog.model import Catalog, Release
from tunecamp.generator.catalog.scan import ScanState, rescan, scan_state
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.folders import Folders, check_folders, default_data_dir
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output, write_in_place, write_site
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.genres import release_tags
from tunecamp.generator.site.memo import Memo
from tunecamp.generator.site.render import Site, check_cover_descriptions, make_site
from tunecamp.generator.snapshot import Built, Snapshot
from tunecamp.generator.units import SITE, TEMPLATES, Unit, all_units, owner, render_unit

if TYPE_CHECKING:
    from tunecamp.generator.build import BuildOptions, BuildReport

K = TypeVar("K")


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
        from tunecamp.generator.build import state_file  # build.py imports this module

        self.content_dir, self.out_dir = content_dir.resolve(), out_dir.resolve()
        self.options = options
        self.data_dir = (options.data_dir or default_data_dir(self.content_dir)).resolve()
        self.cache_dir = (options.cache_dir or self.data_dir / "cache").resolve()
        self.private_dir = (options.private_dir or self.data_dir / "private").resolve()
        stores = (self.cache_dir, self.private_dir, self.data_dir / "tunecamp.db")
        check_folders(Folders.of(self.content_dir, self.out_dir, self.data_dir, stores), force=options.force)
        self.state_file = state_file(self.cache_dir, self.out_dir)
        self.snapshot_file = self.state_file.with_suffix(".pickle")
        self.tag_index: TagIndex | None = None
        self.last: Built | None = None
        self.site: Site | None = None  # what the last build rendered from (theme, views, memo)
        self.watching = watching
        self.publish_errors = publish_errors
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
        with build_lock(self.out_dir, on_wait=on_locked):
            started = time.perf_counter()
            try:
                if self.last is None:
                    return self._first(started)
                if changed is not None:  # with what an unpublished build saw
                    report = self._update(self.pending | set(changed), started)
                    if report is not None:
                        return report
                return self._full(started, self._inputs())
            except OSError as exc:  # a full disk, a file where a folder should be: say which build stopped
                exc.add_note(f"while building {self.out_dir}: the site there is as it was")
                raise

    def _first(self, started: float) -> BuildReport:
        """The session's first build: skipped, resumed from the last build's snapshot, or in full."""
        from tunecamp.generator.build import BuildReport

        inputs = self._inputs()
        previous = None if self.options.clean else BuildState.load(self.state_file)
        if previous is None or previous.output != output_identity(self.out_dir):
            return self._full(started, inputs)
        up_to_date = previous.inputs == inputs.digest
        if up_to_date and not self.watching:
            return BuildReport(None, Problems(list(previous.problems)), None, time.perf_counter() - started,
                               previous.summary)  # fmt: skip
        snapshot = Snapshot.load(self.snapshot_file)
        if snapshot is not None and snapshot.inputs.digest == previous.inputs:
            if up_to_date:  # a watch session starting on the site as the last build left it
                return self._resume(snapshot, previous, started)
            folders = snapshot.changed_folders(inputs, self.content_dir / "releases")
            if folders is not None:
                self.last, self.site = snapshot.built, self._site_of(snapshot.built)
                report = self._update(folders, started)
                if report is not None and report.stats is not None:
                    self._save(inputs, report)
                    self._freeze()
                    return report
                self.last = None
        return self._full(started, inputs, up_to_date=up_to_date)

    def _resume(self, snapshot: Snapshot, previous: BuildState, started: float) -> BuildReport:
        """Start from the last build's snapshot, writing nothing; the first save is then as quick
        as the next ones (the templates are compiled, the site unit's memo filled)."""
        from tunecamp.generator.build import BuildReport

        self.last, self.site, self.inputs = snapshot.built, self._site_of(snapshot.built), snapshot.inputs
        self._warm(self.site)
        self._freeze()
        problems = Problems(list(previous.problems))
        seconds = time.perf_counter() - started
        self.report = BuildReport(self.last.scan.catalog, problems, None, seconds, previous.summary)
        return self.report

    def _update(self, changed: set[Path], started: float) -> BuildReport | None:
        """Rebuild what `changed` reaches; None when only a full build will do."""
        assert self.last is not None and self.site is not None
        split = _split(changed, self.last, self.site)
        if split is None:
            return None
        content, templates = split
        releases = self.content_dir / "releases"
        names = {p.relative_to(releases).parts[0] for p in content}
        # digested before they are read: a save during the build makes the next one read it again
        digests = {name: folder_digest(self.content_dir, name) for name in names}
        state = rescan(self.last.scan, content, tag_reader=self._tags().read) if content else self.last.scan
        if state is None:
            return None
        report = self._incremental(self.last, self.site, state, templates, changed, started)
        if report.stats is not None:
            self.inputs = None if templates or self.inputs is None else self.inputs.with_folders(digests)
            self.report, self.unsaved = report, True
        return report

    def _inputs(self) -> Inputs:
        from tunecamp.generator.build import input_roots

        o = self.options
        extra = repr((o.transcode, o.extra_head, o.private_dir, self.cache_dir))
        return read_inputs(input_roots(self.content_dir), self.content_dir, extra=extra)

    def _site_of(self, built: Built) -> Site:
        catalog = built.scan.catalog
        return make_site(catalog, built.media, Urls(catalog.config.base_url),
                         extra_head=self.options.extra_head, memo=Memo())  # fmt: skip

    def _save(self, inputs: Inputs, report: BuildReport) -> None:
        """The build state, and the snapshot the next build can resume from (see snapshot.py)."""
        assert self.last is not None
        problems = tuple(report.problems.items)
        state = BuildState(inputs.digest, output_identity(self.out_dir), report.summary, problems)
        Snapshot(inputs, self.last).save(self.snapshot_file)
        state.save(self.state_file)  # last: the snapshot is trusted only with a state naming its inputs
        self.inputs, self.report, self.unsaved = inputs, report, False

    def save(self) -> None:
        """After incremental builds, leave the state and snapshot of the site as it is now, so the
        next session or `tunecamp build` resumes from it instead of building in full."""
        if self.unsaved and self.inputs is not None and self.report is not None and self.last is not None:
            try:
                with build_lock(self.out_dir):
                    self._save(self.inputs, self.report)
            except BuildLocked:  # another process is rewriting the site: its state will be the one
                pass

    def close(self) -> None:
        """Keep the tags read during the session, and what it built, for the next one."""
        self.save()
        if self.tag_index is not None and self.tag_index.misses:
            self.tag_index.save()

    # -- full ------------------------------------------------------------------------------------

    def _tags(self) -> TagIndex:
        if self.tag_index is None:
            path = self.cache_dir / "tags.pickle"
            self.tag_index = TagIndex(path) if self.options.clean else TagIndex.load(path)
        return self.tag_index

    def _full(self, started: float, inputs: Inputs, up_to_date: bool = False) -> BuildReport:
        """Everything, written through a staging folder; `up_to_date`: read the site, write nothing."""
        from tunecamp.generator.build import BuildReport, make_media

        self.pending = set()  # a full build sees everything
        options = self.options
        tags = self._tags()
        state = scan_state(self.content_dir, tag_reader=tags.read)
        tags.save()
        catalog, problems = state.catalog, state.problems()
        media_problems = Problems()
        media = make_media(catalog, options, self.cache_dir, self.private_dir, media_problems)
        site = make_site(catalog, media, Urls(catalog.config.base_url), problems=problems,
                         extra_head=options.extra_head, memo=Memo())  # fmt: skip
        check_cover_descriptions(catalog.public_releases, media, media_problems)
        problems.extend(media_problems)
        manifest: dict[Unit, set[str]] = defaultdict(set)

        def recorded(outputs: Iterable[Output]) -> Iterator[Output]:
            seen: set[str] = set()
            for out in outputs:
                if out.path in seen:  # a bug in the generator, not in content: fail loudly
                    raise RuntimeError(f"two outputs claim {out.path}")
                seen.add(out.path)
                manifest[owner(out.path)].add(out.path)
                yield out

        summary = _summary(catalog)
        stats = None
        if problems.errors and not self.publish_errors and self.out_dir.exists():
            self.last = None  # the site on disk is not this catalog's: the next build starts afresh
            return BuildReport(catalog, problems, None, time.perf_counter() - started, summary)
        if up_to_date:  # a watch session starting on a built site: what each unit wrote is on disk
            for path in _site_files(self.out_dir):
                manifest[owner(path)].add(path)
            self._warm(site)
        else:
            outputs = recorded(itertools.chain(media.outputs, all_units(site)))  # lazily: never all held
            stats = write_site(outputs, self.out_dir, reuse=not options.clean)
        self.last = Built(
            state, media, tuple(media_problems.items), _by_unit(media.outputs),
            _by_release(media.private_outputs), {u: frozenset(p) for u, p in manifest.items()},
        )  # fmt: skip
        self.site = site
        report = BuildReport(catalog, problems, stats, time.perf_counter() - started, summary)
        if stats is not None:
            self._save(inputs, report)
        elif up_to_date:
            self.inputs, self.report = inputs, report
        site.memo.sweep()
        self._freeze()
        return report

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

    # -- incremental -----------------------------------------------------------------------------

    def _incremental(
        self,
        last: Built,
        before_site: Site,
        state: ScanState,
        templates: set[str],
        changes: set[Path],
        started: float,
    ) -> BuildReport:
        from tunecamp.generator.build import BuildReport, make_media

        before, after = last.scan.catalog, state.catalog
        old = {r.slug: r for r in before.public_releases}
        new = {r.slug: r for r in after.public_releases}
        changed = {s for s in old.keys() | new.keys() if old.get(s) is not new.get(s)}
        gone = [old[s] for s in changed if s in old]
        fresh = tuple(new[s] for s in sorted(changed) if s in new)

        part_problems = Problems()
        part = Media()
        if fresh:
            named = {slug for r in fresh for slug in r.artist_slugs}  # their names go into the tags
            artists = tuple(a for a in after.artists if a.slug in named)
            part = make_media(Catalog(after.config, after.content_dir, artists, fresh), self.options,
                              self.cache_dir, self.private_dir, part_problems, write_private=False)  # fmt: skip
        media = last.media.replace_releases(gone, part)
        media_files = {u: f for u, f in last.media_files.items() if u[0] != "release" or u[1] not in changed}
        media_files.update(_by_unit(part.outputs))
        folders = {r.source_dir for r in (*gone, *fresh)}
        media_problems = [p for p in last.media_problems if not _inside(p.path, folders)]
        check_cover_descriptions(fresh, part, part_problems)
        media_problems += part_problems.items

        theme_problems = Problems()
        site = make_site(after, media, before_site.urls, theme=None if templates else before_site.theme,
                         problems=theme_problems, extra_head=self.options.extra_head, memo=before_site.memo)  # fmt: skip
        problems = state.problems()
        problems.items.extend([*media_problems, *theme_problems.items])
        if problems.errors and not self.publish_errors:  # keep the last good site, and what it was made of
            self.pending = changes
            return BuildReport(after, problems, None, time.perf_counter() - started, _summary(after))
        units = reached(before_site, site, changed, [*gone, *fresh]) | using(site, templates)
        manifest = dict(last.manifest)
        made: dict[Unit, set[str]] = {unit: set() for unit in units}

        def rendered() -> Iterator[Output]:  # one unit at a time, never all held
            for unit in sorted(units):
                for out in (*render_unit(site, unit), *media_files.get(unit, ())):
                    made[unit].add(out.path)
                    yield out

        def gone_files() -> Iterator[str]:  # asked once every unit was rendered
            for unit, paths in made.items():
                yield from manifest.get(unit, frozenset()) - paths

        stats = write_in_place(rendered(), self.out_dir, remove=gone_files(), journal=self.state_file)
        for unit, paths in made.items():
            manifest[unit] = frozenset(paths)
        private_files = dict(last.private_files)
        protected = _by_release(part.private_outputs)
        for slug in changed:
            files = protected.get(slug, ())
            stale = {o.path for o in private_files.pop(slug, ())} - {o.path for o in files}
            if files or stale:
                write_in_place(files, self.private_dir / "downloads", remove=stale)
            if files:
                private_files[slug] = files
        site.memo.sweep()
        self.last = Built(state, media, tuple(media_problems), media_files, private_files, manifest)
        self.site = site
        self.pending = set()
        return BuildReport(after, problems, stats, time.perf_counter() - started, _summary(after))


def reached(before: Site, after: Site, changed: set[str], releases: Iterable[Release]) -> set[Unit]:
    """The units whose files a change of the `changed` releases (old and new versions) reaches."""
    if not changed:
        return set()  # a draft edited, or only templates: no release's files moved
    units: set[Unit] = {SITE, *(("release", slug) for slug in changed)}
    artists = {a for r in releases for a in r.artist_slugs}
    tags = {slug for r in releases for slug, _ in release_tags(r)}
    # release pages show tag links only to tags that have a page, and feeds of listed artists only
    flipped_tags = before.tag_slugs ^ after.tag_slugs
    listed = {av.artist.slug for av in before.views.listed_artists} ^ {
        av.artist.slug for av in after.views.listed_artists
    }
    if flipped_tags or listed:
        for rv in after.views.releases:
            if flipped_tags.intersection(s for s, _ in rv.tags) or listed.intersection(
                rv.release.artist_slugs
            ):
                units.add(("release", rv.release.slug))
    units.update(("artist", a) for a in artists | listed)
    units.update(("tag", t) for t in tags | flipped_tags)
    return units


def using(site: Site, templates: set[str]) -> set[Unit]:
    """Every unit with a page made from one of `templates` (or from a template that uses one)."""
    units: set[Unit] = set()
    if not templates:
        return units
    kinds = {kind for kind, names in TEMPLATES.items() if any(site.theme.uses(n) & templates for n in names)}
    if "release" in kinds:
        units.update(("release", rv.release.slug) for rv in site.views.releases)
    if "artist" in kinds:
        units.update(("artist", av.artist.slug) for av in site.views.artists)
    if "tag" in kinds:
        units.update(("tag", t.slug) for t in site.tags)
    if "site" in kinds:
        units.add(SITE)
    return units


def _split(changed: set[Path], last: Built, site: Site) -> tuple[set[Path], set[str]] | None:
    """Changed paths inside release folders, and changed template names; None when others changed."""
    releases = last.scan.catalog.content_dir / "releases"
    content: set[Path] = set()
    templates: set[str] = set()
    for path in changed:
        name = site.theme.template_name(path)
        if name is not None:
            templates.add(name)
        elif path.is_relative_to(releases) and path != releases:
            content.add(path)
        else:
            return None
    return content, templates


def _summary(catalog: Catalog) -> Summary:
    public = catalog.public_releases
    return Summary(len(public), sum(len(r.tracks) for r in public),
                   tuple(r.slug for r in catalog.releases if r.status == "draft"))  # fmt: skip


def _grouped(outputs: Iterable[Output], key: Callable[[str], K]) -> dict[K, tuple[Output, ...]]:
    """Outputs by the key of their path."""
    groups: dict[K, list[Output]] = defaultdict(list)
    for out in outputs:
        groups[key(out.path)].append(out)
    return {k: tuple(group) for k, group in groups.items()}


def _by_unit(outputs: Iterable[Output]) -> dict[Unit, tuple[Output, ...]]:
    return _grouped(outputs, owner)


def _by_release(outputs: Iterable[Output]) -> dict[str, tuple[Output, ...]]:
    """Protected files by release: their paths in the private store start with its slug."""
    return _grouped(outputs, lambda path: path.split("/", 1)[0])


def _site_files(out_dir: Path) -> Iterator[str]:
    skip = len(str(out_dir)) + 1
    for folder, _, files in os.walk(out_dir):
        for name in files:
            yield os.path.join(folder, name)[skip:]


def _inside(path: Path, folders: set[Path]) -> bool:
    return any(path.is_relative_to(f) for f in folders)
