"""The database schema: every migration set, applied in order at every start (sqlite-utils).

sqlite-utils records each applied migration as (set, name) in `_sqlite_migrations` and applies
a set's pending ones in the order they were registered. So a migration, once it has been
applied anywhere, keeps its set, its name and its place for ever, wherever its code lives.

History. Before the daemon was split into feature folders it had two sets: `tunecamp.instance`
(accounts, builds, Subsonic state: precious, never rebuilt) and `tunecamp.catalog` (the index
derived from content/, whose rows keep their IDs across rescans). Their migrations now live
with the tables' owners (schema.py for the shared tables, site/schema.py, subsonic/schema.py),
and `HISTORY` below registers them under their old set and name, in their old order, which a
database made before the split proves (tests/daemon/test_db_before_rooms.py). Both sets are
closed: nothing is appended to them. (Two of their names start with m003: `m003_builds_skipped`
and `m003_subsonic`. Were one ever appended, it would be m004.)

From now on each feature's schema.py owns a set of its own, `tunecamp.<feature>`, listed in
`SETS` after the two old ones: its new tables and changes go there, numbered from m001. An
applied migration is never edited, only followed by a new one.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator

from sqlite_utils import Database, Migrations

from tunecamp.daemon import entitlements, schema
from tunecamp.daemon.accounts import schema as accounts
from tunecamp.daemon.admin import schema as admin
from tunecamp.daemon.chat import schema as chat
from tunecamp.daemon.discovery import schema as discovery
from tunecamp.daemon.enrich import schema as enrich
from tunecamp.daemon.federation import schema as federation
from tunecamp.daemon.jobqueue import schema as jobqueue
from tunecamp.daemon.live import schema as live
from tunecamp.daemon.payments import schema as payments
from tunecamp.daemon.site import schema as site
from tunecamp.daemon.subsonic import schema as subsonic
from tunecamp.daemon.unlock import schema as unlock

instance = Migrations("tunecamp.instance")
catalog = Migrations("tunecamp.catalog")

# (set, name as recorded in databases, function), in the order they were first registered.
HISTORY: tuple[tuple[Migrations, str, Callable[[Database], None]], ...] = (
    (instance, "m001_users", schema.m001_users),
    (instance, "m002_builds", site.m002_builds),
    (instance, "m003_builds_skipped", site.m003_builds_skipped),
    (catalog, "m001_catalog_index", schema.m001_catalog_index),
    (instance, "m003_subsonic", subsonic.m003_subsonic),
    (catalog, "m002_catalog_media", subsonic.m002_catalog_media),
)
for migrations, name, function in HISTORY:
    migrations(name=name)(function)

SETS: tuple[Migrations, ...] = (
    instance,
    catalog,
    accounts.MIGRATIONS,
    admin.MIGRATIONS,
    site.MIGRATIONS,
    subsonic.MIGRATIONS,
    entitlements.MIGRATIONS,
    unlock.MIGRATIONS,
    payments.MIGRATIONS,
    federation.MIGRATIONS,
    live.MIGRATIONS,
    discovery.MIGRATIONS,
    chat.MIGRATIONS,
    enrich.MIGRATIONS,
    jobqueue.MIGRATIONS,
)


def apply_migrations(db: Database, sets: tuple[Migrations, ...] = SETS) -> list[str]:
    """Apply every pending migration; returns the names applied ("set:name")."""
    applied = []
    with _one_process_at_a_time(db):
        for migrations in sets:
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
            applied += [f"{migrations.name}:{name}" for name in pending]
    return applied


@contextlib.contextmanager
def _one_process_at_a_time(db: Database) -> Iterator[None]:
    """Several processes on one data folder (web processes, workers) start together: one migrates
    while the others wait, then find nothing pending, instead of failing on "table already exists"."""
    path = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:  # an in-memory database: nobody else sees it
        yield
        return
    with open(path + ".migrating", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield
