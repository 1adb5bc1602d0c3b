"""GET /api/unlock/library: what the signed-in account holds, with fresh download links.

A release redeemed with a code or bought while signed in stays the account's (entitlements.py):
this is where an app or a page finds it again, with a new grant per release.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from tunecamp.daemon import catalog_index, entitlements
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.grants import GRANTS
from tunecamp.daemon.protected import links
from tunecamp.daemon.roles import ACCOUNT, requires
from tunecamp.daemon.users import current_user


@requires(ACCOUNT)
async def library(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    held, albums = await request.app[DB].run(
        lambda db: (entitlements.of_user(db, user.id), catalog_index.albums(db))
    )
    titles = {a["slug"]: a["title"] for a in albums}
    config, signer = request.app[CONFIG], request.app[GRANTS]
    releases = []
    for slug in dict.fromkeys(row["release_slug"] for row in held):
        token, grant = signer.new(slug, config.grant_ttl, "account", str(user.id), user.id)
        releases.append(
            {
                "release": slug,
                "title": titles.get(slug, slug),
                "how": sorted({row["source"] for row in held if row["release_slug"] == slug}),
                "since": min(row["created_at"] for row in held if row["release_slug"] == slug),
                "expires_at": dt.datetime.fromtimestamp(grant.expires, dt.UTC).isoformat(timespec="seconds"),
                "downloads": links(config, slug, token),
            }
        )
    return web.json_response({"releases": releases}, headers={"Cache-Control": "no-store"})
