"""The accounts feature: signing in (API and dashboard pages) and the first Owner's setup link.

The session middleware and the token signer (sessions.py) are not set up here: `create_app`
installs them for every app, since every route's permission depends on who is calling.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.accounts import api, language, onboarding, pages


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.accounts")
    api.setup(app)
    onboarding.setup(app)
    pages.setup(app)
    language.setup(app)
