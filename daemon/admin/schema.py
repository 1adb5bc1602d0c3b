"""The admin feature's migration set, for its tables to come.

The admin has no table of its own yet: it reads the catalog index, the users and the builds
through their owners. A table it needs (an audit log, say) starts here.
"""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATIONS = Migrations("tunecamp.admin")
