"""Rebuild when content/ changes: the generator's watcher, feeding the daemon's build queue.

Artists edit their files and expect the site to follow. The watcher (a thread, from
tunecamp.generator.watch) batches a burst of saves into one call; each call asks the
build manager for a build of what changed, which coalesces with any build already running
or queued and rebuilds only what the changed paths reach (see manager.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.site.manager import MANAGER

log = logging.getLogger("tunecamp.watch")


async def watch_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.watch or not config.content_dir.is_dir():
        yield
        return
    from tunecamp.generator.watch import watch

    loop = asyncio.get_running_loop()
    stop, ready = threading.Event(), threading.Event()

    def rebuild(changed: set[Path]) -> None:
        what = next(iter(changed)).name if len(changed) == 1 else f"{len(changed)} files"
        coroutine = app[MANAGER].request(f"content changed: {what}", None, changed=frozenset(changed))
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)

    thread = threading.Thread(
        target=watch,
        args=([config.content_dir], rebuild, stop),
        kwargs={"ready": ready},
        name="tunecamp-watch",
        daemon=True,
    )
    thread.start()
    await asyncio.to_thread(ready.wait, 10)
    log.info("watching %s for changes", config.content_dir)
    app[MANAGER].warm_up()
    yield
    stop.set()
    await asyncio.to_thread(thread.join, 10)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(watch_ctx)
