"""/admin/federation/following: whom the label follows, and following an account by hand.

The follows a discovered instance's "Follow artists" sent show here too, with the instance they
came from. Managers and Owners (the `federation` permission) follow a handle or an actor's URL
and unfollow; each action redirects back with a line saying what happened.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon.appkeys import DB, FollowTarget
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.federation import following
from tunecamp.daemon.federation.service import FEDERATION as SERVICE
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import FEDERATION, requires

PATH = "/admin/federation/following"
MAX_REFERENCE = 500


def _back(flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{PATH}?flash={quote(flash)}")


def _since(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


@requires(FEDERATION)
async def page(request: web.Request) -> web.Response:
    label = request.app[SERVICE].manifest.get().label

    def rows(db: Any) -> list[dict[str, Any]]:
        return list(db.query("SELECT * FROM fed_following ORDER BY state, created_at DESC LIMIT 2000"))

    found = await request.app[DB].run(rows)
    return render(request, "federation/following.html", rows=found, label=label, since=_since)


@requires(FEDERATION)
async def change(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    service = request.app[SERVICE]
    label = service.manifest.get().label
    if form.get("unfollow"):
        actor = str(form.get("actor", "")).strip()
        done = label is not None and await following.unfollow(service, label.username, actor)
        raise _back(
            translate(request, "%(actor)s: unfollowed", actor=actor[:200])
            if done
            else translate(request, "%(actor)s: not followed", actor=actor[:200])
        )
    reference = " ".join(str(form.get("account", "")).split())
    if not reference or len(reference) > MAX_REFERENCE:
        raise web.HTTPBadRequest(text=translate(request, "account: a handle (name@host) or an actor's URL"))
    outcome = await following.follow(service, FollowTarget(reference, ""))
    if outcome.error:
        raise _back(f"{reference}: {outcome.error}")
    states = {
        "accepted": translate(request, "%(account)s: following", account=reference),
        "pending": translate(request, "%(account)s: pending", account=reference),
        "rejected": translate(request, "%(account)s: refused", account=reference),
    }
    raise _back(states.get(outcome.state, f"{reference}: {outcome.state}"))


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, page)
    app.router.add_post(PATH, change)
