"""The daemon's aiohttp application, composed from its features.

`/health` comes first and depends on nothing else; then the features, each owning its
routes, handlers and SQL; the static site last, as the catch-all. Resources (the
database thread, the token secret, the build manager) live in `cleanup_ctx`, so nothing
happens before the app starts and everything is closed when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable

from aiohttp import web

from tunecamp.daemon import (
    admin_api,
    auth,
    dashboard,
    dashboard_subsonic,
    health,
    livereload,
    onboarding,
    previews,
    static,
    subsonic_app,
    watcher,
)
from tunecamp.daemon.auth import AUTH, Auth, auth_middleware
from tunecamp.daemon.builds import BUILDS, BuildManager
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.errors import error_middleware, protocol_log
from tunecamp.daemon.keys import CONFIG, DB
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, LoginLimits
from tunecamp.daemon.roles import access_middleware, check_routes
from tunecamp.daemon.tokens import Signer, resolve_secret

log = logging.getLogger("tunecamp.daemon")
Feature = Callable[[web.Application], None]

# Every feature is a `setup(app)` that adds its routes (and its state and cleanup, if any).
FEATURES: tuple[Feature, ...] = (
    auth.setup,
    onboarding.setup,
    admin_api.setup,
    previews.setup,
    dashboard.setup,
    dashboard_subsonic.setup,
    watcher.setup,
    livereload.setup,
    subsonic_app.setup,
)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    db = app[DB]
    await db.open()
    yield
    await db.close()
    log.info("database closed")


async def auth_ctx(app: web.Application) -> AsyncIterator[None]:
    secret, source = resolve_secret(app[CONFIG])
    app[AUTH] = Auth(Signer(secret), source)
    yield


async def builds_ctx(app: web.Application) -> AsyncIterator[None]:
    manager = BuildManager(app[CONFIG], app[DB])
    app[BUILDS] = manager
    yield
    await manager.close()


def create_app(config: DaemonConfig, features: Iterable[Feature] = FEATURES) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, auth_middleware, access_middleware],
        client_max_size=config.max_body,
        handler_args={"logger": protocol_log()},
    )
    app[CONFIG] = config
    app[DB] = Db(config.database_path)  # opened by database_ctx, on the database thread
    app[LOGIN_LIMITS] = LoginLimits.from_config(config)
    health.setup(app)  # first: answers whatever else is broken
    app.cleanup_ctx.extend([database_ctx, auth_ctx, builds_ctx])
    for setup in features:
        setup(app)
    static.setup(app)  # last: the catch-all
    check_routes(app)
    return app
