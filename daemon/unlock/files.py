"""GET /api/unlock/files/<release>/<path>: the protected downloads, from the private store only.

Served to a caller with a valid grant for that release (`?grant=` or a Bearer grant), to a
signed-in account that holds the release (a code redeemed or a purchase made while signed in),
or to staff (Curators and up, as the Subsonic API's downloads); never from public/. The answer
is a file response, so Range works (resumed downloads, players seeking). Authorization comes
before the lookup: without it, every path answers the same 401/403, so the store's file names
are not probed either.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from aiohttp import web

from tunecamp.daemon import entitlements
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.grants import GRANTS, InvalidGrant, grant_token
from tunecamp.daemon.protected import find
from tunecamp.daemon.roles import DRAFTS_VIEW, PUBLIC, grant, requires
from tunecamp.daemon.site_files import content_type
from tunecamp.daemon.users import current_user


async def authorize(request: web.Request, release: str) -> None:
    token = grant_token(request)
    if token is not None:
        try:
            request.app[GRANTS].verify(token, release)
        except InvalidGrant as exc:
            raise http_error(403, str(exc)) from None
        return
    user = current_user(request)
    if user is None:
        raise http_error(
            401,
            "a download grant is required: redeem a code or buy the release on its page",
            **{"WWW-Authenticate": 'Bearer realm="tunecamp downloads"'},
        )
    if grant(DRAFTS_VIEW, user.role) == "yes":
        return
    if not await request.app[DB].run(lambda db: entitlements.holds(db, user.id, release)):
        raise http_error(403, "this account has not unlocked or bought this release")


@requires(PUBLIC)
async def protected_file(request: web.Request) -> web.StreamResponse:
    release, relative = request.match_info["release"], request.match_info["path"]
    await authorize(request, release)
    path = find(request.app[CONFIG], release, relative)
    if path is None:
        raise http_error(404, "no such file in this release's downloads")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/zip"
            if path.suffix == ".zip"
            else content_type(PurePosixPath(path.name)),
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )
