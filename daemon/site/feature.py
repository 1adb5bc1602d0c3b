"""The site feature: rebuilding public/ as content/ changes, and serving it.

`setup` adds the content watcher and the preview's live reload. Two pieces are set up by
`create_app` itself, whatever features it composes: the build manager (`builds_ctx`, with the
after-build refreshers handed to it), since the admin, the Subsonic API and /health ask it for
builds; and public/ (`public.setup`), registered after every feature as the catch-all route.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.site import livereload, watcher


def setup(app: web.Application) -> None:
    watcher.setup(app)
    livereload.setup(app)
