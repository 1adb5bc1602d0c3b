from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tunecamp.daemon.db import DatabaseUnavailable, Db, connect
from tunecamp.daemon.migrations import SETS, apply_migrations


def test_from_empty_then_rerun(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.db")
    applied = apply_migrations(db)
    assert applied == [f"{s.name}:{m.name}" for s in SETS for m in s.pending(connect(tmp_path / "other.db"))]
    assert {
        "users",
        "user_artists",
        "setup_tokens",
        "builds",
        "catalog_artists",
        "catalog_albums",
        "catalog_tracks",
    } <= set(db.table_names())
    assert apply_migrations(db) == []  # re-run: nothing pending, nothing changed
    rows = db.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
    assert len(rows) == len(applied)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_a_second_process_sees_the_schema(tmp_path: Path) -> None:
    apply_migrations(connect(tmp_path / "t.db"))
    again = connect(tmp_path / "t.db")
    assert apply_migrations(again) == []


MIGRATE = """
import sys
from pathlib import Path
from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
sys.stdin.readline()  # every process waits here, then all start at once
print(len(apply_migrations(connect(Path(sys.argv[1])))))
"""


def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    # web processes and workers on one data folder start at the same moment (compose, systemd)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, str(tmp_path / "t.db")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _out, err in results]
    applied = sorted(int(out) for out, _err in results)
    assert applied[:3] == [0, 0, 0] and applied[3] > 0  # one did the work, the others found it done


def test_the_user_role_is_checked_by_the_schema(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.db")
    apply_migrations(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO users (username, password_hash, role, created_at, updated_at) "
            "VALUES ('x', 'h', 'root', '', '')"
        )


async def test_db_runs_on_one_thread_and_closes_cleanly(tmp_path: Path) -> None:
    db = Db(tmp_path / "t.db")
    await db.open()
    assert db.error is None
    threads = {await db.run(lambda d: __import__("threading").get_ident()) for _ in range(5)}
    assert len(threads) == 1
    await db.close()
    assert not (tmp_path / "t.db-wal").exists() or (tmp_path / "t.db-wal").stat().st_size == 0
    with pytest.raises(DatabaseUnavailable):
        await db.run(lambda d: 1)


async def test_an_unreadable_database_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    path.write_bytes(b"this is not a database" * 100)
    db = Db(path)
    await db.open()
    assert db.error and "DatabaseError" in db.error
    with pytest.raises(DatabaseUnavailable):
        await db.run(lambda d: 1)
    await db.close()


def test_builds_rows_survive_the_skipped_state_migration(tmp_path: Path) -> None:
    from tunecamp.daemon.migrations import instance

    db = connect(tmp_path / "t.db")
    instance.apply(db, stop_before="m003_builds_skipped")
    db.execute("INSERT INTO builds (reason, started_at, state) VALUES ('old', 'now', 'ok')")
    db.conn.commit()
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO builds (reason, started_at, state) VALUES ('x', 'now', 'skipped')")
    apply_migrations(db)
    db.execute("INSERT INTO builds (reason, started_at, state) VALUES ('new', 'now', 'skipped')")
    assert [r[0] for r in db.execute("SELECT reason FROM builds ORDER BY id").fetchall()] == ["old", "new"]
