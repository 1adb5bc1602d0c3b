"""The site feature: rebuilding public/ as content/ changes, and serving it.

`setup` declares the "site.rebuild" job kind (rebuild_job.py) and adds the content watcher and the
preview's live reload. Two pieces are set up by
`create_app` itself, whatever features it composes: the build manager (`builds_ctx`, with the
after-build refreshers handed to it), since the admin, the Subsonic API and /health ask it for
builds; and public/ (`public.setup`), registered after every feature as the catch-all route.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.site import livereload, rebuild_job, watcher
from tunecamp.daemon.site.manager import MANAGER


def setup(app: web.Application) -> None:
    rebuild_job.register_rebuild(app, lambda: app[MANAGER].run_booked())
    watcher.setup(app)
    livereload.setup(app)
