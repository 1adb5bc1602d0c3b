"""The daemon's aiohttp application, composed from its features.

Every feature is a folder with a `setup(app)` (its feature.py) that adds its routes, templates,
state and cleanup; no feature imports another. What one needs of another is handed over here:

- the build manager (site) is set up for every app, with the after-build refreshers of the
  other features (the Subsonic API's media rows), since the admin, the Subsonic API and /health
  ask it for builds through `appkeys.BUILDS`;
- the HTML pages (html.py) are set up before the features, with the accounts feature's CSRF
  token for their forms, so any feature's pages render whichever others are composed;
- sign-in (accounts' session middleware and token signer) is set up for every app, since every
  route's permission depends on who is calling;
- federation's `notes.announcer` is handed to live as `appkeys.ANNOUNCE` (a broadcast's start and
  end, to the artist's followers) when federation is composed.
- discovery's seeds include the servers of the fediverse accounts following this instance's
  artists and of those its label follows: `fediverse_origins` reads them from the federation's
  tables (discovery.SEED_SOURCE);
- federation's `following.ArtistFollowing` is handed to discovery as `appkeys.FOLLOWS` (the
  dashboard's "Follow artists" of a discovered instance) when federation is composed;
- the chat checks a WebSocket's `?token=` with the accounts' token signer, handed over as `TOKEN_USER`.
- the Subsonic API lists the running live broadcasts as internet radio: `live_stations` reads
  them from live's hub, handed over as `appkeys.LIVE_STATIONS` when live is composed.

`/health` comes first and depends on nothing else; public/ (the site) last, as the catch-all.
Resources (the database thread, the instance secret, the outbound client, the build manager) live
in `cleanup_ctx`, so nothing happens before the app starts and everything is closed when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from aiohttp import web

from tunecamp.daemon import health, html
from tunecamp.daemon.access_log import timing_middleware
from tunecamp.daemon.accounts import feature as accounts
from tunecamp.daemon.accounts.sessions import auth_middleware, authenticate, csrf_token, signer_ctx
from tunecamp.daemon.accounts.tokens import InvalidToken
from tunecamp.daemon.admin import feature as admin
from tunecamp.daemon.appkeys import (
    ANNOUNCE,
    CONFIG,
    DB,
    FOLLOWS,
    LIVE_STATIONS,
    OUTBOUND,
    SECRET,
    LiveStation,
)
from tunecamp.daemon.builds import Refresher
from tunecamp.daemon.chat import feature as chat
from tunecamp.daemon.chat.access import TOKEN_USER
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.discovery import feature as discovery
from tunecamp.daemon.enrich import feature as enrich
from tunecamp.daemon.errors import error_middleware, protocol_log
from tunecamp.daemon.federation import feature as federation
from tunecamp.daemon.federation import notes as federation_notes
from tunecamp.daemon.federation.following import ArtistFollowing
from tunecamp.daemon.grants import GRANTS, GrantSigner
from tunecamp.daemon.jobqueue import feature as jobqueue
from tunecamp.daemon.live import feature as live
from tunecamp.daemon.live.api import HUB as LIVE_HUB
from tunecamp.daemon.outbound import Outbound, OutboundConfig
from tunecamp.daemon.payments import feature as payments
from tunecamp.daemon.payments.releases import refresh_prices
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, LoginLimits
from tunecamp.daemon.redis_link import redis_ctx
from tunecamp.daemon.roles import access_middleware, check_routes
from tunecamp.daemon.secret import InstanceSecret, resolve_secret
from tunecamp.daemon.shared_limits import LIMITS, SharedLimits, limits_ctx
from tunecamp.daemon.site import feature as site
from tunecamp.daemon.site import public
from tunecamp.daemon.site.manager import builds_ctx
from tunecamp.daemon.subsonic import feature as subsonic
from tunecamp.daemon.subsonic.media_rows import refresh_media
from tunecamp.daemon.unlock import feature as unlock
from tunecamp.daemon.users import User

log = logging.getLogger("tunecamp.daemon")
Feature = Callable[[web.Application], None]

FEATURES: tuple[Feature, ...] = (
    jobqueue.setup,  # first: app[JOBS] exists before any feature's own start, KINDS before any register
    accounts.setup,
    admin.setup,
    site.setup,
    subsonic.setup,
    unlock.setup,
    payments.setup,
    federation.setup,
    live.setup,
    discovery.setup,
    chat.setup,
    enrich.setup,
)

# Rows of other features that follow the catalog: refreshed after the catalog index, after every build.
AFTER_BUILD: tuple[Refresher, ...] = (refresh_media, refresh_prices)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    db = app[DB]
    await db.open()
    yield
    await db.close()
    log.info("database closed")


async def outbound_ctx(app: web.Application) -> AsyncIterator[None]:
    """The guarded outbound client (its session opens at the first request), closed at the end."""
    app[OUTBOUND] = Outbound(OutboundConfig.from_config(app[CONFIG]))
    yield
    await app[OUTBOUND].close()


async def secret_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SECRET] = InstanceSecret(*resolve_secret(app[CONFIG]))
    app[GRANTS] = GrantSigner(app[SECRET].value)  # download grants: unlock/ and payments/ issue them
    yield


def fediverse_origins(db: Db) -> Callable[[], Awaitable[list[str]]]:
    """The actor URLs of the accepted followers and followed (discovery keeps their origins as seeds)."""

    async def origins() -> list[str]:
        sql = (
            "SELECT actor FROM fed_followers WHERE state = 'accepted'"
            " UNION SELECT actor FROM fed_following WHERE state = 'accepted' LIMIT 5000"
        )
        return await db.run(lambda d: [row["actor"] for row in d.query(sql)])

    return origins


async def token_user(app: web.Application, token: str) -> User | None:
    """The account a token signed in as, or None: the chat's `?token=` (a browser's WebSocket has no header)."""
    try:
        return (await authenticate(app, token))[0]
    except InvalidToken:
        return None


def live_stations(app: web.Application) -> Callable[[], list[LiveStation]]:
    """The broadcasts live now (the hub exists once the app has started; none before)."""

    def stations() -> list[LiveStation]:
        hub = app.get(LIVE_HUB)
        if hub is None:
            return []
        base = app[CONFIG].url
        here = [s.status(base) for s in list(hub.sessions.values()) if s.state == "live"]
        # with Redis, other processes' broadcasts too (as of the hub's last heartbeat)
        there = [s for s in hub.shared.elsewhere.values() if s["live"]] if hub.shared else []
        return [LiveStation(s["id"], s["artist"], s["title"], s["playlist"], s["page"]) for s in here + there]

    return stations


def create_app(config: DaemonConfig, features: Iterable[Feature] = FEATURES) -> web.Application:
    app = web.Application(
        middlewares=[timing_middleware, error_middleware, auth_middleware, access_middleware],
        client_max_size=config.max_body,
        handler_args={"logger": protocol_log()},
    )
    app[CONFIG] = config
    app[DB] = Db(config.database_path)  # opened by database_ctx, on the database thread
    app[LIMITS] = SharedLimits()  # in Redis once limits_ctx attaches the pool, else in-process
    app[LOGIN_LIMITS] = LoginLimits.from_config(config, app[LIMITS])
    app[discovery.SEED_SOURCE] = fediverse_origins(app[DB])
    app[TOKEN_USER] = lambda token: token_user(app, token)
    health.setup(app)  # first: answers whatever else is broken
    html.setup(app, csrf_token)
    app.cleanup_ctx.extend(
        [database_ctx, redis_ctx, limits_ctx, secret_ctx, outbound_ctx, signer_ctx, builds_ctx(AFTER_BUILD)]
    )
    features = tuple(features)
    if federation.setup in features:  # live announces going live to the artist's followers
        app[ANNOUNCE] = federation_notes.announcer(app)
        app[FOLLOWS] = ArtistFollowing(app)  # discovery's "Follow artists"
    if live.setup in features:  # the Subsonic API lists the broadcasts as internet radio
        app[LIVE_STATIONS] = live_stations(app)
    for setup in features:
        setup(app)
    public.setup(app)  # last: the catch-all
    check_routes(app)
    return app
