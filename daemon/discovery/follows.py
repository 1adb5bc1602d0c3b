"""The dashboard's "Follow artists" of a discovered instance: its artists handed to federation.

The label actor's follows belong to the federation feature; this room hands it `FollowTarget`s
through `appkeys.FOLLOWS` (create_app's hand-over) and shows what it reports. Each artist is
`acct:<slug>@<instance host>` on the instance's own WebFinger (ours and Node's answer so), its
page's URL second. Resolving many artists can take a while on a slow server: the request waits
up to `WAIT` seconds for the outcome, then lets it finish in the background and the page shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web

from tunecamp.daemon.appkeys import DB, FOLLOWS, ArtistFollows, FollowOutcome, FollowTarget
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.dashboard import BASE, FOLLOW_NOTES, TASKS, FollowNote, back_to, origin_field
from tunecamp.daemon.html import translate, translate_plural
from tunecamp.daemon.roles import FEDERATION, requires

WAIT = 10.0


def targets(origin: str, artists: list[dict[str, str]]) -> list[FollowTarget]:
    host = urlsplit(origin).netloc
    return [FollowTarget(f"acct:{a['slug']}@{host}", origin, str(a.get("url") or "")) for a in artists]


def summary(origin: str, outcomes: Sequence[FollowOutcome]) -> FollowNote:
    failed = [f"{o.reference}: {o.error}" for o in outcomes if not o.state]
    done = len(outcomes) - len(failed)
    return FollowNote(origin, done, len(outcomes), len(failed), "; ".join(failed)[:400])


def said(request: web.Request, note: FollowNote) -> str:
    """The flash line of a follow that finished while its request waited (the page's note says the same)."""
    line = translate_plural(
        request,
        "%(origin)s: following %(done)s of %(num)s artist",
        "%(origin)s: following %(done)s of %(num)s artists",
        note.total,
        origin=note.origin,
        done=note.done,
    )
    if not note.failed:
        return line
    return (
        line
        + " "
        + translate_plural(
            request,
            "(%(num)s failed: %(errors)s)",
            "(%(num)s failed: %(errors)s)",
            note.failed,
            errors=note.errors,
        )
    )


def _follows(request: web.Request) -> ArtistFollows:
    follows = request.app.get(FOLLOWS)
    if follows is None:
        raise web.HTTPNotFound(
            text=translate(request, "following needs the federation feature, which this daemon runs without")
        )
    return follows


@requires(FEDERATION)
async def follow(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    origin, follows = origin_field(form), _follows(request)
    if form.get("remove"):
        undone = await follows.unfollow(origin)
        raise back_to(
            translate_plural(
                request,
                "%(origin)s: unfollowed %(num)s artist",
                "%(origin)s: unfollowed %(num)s artists",
                undone,
                origin=origin,
            )
            if undone
            else translate(request, "%(origin)s: nobody followed", origin=origin)
        )
    artists = await request.app[DB].run(lambda d: store.artists(d, origin))
    if artists is None:
        raise web.HTTPBadRequest(
            text=translate(request, "origin: %(origin)s is not a known instance", origin=origin)
        )
    if not artists:
        raise back_to(
            translate(
                request, "%(origin)s: its catalog lists no artists (yet): crawl again later", origin=origin
            )
        )
    notes, tasks = request.app[FOLLOW_NOTES], request.app[TASKS]

    async def run() -> FollowNote:
        note = summary(origin, await follows.follow(targets(origin, artists)))
        notes[origin] = note
        return note

    task = asyncio.create_task(run())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    done, _ = await asyncio.wait({task}, timeout=WAIT)
    if done:
        notes.pop(origin, None)  # said in the flash line: not again on the page
        raise back_to(said(request, task.result()))
    raise back_to(
        translate_plural(
            request,
            "%(origin)s: following %(num)s artist, still looking it up; reload to see how it went",
            "%(origin)s: following %(num)s artists, still looking them up; reload to see how it went",
            len(artists),
            origin=origin,
        )
    )


def setup(app: web.Application) -> None:
    app.router.add_post(f"{BASE}/follow", follow)
