"""A web app that only queues and worker apps that run its jobs, on one database (and one Redis).

For the tests of a feature's job kinds on either backend: `backend_config` gives the settings of
the fixture's backend ("sqlite" or "redis", its `request.param`), the web app is made with
`jobs_in_process="off"`, and `Workers.start` makes a worker as `tunecamp worker` does: the app's
resources and consumers, no listening socket.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig


def backend_config(request: pytest.FixtureRequest, config: DaemonConfig, **changes: Any) -> DaemonConfig:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return replace(config, redis_url=redis_url, jobs_poll=0.1, **changes)


class Workers:
    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        self.runners: list[web.AppRunner] = []

    async def start(self) -> web.Application:
        app = create_app(replace(self.config, jobs_in_process="on"))
        runner = web.AppRunner(app)
        await runner.setup()  # its resources and its consumers, no listening socket: a worker
        self.runners.append(runner)
        return app

    async def close(self) -> None:
        for runner in self.runners:
            await runner.cleanup()
