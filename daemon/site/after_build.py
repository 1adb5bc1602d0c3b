"""After a build: the catalog index, then the refreshers `create_app` handed over, from one scan.

Runs in the worker process after a worker build, and in the daemon (in a thread) after a
watcher's build. The refreshers are other features' rows that follow the catalog (today the
Subsonic API's media rows); the worker gets them by name on its command line (builds.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from tunecamp.daemon.builds import Refresher
from tunecamp.daemon.catalog_index import RefreshStats, refresh
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.generator.catalog.model import Catalog


def refresh_index(data_dir: Path, catalog: Catalog, after_build: Sequence[Refresher]) -> RefreshStats:
    """Bring the catalog index, then every refresher's rows, up to `catalog`; returns the index's stats."""
    db = connect(data_dir / "tunecamp.db")
    try:
        apply_migrations(db)
        stats = refresh(db, catalog)
        for refresher in after_build:
            refresher(db, catalog)
    finally:
        db.close()
    return stats


def load_refresher(name: str) -> Refresher:
    """The refresher a worker's `--after-build module:function` names."""
    module, _, function = name.partition(":")
    found = getattr(importlib.import_module(module), function, None)
    if not callable(found):
        raise ValueError(f"--after-build {name}: not a function (module:function)")
    return found
