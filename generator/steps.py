"""The build's steps, each one call into a wing with what the job asks for.

    scan    content/ → the catalog, by release folder             catalog/
    media   the catalog → streams, downloads, pictures            media/
    site    the catalog and its media → the render context        site/ (the units render from it)

`build.full_build` runs them in order and writes every unit; `incremental.update` runs them for
the releases a change reached.
"""

from __future__ import annotations

from dataclasses import replace

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.scan import ScanState, scan_state
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.job import Job
from tunecamp.generator.media.model import Media
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.media.plan import check_download_formats
from tunecamp.generator.media.progress import BarProgress, QuietProgress
from tunecamp.generator.media.stage import process_media
from tunecamp.generator.media.workshop import MediaOptions
from tunecamp.generator.problems import Problems
from tunecamp.generator.site.activitypub.inputs import check_keys, read_inputs
from tunecamp.generator.site.context import RenderOptions, Site, make_site
from tunecamp.generator.site.network import read_network
from tunecamp.generator.site.podcast import check_podcast_artwork
from tunecamp.generator.slughistory import update_redirects


def scan(job: Job, tags: TagIndex) -> ScanState:
    """Every release folder, its tags through the index (saved at once: a later step may fail)."""
    state = scan_state(job.content_dir, tag_reader=tags.read, serving_url=job.options.serving_url)
    tags.save()
    return state


def media(job: Job, catalog: Catalog, *, write_private: bool = True) -> tuple[Media, Problems]:
    """Transcodes and analysis when enabled, the sources as they are otherwise.

    `write_private=False`: the caller writes the protected files (an incremental build, in place).
    """
    o = job.options
    if not o.transcode:
        made, problems = plain_media(catalog), Problems()
    else:
        progress = BarProgress(o.verbose) if o.progress else QuietProgress()
        options = MediaOptions(job.cache_dir, job.private_dir, jobs=o.jobs, verbose=o.verbose, verify=o.clean)
        made, problems = process_media(catalog, options, progress, write_private=write_private)
    check_download_formats(catalog.public_releases, problems)
    return made, problems


def site(
    job: Job,
    catalog: Catalog,
    media: Media,
    problems: Problems | None = None,
    kept: RenderOptions | None = None,
) -> Site:
    """The render context: theme, views, tags. A missing theme is a problem when `problems` is given.

    `kept`: what a build after a change keeps of the last context (its memo, and its theme unless a
    template changed); a full build starts from nothing.
    """
    read = Problems()
    federation = read_inputs(job.data_dir, read)  # what the daemon exported for the pages
    check_keys(catalog, federation, job.data_dir, read)
    network = read_network(job.data_dir, read)  # the daemon's last crawl (data/network.json)
    if problems is not None:
        problems.extend(read)
        check_podcast_artwork(catalog, media, problems)
    redirects = update_redirects(catalog, job.data_dir)  # a release whose slug changed keeps its old URL
    options = replace(
        kept or RenderOptions(),
        extra_head=job.options.extra_head,
        federation=federation,
        redirects=redirects,
        network=network,
    )
    return make_site(catalog, media, Urls(catalog.config.base_url), options, problems)
