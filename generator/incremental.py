"""Rebuilding only what a change reached, from what the last build left in memory.

    rescan the changed release folders → their media → the units they reach
    → write_in_place (changed files written aside, then renamed in)

A watch session runs this for each batch of saves; a fresh `tunecamp build` runs it on the last
build's snapshot when only release folders changed (build.resume). What a change reaches
(`reached`, `using`):

- the changed releases' units (pages, embeds, oEmbed, Media RSS, playlist, media files);
- the units of every artist and tag they had before or have now;
- release pages that show whether a tag has a page or an artist is listed, when that flipped;
- the site unit (home, tags, search, feeds, podcast, catalog playlist, catalog.json, sitemap);
- for a changed template, every unit with a page made from it (or from one that uses it).

Any other change (catalog.yaml, artists/, a theme's static files, a new artist) needs a full
build: `update` says so by returning None. Before the renames, the build-state file is removed
(the journal): one killed among them leaves no state, so the next build runs in full and repairs
the site; one killed while rendering left the site, and the state, as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator import steps
from tunecamp.generator.buildstate import folder_digest
from tunecamp.generator.catalog.model import Catalog, Release
from tunecamp.generator.catalog.scan import ScanState, rescan
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.job import Job
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output, WriteStats, write_in_place
from tunecamp.generator.problems import Problem, Problems
from tunecamp.generator.report import BuildReport
from tunecamp.generator.site.activitypub.inputs import FILES, FOLDER, FederationInputs, federation_dir
from tunecamp.generator.site.context import RenderOptions, Site
from tunecamp.generator.site.genres import release_tags
from tunecamp.generator.site.pages import check_cover_descriptions
from tunecamp.generator.snapshot import Built, outputs_by_release, outputs_by_unit
from tunecamp.generator.units import SITE, TEMPLATES, Unit, render_unit


@dataclass(frozen=True)
class Before:
    """What the last build left in memory: its record, and the render context it made."""

    built: Built
    site: Site


@dataclass(frozen=True)
class Update:
    report: BuildReport
    built: Built | None  # None: nothing was written (errors, and the job does not publish them)
    site: Site
    folders: dict[str, str | None]  # the digests of the release folders read again, taken before reading
    data: dict[str, str | None]  # the digests of the data files read again (the daemon's exports)
    templates: bool  # a template changed (the session stops tracking its inputs)


def update(job: Job, before: Before, changed: set[Path], tags: TagIndex, started: float) -> Update | None:
    """Rebuild what the paths in `changed` (under content/) reach; None when only a full build will do."""
    split = _split(changed, before, job.data_dir)
    if split is None:
        return None
    content, templates, data = split
    releases = job.content_dir / "releases"
    names = {p.relative_to(releases).parts[0] for p in content}
    # digested before they are read: a save during the build makes the next one read it again
    digests = {name: folder_digest(job.content_dir, name) for name in names}
    state = rescan(before.built.scan, content, tag_reader=tags.read) if content else before.built.scan
    if state is None:
        return None
    # every export's digest, taken before they are read like the folders': the pages show what
    # they hold now, whether or not the caller saw them change
    now = job.data_inputs()
    data_digests = {name: now.get(name) for name in {*data, *now, *(f"{FOLDER}/{n}" for n in FILES)}}
    report, built, site = _rebuild(job, before, state, templates, started)
    return Update(report, built, site, digests, data_digests, bool(templates))


@dataclass(frozen=True)
class _Part:
    """The media of the releases that changed, merged into what the last build made."""

    media: Media  # the whole catalog's
    files: dict[Unit, tuple[Output, ...]]  # public media files by unit
    problems: list[Problem]  # the whole catalog's media problems
    fresh: Media  # the changed releases' own (their protected files are written here)


def _rebuild(
    job: Job, before: Before, state: ScanState, templates: set[str], started: float
) -> tuple[BuildReport, Built | None, Site]:
    last, after = before.built, state.catalog
    old = {r.slug: r for r in last.scan.catalog.public_releases}
    new = {r.slug: r for r in after.public_releases}
    changed = {s for s in old.keys() | new.keys() if old.get(s) is not new.get(s)}
    gone = [old[s] for s in changed if s in old]
    fresh = tuple(new[s] for s in sorted(changed) if s in new)
    part = _media(job, last, after, gone, fresh)

    theme_problems = Problems()
    kept = RenderOptions(theme=None if templates else before.site.theme, memo=before.site.memo)
    site = steps.site(job, after, part.media, theme_problems, kept)
    problems = state.problems()
    problems.items.extend([*part.problems, *theme_problems.items])
    if problems.errors and not job.publish_errors:  # keep the last good site, and what it was made of
        return BuildReport.of(after, problems, None, started), None, site
    units = reached(before.site, site, changed, [*gone, *fresh]) | using(site, templates)
    units |= exported(last.federation, site)
    stats, manifest = _write(job, site, units, part.files, last.manifest)
    private_files = _write_private(job, last.private_files, changed, part.fresh)
    parts = (part.media, tuple(part.problems), part.files, private_files, manifest, site.federation)
    built = Built(state, *parts)
    return BuildReport.of(after, problems, stats, started), built, site


def _media(job: Job, last: Built, after: Catalog, gone: list[Release], fresh: tuple[Release, ...]) -> _Part:
    """The media stage for the `fresh` releases only; the others' media are the last build's."""
    fresh_problems = Problems()
    fresh_media = Media()
    if fresh:
        named = {slug for r in fresh for slug in r.artist_slugs}  # their names go into the tags
        artists = tuple(a for a in after.artists if a.slug in named)
        only = Catalog(after.config, after.content_dir, artists, fresh)
        fresh_media, fresh_problems = steps.media(job, only, write_private=False)
    slugs = {r.slug for r in (*gone, *fresh)}
    files = {u: f for u, f in last.media_files.items() if u[0] != "release" or u[1] not in slugs}
    files.update(outputs_by_unit(fresh_media.outputs))
    folders = {r.source_dir for r in (*gone, *fresh)}
    problems = [p for p in last.media_problems if not any(p.path.is_relative_to(f) for f in folders)]
    check_cover_descriptions(fresh, fresh_media, fresh_problems)
    media = last.media.replace_releases(gone, fresh_media)
    return _Part(media, files, problems + fresh_problems.items, fresh_media)


def _write(
    job: Job,
    site: Site,
    units: set[Unit],
    media_files: dict[Unit, tuple[Output, ...]],
    manifest: dict[Unit, frozenset[str]],
) -> tuple[WriteStats, dict[Unit, frozenset[str]]]:
    """Render `units` one at a time and write what changed in place; the manifest after it."""
    made: dict[Unit, set[str]] = {unit: set() for unit in units}

    def rendered() -> Iterator[Output]:  # one unit at a time, never all held
        for unit in sorted(units):
            for out in (*render_unit(site, unit), *media_files.get(unit, ())):
                made[unit].add(out.path)
                yield out

    def gone_files() -> Iterator[str]:  # asked once every unit was rendered
        for unit, paths in made.items():
            yield from manifest.get(unit, frozenset()) - paths

    stats = write_in_place(rendered(), job.out_dir, remove=gone_files(), journal=job.state_file)
    return stats, {**manifest, **{unit: frozenset(paths) for unit, paths in made.items()}}


def _write_private(
    job: Job, private_files: dict[str, tuple[Output, ...]], changed: set[str], fresh: Media
) -> dict[str, tuple[Output, ...]]:
    """The changed releases' protected files, written in place in the private store."""
    kept = dict(private_files)
    protected = outputs_by_release(fresh.private_outputs)
    for slug in changed:
        files = protected.get(slug, ())
        stale = {o.path for o in kept.pop(slug, ())} - {o.path for o in files}
        if files or stale:
            write_in_place(files, job.private_dir / "downloads", remove=stale)
        if files:
            kept[slug] = files
    return kept


