"""`tunecamp worker`'s process: the app `serve` composes, started without listening for HTTP.

The app is made by a factory (`module:function`, `tunecamp.daemon.app:create_app` unless
`--app` names another, as gunicorn and aiohttp's runner allow), so the handlers run in the
same world as in `serve`: the database, the outbound client, each feature's state. Its startup
runs the cleanup contexts, then the consumers `PLAN` asks for (consumers.py); SIGTERM or SIGINT
stops them (running jobs get TUNECAMP_SHUTDOWN_TIMEOUT to finish; the rest are queued again)
and closes the rest.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobqueue.consumers import PLAN, Plan
from tunecamp.daemon.jobs import JOBS, KINDS, Kind

log = logging.getLogger("tunecamp.jobs")
Factory = Callable[[DaemonConfig], web.Application]


class WorkerError(RuntimeError):
    """A worker that cannot start: the message names the option to change."""


def load_factory(spec: str) -> Factory:
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise WorkerError(f"--app {spec!r}: expected module:function, like tunecamp.daemon.app:create_app")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise WorkerError(f"--app {spec!r}: cannot import {module_name} ({exc})") from None
    factory = getattr(module, name, None)
    if not callable(factory):
        raise WorkerError(f"--app {spec!r}: {module_name} has no function {name}")
    return factory


def prepare(config: DaemonConfig, plan: Plan, factory: Factory) -> web.Application:
    app = factory(config)
    registered: dict[str, Kind] = app.get(KINDS, {})
    unknown = sorted(set(plan.kinds or ()) - set(registered))
    if unknown:
        raise WorkerError(
            f"--kinds: no kind of job named {', '.join(unknown)}; registered: {', '.join(sorted(registered)) or 'none'}"
        )
    app[PLAN] = plan
    return app


async def work(app: web.Application) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()  # the app's startup: its resources, then the consumers
    plan = app[PLAN]
    registered: dict[str, Kind] = app.get(KINDS, {})
    kinds = plan.kinds if plan.kinds is not None else tuple(registered)
    log.info(
        "worker running %s on %s; stop it with Ctrl+C or SIGTERM",
        ", ".join(kinds) or "nothing (no kind of job is registered)",
        app[JOBS].backend,
    )
    try:
        await stop.wait()
    finally:
        log.info(
            "worker stopping: running jobs may finish (TUNECAMP_SHUTDOWN_TIMEOUT), the rest are queued again"
        )
        await runner.cleanup()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("worker stopped")
