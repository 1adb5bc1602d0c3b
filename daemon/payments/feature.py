"""The payments feature: release prices on chain, purchase verification, receipts."""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.payments import api
from tunecamp.daemon.payments.state import payments_ctx


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.payments")
    app.cleanup_ctx.append(payments_ctx)
    api.setup(app)
