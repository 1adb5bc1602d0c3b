"""The unlock feature: redeeming codes, the protected downloads, managing codes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, SECRET
from tunecamp.daemon.shared_limits import limit_source
from tunecamp.daemon.unlock import files, library, manage, redeem
from tunecamp.daemon.unlock.codes import CodeHasher
from tunecamp.daemon.unlock.limits import UNLOCK_LIMITS, UnlockLimits
from tunecamp.generator.site.i18n import N_

# A download code's state (store.state) as the codes page shows it
CODE_STATES = {
    "active": N_("active"),
    "used": N_("used up"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
}


async def hasher_ctx(app: web.Application) -> AsyncIterator[None]:
    app[redeem.HASHER] = CodeHasher(app[SECRET].value)
    yield


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.unlock")
    html.add_labels(app, "code", CODE_STATES)
    app[UNLOCK_LIMITS] = UnlockLimits.from_config(app[CONFIG], limit_source(app))
    app.cleanup_ctx.append(hasher_ctx)
    app.router.add_post("/api/unlock/redeem", redeem.redeem)
    app.router.add_get("/api/unlock/files/{release}/{path:.+}", files.protected_file)
    app.router.add_get("/api/unlock/library", library.library)
    manage.setup(app)
