"""The application state every feature shares: the settings and the database.

A feature's own state (the build queue, the rate limiters...) has its key in its module.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db

CONFIG = web.AppKey("config", DaemonConfig)
DB = web.AppKey("db", Db)
