"""The admin feature: the JSON API under /api/admin, the dashboard at /admin, release previews."""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.admin import api, pages, previews


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.admin")
    api.setup(app)
    previews.setup(app)
    pages.setup(app)
