"""The outbox: an activity written once with its inboxes, handed to the jobs engine once, pruned later."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from tunecamp.daemon.db import connect
from tunecamp.daemon.federation import outbox
from tunecamp.daemon.federation.outbox import Activity
from tunecamp.daemon.migrations import apply_migrations

NOTE = {"type": "Create", "id": "https://site.test/ap/releases/r/create.json", "actor": "https://site.test/a"}
CREATE = Activity(NOTE["id"], "aurora", NOTE)
INBOXES = ["https://a.test/inbox", "https://b.test/inbox", "https://a.test/inbox"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = connect(tmp_path / "tunecamp.db")
    apply_migrations(database)
    yield database
    database.close()


def test_an_activity_is_written_once_with_its_distinct_inboxes(db: Database) -> None:
    assert outbox.add(db, CREATE, INBOXES, now=100) == 2
    # the same activity again (a sync repeated after a crash), even to more inboxes: nothing
    assert outbox.add(db, CREATE, [*INBOXES, "https://c.test/inbox"], now=101) == 0
    assert outbox.waiting(db) == [(CREATE.id, ["https://a.test/inbox", "https://b.test/inbox"])]
    assert outbox.activity(db, CREATE.id) == ("aurora", json.dumps(NOTE).encode())


def test_what_is_not_an_http_url_is_no_inbox(db: Database) -> None:
    assert outbox.add(db, CREATE, ["", "ftp://x/inbox", "javascript:alert(1)"], now=1) == 0
    assert outbox.waiting(db) == []  # nobody to send it to: nothing to hand over
    assert outbox.describe(db, [CREATE.id, "other"]) == {CREATE.id: ("Create", "aurora")}


def test_a_claim_holds_until_it_is_stale_and_a_handed_activity_is_pruned_later(db: Database) -> None:
    outbox.add(db, CREATE, INBOXES, now=100)
    (claimed,) = outbox.claim(db, now=100)
    assert claimed[0] == CREATE.id
    assert outbox.claim(db, now=101) == []  # another process's hand-over leaves it alone
    # the process that claimed it died before the jobs were queued: taken again once stale
    assert outbox.claim(db, now=100 + outbox.STALE + 1) == [claimed]
    outbox.unclaim(db, [CREATE.id])  # the engine refused: the next hand-over takes it
    assert outbox.claim(db, now=500) == [claimed]
    outbox.handed(db, [CREATE.id])
    assert outbox.waiting(db) == [] and outbox.claim(db, now=10_000) == []
    assert outbox.prune(db, now=500 + outbox.KEEP - 1) == 0
    assert outbox.prune(db, now=100 + outbox.KEEP - 1) == 0
    assert outbox.prune(db, now=500 + outbox.KEEP + 1) == 1
    assert outbox.activity(db, CREATE.id) is None


def test_the_old_queue_lists_its_pending_rows_and_is_emptied(db: Database) -> None:
    with db.conn:
        outbox.add(db, CREATE, [], now=1)
        for inbox, state in (("https://a.test/inbox", "pending"), ("https://b.test/inbox", "dead")):
            db.execute(
                "INSERT INTO fed_deliveries (activity_id, inbox, host, state, next_at, created_at, updated_at)"
                " VALUES (?, ?, 'x', ?, 0, 0, 0)",
                [CREATE.id, inbox, state],
            )
    assert outbox.old_queue(db) == [(CREATE.id, "https://a.test/inbox")]
    assert outbox.forget_old_queue(db) == 1
    assert outbox.old_queue(db) == []
