"""The live feature: an artist broadcasts from a browser tab, listeners play one shared HLS encoding."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import ANNOUNCE, CONFIG, DB
from tunecamp.daemon.live import api, pages
from tunecamp.daemon.live.hub import END_REASONS, LiveHub
from tunecamp.daemon.live.settings import LiveSettings
from tunecamp.daemon.live.shared import SharedLive
from tunecamp.daemon.redis_link import REDIS

# set before the app starts to replace the settings read from the config (the fault tests)
SETTINGS = web.AppKey("live_settings", LiveSettings)


async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    hub = app[api.HUB] = LiveHub(
        settings=app.get(SETTINGS) or LiveSettings.from_config(config),
        root=config.data_dir / "live",
        content_dir=config.content_dir,
        db=app[DB],
        base_url=config.url,
        announce=app.get(ANNOUNCE),
        # several processes: the broadcasts are published for the others' listeners (live/shared.py)
        shared=SharedLive(app[REDIS]) if REDIS in app else None,
    )
    if app[DB].error is None:
        await hub.open()
    yield
    await hub.close()


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.live")
    html.add_labels(app, "live.end", END_REASONS)
    app.cleanup_ctx.append(hub_ctx)
    api.setup(app)
    r = app.router
    r.add_get("/admin/live", pages.broadcaster)
    # in this order: an artist called "assets" keeps its playlist link, session ids are hex
    r.add_get("/live/{slug}/index.m3u8", api.playlist)
    r.add_get("/live/assets/{name}", pages.asset)
    r.add_get("/live/{slug}/{name}", api.segment)
    r.add_get("/live/{slug}/", pages.listener)
