"""The admin feature: the JSON API under /api/admin, the dashboard at /admin, release previews."""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.admin import api, pages, previews
from tunecamp.generator.site.i18n import N_

# A build's state (site/runs.py), as its page and the dashboard's summary show it
BUILD_STATES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "ok": N_("succeeded"),
    "failed": N_("failed"),
    "skipped": N_("skipped, nothing changed"),
}


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.admin")
    html.add_labels(app, "build", BUILD_STATES)
    api.setup(app)
    previews.setup(app)
    pages.setup(app)
