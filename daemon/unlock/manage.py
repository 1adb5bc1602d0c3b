"""Managing codes: the JSON API under /api/unlock/releases/<slug>/codes and the dashboard's pages.

Who: Curators for the releases of the artists assigned to them, Managers and Owners for every
release (the `content.manage` permission, roles.py). A batch of new codes is shown once, as a
table and as CSV; after that only their hashes exist, so the list shows each code's number,
note, uses, expiry and state, and the redemption log shows when each was used and by which
account (when the listener was signed in).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_form, read_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import render, translate
from tunecamp.daemon.protected import has_files, is_slug
from tunecamp.daemon.roles import CONTENT_MANAGE, DRAFTS_VIEW, grant, requires
from tunecamp.daemon.unlock import store
from tunecamp.daemon.unlock.codes import Issued, to_csv
from tunecamp.daemon.unlock.redeem import HASHER
from tunecamp.daemon.users import current_user


async def release_scope(request: web.Request) -> set[str]:
    slug = request.match_info["slug"]
    return await request.app[DB].run(lambda db: catalog_index.release_artists(db, slug))


async def _release(request: web.Request) -> dict[str, Any]:
    slug = request.match_info["slug"]
    rows = await request.app[DB].run(lambda db: [a for a in catalog_index.albums(db) if a["slug"] == slug])
    if not is_slug(slug) or not rows:
        raise http_error(404, f"no release {slug!r} in the catalog index (is a rebuild pending?)")
    return rows[0]


def _number(value: Any, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise http_error(400, f"{name}: a whole number") from None


async def _generate(request: web.Request, data: Any) -> list[Issued]:
    album = await _release(request)
    expires = str(data.get("expires") or "").strip()
    user = current_user(request)
    try:
        batch = store.Batch(
            album["slug"],
            _number(data.get("count"), "count", 1),
            _number(data.get("uses"), "uses", 1),
            store.parse_expiry(expires) if expires else None,
            str(data.get("note") or "").strip(),
            user.id if user else None,
        )
        batch.check()
    except store.CodeError as exc:
        raise http_error(400, str(exc)) from None
    hasher = request.app[HASHER]
    return await request.app[DB].run(lambda db: store.generate(db, hasher, batch))


async def _listing(request: web.Request, slug: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await request.app[DB].run(lambda db: (store.codes_of(db, slug), store.redemptions(db, slug)))


# --- the JSON API ---------------------------------------------------------------------------


@requires(CONTENT_MANAGE, scope=release_scope)
async def api_codes(request: web.Request) -> web.Response:
    album = await _release(request)
    codes, log = await _listing(request, album["slug"])
    return web.json_response({"release": album["slug"], "codes": codes, "redemptions": log})


@requires(CONTENT_MANAGE, scope=release_scope)
async def api_generate(request: web.Request) -> web.Response:
    issued = await _generate(request, await read_json(request))
    body = {
        "codes": [
            {"code": c.code, "uses": c.uses, "expires_at": c.expires_at, "note": c.note} for c in issued
        ],
        "csv": to_csv(issued),
    }
    return web.json_response(body, status=201, headers={"Cache-Control": "no-store"})


@requires(CONTENT_MANAGE, scope=release_scope)
async def api_revoke(request: web.Request) -> web.Response:
    album = await _release(request)
    code_id = _number(request.match_info["code_id"], "code id", 0)
    if not await request.app[DB].run(lambda db: store.revoke_id(db, album["slug"], code_id)):
        raise http_error(404, f"no code {code_id} of {album['slug']} to revoke (or it is revoked already)")
    return web.json_response({"revoked": code_id})


# --- the dashboard --------------------------------------------------------------------------


@requires(DRAFTS_VIEW)
async def codes_home(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    config = request.app[CONFIG]
    albums, counts = await request.app[DB].run(lambda db: (catalog_index.albums(db), store.summary(db)))
    everything = grant(CONTENT_MANAGE, user.role) == "yes"
    rows = [
        {**a, "counts": counts.get(a["slug"], {"codes": 0, "active": 0, "redeemed": 0})}
        for a in albums
        if (everything or set(a["artist_slugs"]) & set(user.artists))
        and (has_files(config, a["slug"]) or a["slug"] in counts)
    ]
    return render(request, "unlock/codes_home.html", releases=rows)


@requires(CONTENT_MANAGE, scope=release_scope)
async def codes_page(request: web.Request) -> web.Response:
    album = await _release(request)
    codes, log = await _listing(request, album["slug"])
    return render(request, "unlock/codes.html", release=album, codes=codes, redemptions=log, issued=None)


@requires(CONTENT_MANAGE, scope=release_scope)
async def codes_generate(request: web.Request) -> web.StreamResponse:
    album = await _release(request)
    try:
        issued = await _generate(request, await read_form(request))
    except web.HTTPException as exc:
        message = str(json.loads(exc.text or "{}").get("error", exc.reason))
        raise web.HTTPSeeOther(f"/admin/codes/{album['slug']}?flash={quote(message)}") from None
    codes, log = await _listing(request, album["slug"])
    return render(
        request,
        "unlock/codes.html",
        release=album,
        codes=codes,
        redemptions=log,
        issued=issued,
        csv=to_csv(issued),
    )


@requires(CONTENT_MANAGE, scope=release_scope)
async def codes_revoke(request: web.Request) -> web.StreamResponse:
    album = await _release(request)
    code_id = _number(request.match_info["code_id"], "code id", 0)
    done = await request.app[DB].run(lambda db: store.revoke_id(db, album["slug"], code_id))
    flash = (
        translate(request, "code %(id)s revoked", id=code_id)
        if done
        else translate(request, "code %(id)s was revoked already", id=code_id)
    )
    raise web.HTTPSeeOther(f"/admin/codes/{album['slug']}?flash={quote(flash)}")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/unlock/releases/{slug}/codes", api_codes)
    r.add_post("/api/unlock/releases/{slug}/codes", api_generate)
    r.add_post("/api/unlock/releases/{slug}/codes/{code_id}/revoke", api_revoke)
    r.add_get("/admin/codes", codes_home)
    r.add_get("/admin/codes/{slug}", codes_page)
    r.add_post("/admin/codes/{slug}", codes_generate)
    r.add_post("/admin/codes/{slug}/{code_id}/revoke", codes_revoke)
