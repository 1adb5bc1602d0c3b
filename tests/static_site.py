"""A built site on a real HTTP server on loopback, for the browser tests.

Import with `from static_site import serve_folder`. The server runs its own event loop in a thread
(Playwright's sync API owns the main one): files with Range support, index.html for folders,
404.html (status 404) for the rest, as a static host serves a TuneCamp site.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web


def _static_app(root: Path) -> web.Application:
    async def serve(request: web.Request) -> web.StreamResponse:
        path = (root / request.match_info["path"]).resolve()
        if not path.is_relative_to(root):
            raise web.HTTPNotFound()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return web.FileResponse(root / "404.html", status=404)
        return web.FileResponse(path)

    app = web.Application()
    app.router.add_get("/{path:.*}", serve)
    return app


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port); yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_static_app(root.resolve()))
    ready: queue.Queue[int] = queue.Queue()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(tcp.start())
        ready.put(tcp._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{ready.get(timeout=30)}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
