"""The application state every feature may read: settings, database, secret, builds, outbound client.

`create_app` sets them before any feature starts (CONFIG and DB at once, SECRET and BUILDS in its
cleanup contexts), so a feature reads them without importing the module that made them. A
feature's own state (the Subsonic caches, the live-reload hub...) has its key in its folder.
"""

from __future__ import annotations

from aiohttp import web

from tunecamp.daemon.builds import Builds
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.outbound import Outbound
from tunecamp.daemon.secret import InstanceSecret

CONFIG = web.AppKey("config", DaemonConfig)
DB = web.AppKey("db", Db)
SECRET = web.AppKey("secret", InstanceSecret)
# The site feature's build manager, as the other features see it (builds.py): typed by a protocol,
# so asking for a rebuild (admin, Subsonic startScan) or showing the last one (/health) needs no
# import of the site feature.
BUILDS: web.AppKey[Builds] = web.AppKey("builds")
# The one guarded outbound HTTP client (outbound.py), for every remote fetch and delivery.
OUTBOUND = web.AppKey("outbound", Outbound)
