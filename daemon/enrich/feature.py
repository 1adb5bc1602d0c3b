"""The enrichment feature: the dashboard's Enrich pages, and the service behind them.

At start (`enrich_ctx`, after the database and the outbound client) one `Enricher` is made for
the daemon's life: its MusicBrainz pacer is then shared by every look-up the daemon makes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, DB, OUTBOUND
from tunecamp.daemon.enrich import dashboard
from tunecamp.daemon.enrich.service import Enricher
from tunecamp.daemon.enrich.settings import EnrichSettings


async def enrich_ctx(app: web.Application) -> AsyncIterator[None]:
    app[dashboard.ENRICHER] = Enricher(app[DB], app[OUTBOUND], EnrichSettings.from_config(app[CONFIG]))
    yield


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.enrich")
    app.cleanup_ctx.append(enrich_ctx)
    dashboard.setup(app)
