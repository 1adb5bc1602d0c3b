"""POST /api/unlock/redeem: a code for a release in, a download grant and the links out.

JSON in, JSON out (`{"grant", "expires_at", "downloads": [{"format", "kind", "name", "size",
"url"}]}`); a plain form (the release page's redeem box, no JavaScript needed) gets the download
page instead, rendered here. A wrong, used-up, expired or revoked code gets the very same
answer, so trying codes tells nothing about them. Every attempt is rate-limited (limits.py).
A signed-in listener keeps the release: it is recorded on the account (entitlements.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from tunecamp.daemon import catalog_index, entitlements
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_form, read_json
from tunecamp.daemon.grants import GRANTS
from tunecamp.daemon.html import render
from tunecamp.daemon.protected import is_slug, links
from tunecamp.daemon.ratelimit import retry_after
from tunecamp.daemon.roles import PUBLIC, plain_form, requires
from tunecamp.daemon.unlock.codes import CodeHasher
from tunecamp.daemon.unlock.limits import UNLOCK_LIMITS
from tunecamp.daemon.unlock.store import redeem as take_use
from tunecamp.daemon.users import current_user

REFUSED = "this code does not unlock this release: it is wrong, used up, expired or revoked"
HASHER = web.AppKey("code_hasher", CodeHasher)


class Refusal(Exception):
    def __init__(self, status: int, message: str, retry: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry = status, message, retry


async def _fields(request: web.Request) -> tuple[bool, str, str]:
    """(as JSON?, release, code) from a JSON body or a form."""
    as_json = request.content_type == "application/json"
    data: Any = await read_json(request) if as_json else await read_form(request)
    release, code = data.get("release"), data.get("code")
    if not isinstance(release, str) or not is_slug(release):
        raise Refusal(400, "release: the slug of a release is required")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        raise Refusal(400, "code: the download code is required (at most 64 characters)")
    return as_json, release, code


async def _release(request: web.Request, slug: str) -> dict[str, Any]:
    rows = await request.app[DB].run(lambda db: [a for a in catalog_index.albums(db) if a["slug"] == slug])
    if not rows or rows[0]["status"] == "draft":
        raise Refusal(404, f"no release {slug!r} here")
    return rows[0]


async def _redeem(request: web.Request, release: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    limits = request.app[UNLOCK_LIMITS]
    wait = await limits.attempt(request, release)
    if wait > 0:
        seconds = retry_after(wait)
        raise Refusal(429, f"too many attempts; try again in {seconds} s", seconds)
    album = await _release(request, release)
    user = current_user(request)
    hasher = request.app[HASHER]
    code_id = await request.app[DB].run(
        lambda db: take_use(db, hasher, release, code, user.id if user else None)
    )
    if code_id is None:
        await limits.failed(release)
        raise Refusal(403, REFUSED)
    if user is not None:
        await request.app[DB].run(lambda db: entitlements.record(db, user.id, release, "code", str(code_id)))
    token, grant = request.app[GRANTS].new(
        release, request.app[CONFIG].grant_ttl, "code", str(code_id), user.id if user else None
    )
    expires = dt.datetime.fromtimestamp(grant.expires, dt.UTC).isoformat(timespec="seconds")
    body = {"grant": token, "expires_at": expires, "downloads": links(request.app[CONFIG], release, token)}
    return body, album


@requires(PUBLIC)
@plain_form
async def redeem(request: web.Request) -> web.StreamResponse:
    as_json = request.content_type == "application/json"
    album: dict[str, Any] = {}
    try:
        as_json, release, code = await _fields(request)
        body, album = await _redeem(request, release, code)
    except Refusal as refusal:
        headers = {"Retry-After": str(refusal.retry)} if refusal.retry else {}
        if as_json:
            payload = {"error": refusal.message, "status": refusal.status}
            return web.json_response(payload, status=refusal.status, headers=headers)
        page = render(request, "unlock/refused.html", status=refusal.status, message=refusal.message)
        page.headers.update(headers)
        return page
    if as_json:
        return web.json_response(body, headers={"Cache-Control": "no-store"})
    return render(
        request,
        "unlock/download.html",
        release=album,
        downloads=body["downloads"],
        expires_at=body["expires_at"],
    )
