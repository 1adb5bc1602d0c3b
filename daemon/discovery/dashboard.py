"""The network page of the dashboard, /admin/discovery: plain forms, like the other pages.

It lists the instances found (online first, then offline with since when and why), the
seeds, the blocks, and the background crawl: the one running now, the last crawls with their
requests and failures. "Crawl now" queues a crawl job (crawl_job.py): the page shows the crawl
this process runs with its progress, and one queued or running in another process (a worker)
from the job counts and the crawl's row. Managers and Owners see it, may start a crawl, and may follow an
instance's artists (the site's label actor follows each, through the federation feature's
`appkeys.FOLLOWS`, handed over when federation is composed); only an Owner adds a seed or
blocks an origin (instance settings). Every action redirects back with a line saying what
happened, so a reload never repeats it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import DB, FOLLOWS
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawl_job import crawl_counts, crawl_state, queue_crawl
from tunecamp.daemon.discovery.protocol import origin_of
from tunecamp.daemon.discovery.service import DISCOVERY_KEY
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import FEDERATION, SETTINGS, requires
from tunecamp.daemon.users import current_user
from tunecamp.generator.site.i18n import N_

log = logging.getLogger("tunecamp.discovery")
BASE = "/admin/discovery"
TASKS: web.AppKey[set[asyncio.Task[Any]]] = web.AppKey("discovery_tasks")


# A crawl's trigger (disc_crawls.trigger), as the table of crawls shows it
TRIGGERS = {
    "schedule": N_("schedule"),
    "dashboard": N_("dashboard"),
    "command": N_("command line"),
    "job": N_("job queue"),
}


@dataclass(frozen=True)
class FollowNote:
    """The outcome of a "Follow artists", kept as numbers so each reader sees it in their language."""

    origin: str
    done: int
    total: int
    failed: int
    errors: str  # "reference: error; …" as the remote servers answered, cut at 400 characters


# The outcome of the last "Follow artists" of each origin that finished after its page was answered.
FOLLOW_NOTES: web.AppKey[dict[str, FollowNote]] = web.AppKey("discovery_follow_notes")


def back_to(flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{BASE}?flash={quote(flash)}")


def _who(request: web.Request) -> str | None:
    user = current_user(request)
    return user.username if user else None


@requires(FEDERATION)
async def page(request: web.Request) -> web.Response:
    discovery = request.app[DISCOVERY_KEY]

    def gather(db: Any) -> dict[str, Any]:
        return {
            "instances": store.instances(db),
            "seeds": store.seeds(db),
            "blocks": store.blocks(db),
            "crawls": store.crawls(db),
        }

    data = await request.app[DB].run(gather)
    rows = data["instances"]
    follows = request.app.get(FOLLOWS)
    follow_states = await follows.states() if follows is not None else {}
    return render(
        request,
        "discovery/index.html",
        online=[r for r in rows if r["offline_since"] is None],
        offline=[r for r in rows if r["offline_since"] is not None],
        seeds=data["seeds"],
        setting_seeds=discovery.settings.seeds,
        blocks=data["blocks"],
        crawls=data["crawls"],
        crawl=discovery.status,
        crawl_jobs=crawl_state(
            await crawl_counts(request.app),
            discovery.status.running,
            data["crawls"][0] if data["crawls"] else None,
            discovery.clock(),
        ),
        limits=discovery.settings.limits,
        interval=discovery.settings.interval,
        now=discovery.clock(),
        can_follow=follows is not None,
        follow_states=follow_states,
        follow_notes=request.app[FOLLOW_NOTES],
    )


def origin_field(form: Any) -> str:
    raw = str(form.get("origin", "")).strip()
    origin = origin_of(raw if "://" in raw else f"https://{raw}")
    if origin is None:
        raise web.HTTPBadRequest(text="origin: an http(s) origin like https://music.example")
    return origin


@requires(SETTINGS)
async def seeds(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    origin, discovery = origin_field(form), request.app[DISCOVERY_KEY]
    db = request.app[DB]
    if form.get("remove"):
        done = await db.run(lambda d: store.remove_seed(d, origin))
        raise back_to(
            translate(request, "%(origin)s: no longer a seed", origin=origin)
            if done
            else translate(request, "%(origin)s: not a seed", origin=origin)
        )
    if origin in discovery.settings.own:
        raise back_to(translate(request, "%(origin)s: this instance itself", origin=origin))
    if origin in await db.run(store.blocked):
        raise back_to(translate(request, "%(origin)s: blocked; unblock it first", origin=origin))
    done = await db.run(lambda d: store.add_seed(d, origin, _who(request), discovery.clock()))
    raise back_to(
        translate(request, "%(origin)s: added as a seed; it is crawled at the next crawl", origin=origin)
        if done
        else translate(request, "%(origin)s: already a seed", origin=origin)
    )


@requires(SETTINGS)
async def blocks(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    origin, discovery = origin_field(form), request.app[DISCOVERY_KEY]
    db = request.app[DB]
    if form.get("remove"):
        done = await db.run(lambda d: store.unblock(d, origin))
        raise back_to(
            translate(request, "%(origin)s: unblocked", origin=origin)
            if done
            else translate(request, "%(origin)s: was not blocked", origin=origin)
        )
    reason = str(form.get("reason", "")).strip()
    done = await db.run(lambda d: store.block(d, origin, reason, _who(request), discovery.clock()))
    await discovery.export()  # off the network page at the next build
    raise back_to(
        translate(request, "%(origin)s: blocked and forgotten", origin=origin)
        if done
        else translate(request, "%(origin)s: already blocked", origin=origin)
    )


@requires(FEDERATION)
async def crawl_now(request: web.Request) -> web.StreamResponse:
    if request.app[DISCOVERY_KEY].busy or not await queue_crawl(request.app, "dashboard"):
        raise back_to(translate(request, "a crawl is queued or running already"))
    queued = time.strftime("%H:%M:%S", time.gmtime())
    raise back_to(translate(request, "crawl queued at %(time)s UTC; reload to follow it", time=queued))


def setup(app: web.Application) -> None:
    app[TASKS] = set()
    app[FOLLOW_NOTES] = {}
    app.router.add_get(BASE, page)
    app.router.add_post(f"{BASE}/seeds", seeds)
    app.router.add_post(f"{BASE}/blocks", blocks)
    app.router.add_post(f"{BASE}/crawl", crawl_now)
