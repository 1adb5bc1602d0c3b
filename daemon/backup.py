"""`tunecamp backup`: a consistent copy of the database while the daemon keeps running.

SQLite's online backup API copies the pages under a read transaction, so writers carry
on and the copy is exactly one committed state. The copy is written beside its final
name, checked, then renamed, so a backup that fails leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    pass


def default_destination(data_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return data_dir / "backups" / f"tunecamp-{stamp}.db"


def backup(database: Path, destination: Path) -> Path:
    if not database.is_file():
        raise BackupError(f"{database} does not exist: nothing to back up")
    if destination.exists():
        raise BackupError(f"{destination} exists; choose another name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(f".{destination.name}.tmp")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target, pages=1024)  # in steps: writers get the lock between them
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"backup of {database} failed: {exc}") from None
    finally:
        source.close()
    if check != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    os.chmod(tmp, 0o600)  # it holds password hashes
    os.replace(tmp, destination)
    return destination
