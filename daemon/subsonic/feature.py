"""The Subsonic feature: the /rest API, and the credentials apps sign in with (API and pages).

Its state (the catalog cache, the sign-ins remembered, the transcode slots...) is built when the
app starts, from the instance secret (to open app passwords) and the settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, DB, SECRET
from tunecamp.daemon.subsonic import account_api, account_pages, media, share_page
from tunecamp.daemon.subsonic.artist_images import from_site
from tunecamp.daemon.subsonic.call import SUBSONIC, Subsonic
from tunecamp.daemon.subsonic.credentials import PasswordBox
from tunecamp.daemon.subsonic.dispatch import dispatch
from tunecamp.daemon.subsonic.library_cache import LibraryCache
from tunecamp.daemon.subsonic.slots import TranscodeSlots


async def subsonic_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    state = Subsonic(
        PasswordBox.from_secret(app[SECRET].value),
        LibraryCache(app[DB], from_site(config.public_dir, config.url)),
        TranscodeSlots.from_config(config),
    )
    app[SUBSONIC] = state
    yield
    await media.stop_transcodes(state)


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.subsonic")
    app.cleanup_ctx.append(subsonic_ctx)
    account_pages.setup(app)
    account_api.setup(app)
    share_page.setup(app)
    app.router.add_get("/rest/{name:.+}", dispatch)  # and HEAD; deeper paths too: never a 404 page
    app.router.add_post("/rest/{name:.+}", dispatch)