def reached(before: Site, after: Site, changed: set[str], releases: Iterable[Release]) -> set[Unit]:
    """The units whose files a change of the `changed` releases (old and new versions) reaches."""
    if not changed:
        return set()  # a draft edited, or only templates: no release's files moved
    units: set[Unit] = {SITE, *(("release", slug) for slug in changed)}
    artists = {a for r in releases for a in r.artist_slugs}
    tags = {slug for r in releases for slug, _ in release_tags(r)}
    # release pages show tag links only to tags that have a page, and feeds of listed artists only
    flipped_tags = before.tag_slugs ^ after.tag_slugs
    listed_before = {av.artist.slug for av in before.views.listed_artists}
    listed = listed_before ^ {av.artist.slug for av in after.views.listed_artists}
    if flipped_tags or listed:
        for rv in after.views.releases:
            tagged = flipped_tags.intersection(s for s, _ in rv.tags)
            if tagged or listed.intersection(rv.release.artist_slugs):
                units.add(("release", rv.release.slug))
    units.update(("artist", a) for a in artists | listed)
    units.update(("tag", t) for t in tags | flipped_tags)
    return units


def exported(before: FederationInputs, site: Site) -> set[Unit]:
    """The units showing what the daemon's exports changed: the release pages whose likes, boosts
    or replies moved, and every actor (artist units, the site's label and instance) for new keys."""
    after = site.federation
    units: set[Unit] = set()
    if before.keys != after.keys:
        units.add(SITE)
        units.update(("artist", av.artist.slug) for av in site.views.artists)
    public = {rv.release.slug for rv in site.views.releases}
    for slug in before.interactions.keys() | after.interactions.keys():
        if slug in public and before.interactions.get(slug) != after.interactions.get(slug):
            units.add(("release", slug))
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


def _split(changed: set[Path], before: Before, data_dir: Path) -> tuple[set[Path], set[str], set[str]] | None:
    """Changed paths inside release folders, changed template names and changed data files (the
    daemon's exports, by the names `Job.data_inputs` gives them); None when others changed."""
    releases = before.built.scan.catalog.content_dir / "releases"
    content: set[Path] = set()
    templates: set[str] = set()
    data: set[str] = set()
    for path in changed:
        name = before.site.theme.template_name(path)
        if name is not None:
            templates.add(name)
        elif path.is_relative_to(releases) and path != releases:
            content.add(path)
        elif path.parent == federation_dir(data_dir) and path.name in FILES:
            data.add(path.relative_to(data_dir).as_posix())
        else:
            return None
    return content, templates, data
