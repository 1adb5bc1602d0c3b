"""The enrichment feature: the dashboard's Enrich pages, and the service behind them.

At start (`enrich_ctx`, after the database and the outbound client) one `Enricher` is made for
the daemon's life: its MusicBrainz pacer is then shared by every look-up the daemon makes, and
with Redis by every process of the instance (one request a second, whatever the workers). The
dashboard's look-ups are "enrich.lookup" jobs (lookup_job.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, DB, OUTBOUND
from tunecamp.daemon.enrich import dashboard
from tunecamp.daemon.enrich.lookup_job import register_lookup
from tunecamp.daemon.enrich.pacer import RedisPacer
from tunecamp.daemon.enrich.service import ENRICHER, Enricher
from tunecamp.daemon.enrich.settings import EnrichSettings
from tunecamp.daemon.redis_link import REDIS
from tunecamp.generator.site.i18n import N_

PACE_KEY = "tunecamp:enrich:pace:musicbrainz"  # one per Redis database: one instance

# A run's trigger (enrich_runs.trigger) and the fixed lines of a diff's match (engine.py,
# musicbrainz.py) as the pages show them; a line naming a MusicBrainz id is shown as stored
LABELS = {
    "enrich.trigger": {"command": N_("command line"), "dashboard": N_("dashboard")},
    "enrich.match": {
        "MusicBrainz not asked": N_("MusicBrainz not asked"),
        "MusicBrainz did not answer": N_("MusicBrainz did not answer"),
        "MusicBrainz: no match": N_("MusicBrainz: no match"),
    },
}


async def enrich_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = EnrichSettings.from_config(app[CONFIG])
    redis = app.get(REDIS)
    pace = None if redis is None else RedisPacer(redis, PACE_KEY, settings.musicbrainz_interval)
    app[ENRICHER] = Enricher(app[DB], app[OUTBOUND], settings, musicbrainz_pace=pace)
    yield


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.enrich")
    for group, labels in LABELS.items():
        html.add_labels(app, group, labels)
    app.cleanup_ctx.append(enrich_ctx)
    register_lookup(app)
    dashboard.setup(app)
