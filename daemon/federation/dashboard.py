"""The fediverse pages of the dashboard, under /admin/federation: plain forms, like the admin's.

- /admin/federation: each actor's followers and pending requests, likes and boosts per release,
  the deliveries' counts (the jobs engine's) and the background processes (delivery, publisher);
- /admin/federation/followers/{username}: followers, and requests to approve or reject;
- /admin/federation/moderation: replies awaiting moderation (approve, reject, block the author
  or their server) and reports (Flag);
- /admin/federation/blocks: blocked servers and accounts, added and lifted;
- /admin/federation/deliveries (deliveries_page.py): failed deliveries, each with a retry button.

Every action goes through the federation service (service.py: it sends the Accept or Reject,
refreshes the blocks in memory, exports interactions.json and asks for the rebuild), then
redirects back with a line saying what happened, so a reload never repeats it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.federation import deliveries_page, moderation
from tunecamp.daemon.federation.delivery import SETTINGS
from tunecamp.daemon.federation.publishing import PUBLISHER
from tunecamp.daemon.federation.service import FEDERATION as SERVICE
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.roles import FEDERATION, MODERATION, REPLIES, grant, requires
from tunecamp.daemon.users import User, current_user

BASE = "/admin/federation"


def _back(to: str, flash: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{to}?flash={quote(flash)}")


def _who(request: web.Request) -> str | None:
    user = current_user(request)
    return user.username if user else None


def _ago(ts: float | None) -> str:
    if not ts:
        return "never"
    seconds = time.time() - ts
    if seconds < 0:
        return f"in {_span(-seconds)}"
    return f"{_span(seconds)} ago"


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


@requires(FEDERATION)
async def overview(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    manifest = service.manifest.get()

    def gather(db: Any) -> dict[str, Any]:
        counts = {
            (r["username"], r["state"]): r["n"]
            for r in db.query(
                "SELECT username, state, COUNT(*) AS n FROM fed_followers GROUP BY username, state"
            )
        }
        return {"counts": counts, "reactions": moderation.reaction_counts(db)}

    data = await request.app[DB].run(gather)
    actors = [
        {
            "username": a.username,
            "kind": a.kind,
            "name": a.name,
            "id": a.id,
            "followers": data["counts"].get((a.username, "accepted"), 0),
            "pending": data["counts"].get((a.username, "pending"), 0),
        }
        for a in manifest.actors
    ]
    publisher = request.app[PUBLISHER]
    exporter = service.exporter
    files = {
        "interactions": _mtime(exporter.path),
        "public_keys": _mtime(service.data_dir / "federation" / "public-keys.json"),
        "export_pending": exporter._task is not None and not exporter._task.done(),
    }
    return render(
        request,
        "federation/index.html",
        files=files,
        actors=actors,
        host=manifest.host,
        reactions=sorted(data["reactions"].items()),
        counts=await deliveries_page.counts(request.app),
        stats=deliveries_page.stats(request.app),
        settings=request.app[SETTINGS],
        jobs_page=deliveries_page.JOBS_PAGE,
        publisher=publisher,
        ago=_ago,
    )


@requires(FEDERATION)
async def followers_page(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    actor = request.app[SERVICE].manifest.get().actor(username)
    if actor is None:
        raise web.HTTPNotFound(
            text=translate(request, "%(username)s: not an actor of this site", username=username)
        )
    db = request.app[DB]
    accepted = await db.run(lambda d: moderation.followers(d, actor.username, "accepted"))
    pending = await db.run(lambda d: moderation.followers(d, actor.username, "pending"))
    for row in accepted + pending:
        row["host"] = urlsplit(row["actor"]).netloc
    return render(request, "federation/followers.html", actor=actor, accepted=accepted, pending=pending)


@requires(FEDERATION)
async def decide_follow(request: web.Request) -> web.StreamResponse:
    username = request.match_info["username"]
    form = await read_form(request)
    remote, decision = str(form.get("actor", "")), str(form.get("decision", ""))
    service = request.app[SERVICE]
    if decision == "approve":
        done = await service.approve_follow(username, remote)
    elif decision in ("reject", "remove"):
        done = await service.reject_follow(username, remote)
    else:
        raise web.HTTPBadRequest(text=translate(request, "decision: approve, reject or remove"))
    to = f"{BASE}/followers/{quote(username)}"
    said = {
        "approve": translate(request, "%(actor)s: approved", actor=remote),
        "reject": translate(request, "%(actor)s: rejected", actor=remote),
        "remove": translate(request, "%(actor)s: removed", actor=remote),
    }[decision]
    raise _back(
        to, said if done else translate(request, "%(actor)s: no such follower or request", actor=remote)
    )


async def site_artists(request: web.Request) -> set[str]:
    """Every artist of the catalog: a Curator of any of them sees the replies page (filtered)."""
    rows = await request.app[DB].run(catalog_index.albums)
    return {a for row in rows for a in row["artist_slugs"]}


async def release_scope(request: web.Request) -> set[str]:
    slug = request.match_info["slug"]
    return await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug))


def _all_releases(user: User | None) -> bool:
    return user is not None and grant(REPLIES, user.role) == "yes"


@requires(REPLIES, scope=site_artists)
async def moderation_page(request: web.Request) -> web.Response:
    """Replies awaiting moderation (a Curator's: those to their artists' releases) and reports."""
    db = request.app[DB]
    user = current_user(request)
    pending = await db.run(lambda d: moderation.comments(d, "pending"))
    approved = await db.run(lambda d: moderation.comments(d, "approved"))
    if not _all_releases(user):
        assert user is not None
        mine = set(user.artists)
        releases = await db.run(
            lambda d: {r["slug"] for r in catalog_index.albums(d) if mine & set(r["artist_slugs"])}
        )
        pending = [c for c in pending if c["release"] in releases]
        approved = [c for c in approved if c["release"] in releases]
    may_flags = user is not None and grant(MODERATION, user.role) == "yes"
    flags = await db.run(lambda d: moderation.flags(d, "open")) if may_flags else []
    for row in pending + approved:
        row["host"] = urlsplit(row["actor"]).netloc
    return render(
        request,
        "federation/moderation.html",
        pending=pending,
        approved=approved[-50:],
        flags=flags,
        may_flags=may_flags,
    )


@requires(REPLIES, scope=release_scope)
async def decide_comment(request: web.Request) -> web.StreamResponse:
    """Approve, reject or block the author of a reply to release {slug}.

    A Curator's block holds for the release's artists they are assigned to, not the whole site."""
    slug = request.match_info["slug"]
    form = await read_form(request)
    comment, decision = str(form.get("id", "")), str(form.get("decision", ""))
    back = f"{BASE}/moderation"
    rows = await request.app[DB].run(
        lambda d: list(
            d.query("SELECT actor FROM fed_comments WHERE id = ? AND release = ?", [comment, slug])
        )
    )
    if not rows:
        raise _back(back, translate(request, "no such reply"))
    service = request.app[SERVICE]
    statuses = {"approve": "approved", "reject": "rejected", "pending": "pending"}
    if decision in statuses:
        await service.decide_comment(comment, statuses[decision], _who(request))
        said = {
            "approve": translate(request, "reply approved; the release page shows it after the rebuild"),
            "reject": translate(request, "reply rejected"),
            "pending": translate(request, "reply pending"),
        }[decision]
        raise _back(back, said)
    if decision in ("block-actor", "block-domain"):
        actor = rows[0]["actor"]
        kind, value = (
            ("actor", actor) if decision == "block-actor" else ("domain", urlsplit(actor).hostname or "")
        )
        user = current_user(request)
        if _all_releases(user):
            scopes = [""]
        else:
            assert user is not None
            artists = await request.app[DB].run(lambda d: catalog_index.release_artists(d, slug))
            scopes = sorted(artists & set(user.artists))
        for username in scopes:
            await service.block(kind, value, username, reason=f"reply {comment}", by=_who(request))
        if scopes != [""]:  # a block for some artists leaves the reply: reject it too
            await service.decide_comment(comment, "rejected", _who(request))
        if scopes == [""]:
            raise _back(back, translate(request, "%(value)s blocked; its replies are rejected", value=value))
        where = ", ".join("@" + s for s in scopes)
        raise _back(
            back,
            translate(
                request,
                "%(value)s blocked for %(actors)s; its replies are rejected",
                value=value,
                actors=where,
            ),
        )
    raise web.HTTPBadRequest(
        text=translate(request, "decision: approve, reject, pending, block-actor or block-domain")
    )


@requires(MODERATION)
async def resolve_flag(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    flag = str(form.get("id", ""))
    found = await request.app[DB].run(lambda d: moderation.resolve_flag(d, flag))
    raise _back(
        f"{BASE}/moderation",
        translate(request, "report resolved") if found else translate(request, "no such report"),
    )


@requires(MODERATION)
async def blocks_page(request: web.Request) -> web.Response:
    rows = await request.app[DB].run(moderation.list_blocks)
    actors = request.app[SERVICE].manifest.get().actors
    return render(request, "federation/blocks.html", blocks=rows, actors=actors)


@requires(MODERATION)
async def change_block(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    kind, value = str(form.get("kind", "")), str(form.get("value", "")).strip()
    username = str(form.get("username", ""))
    service = request.app[SERVICE]
    if kind not in ("domain", "actor"):
        raise _back(f"{BASE}/blocks", translate(request, "kind: a server (domain) or an account (actor URL)"))
    if username and service.manifest.get().actor(username) is None:
        raise _back(
            f"{BASE}/blocks", translate(request, "%(username)s: not an actor of this site", username=username)
        )
    if kind == "domain":
        value = (urlsplit(value).hostname or "") if "://" in value else value.lower().strip("/")
    if not value or (kind == "actor" and not value.startswith(("https://", "http://"))):
        raise _back(
            f"{BASE}/blocks", translate(request, "value: a server name (example.social) or an account's URL")
        )
    if form.get("remove"):
        removed = await service.unblock(kind, value, username)
        raise _back(
            f"{BASE}/blocks",
            translate(request, "%(value)s unblocked", value=value)
            if removed
            else translate(request, "%(value)s was not blocked", value=value),
        )
    await service.block(kind, value, username, str(form.get("reason", ""))[:500], _who(request))
    raise _back(f"{BASE}/blocks", translate(request, "%(value)s blocked", value=value))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(BASE, overview)
    r.add_get(f"{BASE}/followers/{{username}}", followers_page)
    r.add_post(f"{BASE}/followers/{{username}}", decide_follow)
    r.add_get(f"{BASE}/moderation", moderation_page)
    r.add_post(f"{BASE}/releases/{{slug}}/comments", decide_comment)
    r.add_post(f"{BASE}/flags", resolve_flag)
    r.add_get(f"{BASE}/blocks", blocks_page)
    r.add_post(f"{BASE}/blocks", change_block)
    deliveries_page.setup(app)
