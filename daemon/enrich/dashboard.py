"""The Enrich pages of the dashboard: the last runs, and a form per release.

/admin/enrich lists the runs (what was looked up, which providers answered, what failed).
/admin/enrich/{slug} shows the release's last diff as a form, a checkbox per field: ticked for
an empty field, unticked over the artist's value (ticking it is the form's --overwrite). The
form sends which proposals, never values: what is written is the diff the daemon stored.
"Look up" queues a job (lookup_job.py); the page says "looking up…" and reloads itself (admin.js)
until the diff is in, or says why the look-up failed.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.enrich import store
from tunecamp.daemon.enrich.catalog import NoRelease, read_queries
from tunecamp.daemon.enrich.diff import stale
from tunecamp.daemon.enrich.lookup_job import pending, queue_lookup
from tunecamp.daemon.enrich.model import ReleaseQuery
from tunecamp.daemon.enrich.service import ENRICHER
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import render
from tunecamp.daemon.roles import CONTENT_MANAGE, DRAFTS_VIEW, requires
from tunecamp.generator.catalog.slugs import is_safe_slug

BASE = "/admin/enrich"


async def release_scope(request: web.Request) -> set[str]:
    slug = request.match_info["slug"]
    return await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug))


async def _query(request: web.Request) -> ReleaseQuery:
    slug = request.match_info["slug"]
    if not is_safe_slug(slug):
        raise http_error(404, f"slug: {slug[:60]!r} is not a release slug")
    try:
        queries = await asyncio.to_thread(read_queries, request.app[CONFIG].content_dir, (slug,))
    except NoRelease as exc:
        raise http_error(404, str(exc)) from None
    return queries[0]


@requires(DRAFTS_VIEW)
async def runs(request: web.Request) -> web.Response:
    rows = await request.app[DB].run(lambda d: store.runs(d))
    return render(request, "enrich/runs.html", runs=rows, now=time.time())


@requires(CONTENT_MANAGE, scope=release_scope)
async def page(request: web.Request) -> web.Response:
    q = await _query(request)
    saved = await request.app[DB].run(lambda d: store.load_diff(d, q.slug))
    return render(
        request,
        "enrich/release.html",
        release=q,
        diff=saved[0] if saved else None,
        looked_up=saved[2] if saved else None,
        lookup=await pending(request.app, q.slug),
        now=time.time(),
    )


@requires(CONTENT_MANAGE, scope=release_scope)
async def lookup(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    q = await _query(request)
    if await queue_lookup(request.app, q.slug, bool(form.get("refresh"))):
        flash = "looking the release up: this page shows the proposals when they are in"
    else:
        flash = "a look-up of this release is queued or running already"
    raise web.HTTPSeeOther(f"{BASE}/{q.slug}?flash={quote(flash)}")


@requires(CONTENT_MANAGE, scope=release_scope)
async def apply(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    q = await _query(request)
    saved = await request.app[DB].run(lambda d: store.load_diff(d, q.slug))
    if saved is None:
        raise http_error(409, "nothing looked up for this release yet: look it up first")
    diff, run_id, _ = saved
    keys = form.getall("field", [])
    if not keys:
        raise http_error(400, "field: tick at least one proposal")
    by_key = {p.key: p for p in diff.proposals}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise http_error(400, f"field: no proposal named {unknown[0][:80]!r} (look the release up again)")
    accepted = [by_key[k] for k in dict.fromkeys(keys)]
    changed = stale(q, accepted)
    if changed:  # written over since the look-up: what the form showed as current is no longer so
        raise http_error(
            409, f"field: {', '.join(changed)[:200]} changed since the look-up; look it up again"
        )
    done = await request.app[ENRICHER].apply(q, accepted, run_id)
    builds = request.app.get(BUILDS)
    if builds is not None and done.written:
        await builds.request(f"enrichment of {q.slug}")
    flash = "; ".join([*(f"wrote {w}" for w in done.written), *(f"not written: {e}" for e in done.errors)])
    raise web.HTTPSeeOther(f"{BASE}/{q.slug}?flash={quote(flash or 'nothing to write')}")


def setup(app: web.Application) -> None:
    app.router.add_get(BASE, runs)
    app.router.add_get(BASE + "/{slug}", page)
    app.router.add_post(BASE + "/{slug}/lookup", lookup)
    app.router.add_post(BASE + "/{slug}/apply", apply)
