"""The SQLite delivery queue: idempotent enqueue, leases that survive a killed daemon, ack, fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from tunecamp.daemon.db import connect
from tunecamp.daemon.federation import queue
from tunecamp.daemon.federation.queue import Activity
from tunecamp.daemon.federation.queue_schema import QUEUE_MIGRATIONS

NOTE = {"type": "Create", "id": "https://site.test/ap/releases/r/create.json", "actor": "https://site.test/a"}
CREATE = Activity(NOTE["id"], "aurora", NOTE)
INBOXES = ["https://a.test/inbox", "https://b.test/inbox", "https://a.test/inbox"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = connect(tmp_path / "tunecamp.db")
    for _, migration in QUEUE_MIGRATIONS:
        migration(database)
    yield database
    database.close()


def test_enqueue_is_idempotent_by_activity_and_inbox(db: Database) -> None:
    assert queue.enqueue(db, CREATE, INBOXES, now=100) == 2
    assert queue.enqueue(db, CREATE, [*INBOXES, "https://c.test/inbox"], now=101) == 1
    assert queue.counts(db, now=101).pending == 3


def test_enqueue_ignores_what_is_not_an_http_url(db: Database) -> None:
    assert queue.enqueue(db, CREATE, ["", "ftp://x/inbox", "javascript:alert(1)"], now=1) == 0


def test_claim_leases_and_an_expired_lease_is_claimed_again(db: Database) -> None:
    queue.enqueue(db, CREATE, INBOXES, now=100)
    first = queue.claim(db, 10, lease=30, owner="run-1", now=100)
    assert sorted(d.host for d in first) == ["a.test", "b.test"]
    assert first[0].actor == "aurora" and '"Create"' in first[0].body
    # the lease holds: nothing to claim for another run while it lasts
    assert queue.claim(db, 10, lease=30, owner="run-2", now=120) == []
    # the daemon died mid-send: after the lease both are claimed again, nothing lost
    again = queue.claim(db, 10, lease=30, owner="run-2", now=131)
    assert {d.id for d in again} == {d.id for d in first}


def test_an_acknowledged_delivery_is_never_sent_again(db: Database) -> None:
    queue.enqueue(db, CREATE, INBOXES, now=100)
    claimed = queue.claim(db, 10, lease=30, owner="run-1", now=100)
    queue.ack(db, claimed[0].id, now=101)
    assert [d.id for d in queue.claim(db, 10, lease=30, owner="run-2", now=500)] == [claimed[1].id]
    # publishing again after a restart adds nothing: the pair is known
    assert queue.enqueue(db, CREATE, INBOXES, now=600) == 0
    assert queue.counts(db, now=600).done == 1


def test_fail_books_a_retry_or_dead_letters(db: Database) -> None:
    queue.enqueue(db, CREATE, INBOXES, now=100)
    a, b = queue.claim(db, 10, lease=30, owner="r", now=100)
    queue.fail(db, a.id, retry_at=160, error="HTTP 500", status=500, now=101)
    queue.fail(db, b.id, retry_at=None, error="HTTP 403", status=403, now=101)
    assert queue.claim(db, 10, lease=30, owner="r", now=150) == []
    (retried,) = queue.claim(db, 10, lease=30, owner="r", now=160)
    assert retried.id == a.id and retried.attempts == 1
    counts = queue.counts(db, now=160)
    assert (counts.dead, counts.retrying, counts.leased) == (1, 1, 1)
    rows = queue.failed(db, 10)
    assert {r["last_status"] for r in rows} == {500, 403}
    assert queue.next_due(db) == 190  # the lease of the retried one


def test_retry_sends_a_dead_letter_again(db: Database) -> None:
    queue.enqueue(db, CREATE, INBOXES[:1], now=100)
    (a,) = queue.claim(db, 1, lease=30, owner="r", now=100)
    queue.fail(db, a.id, retry_at=None, error="gave up", now=101)
    assert queue.retry(db, 999, now=200) == 0
    assert queue.retry(db, a.id, now=200) == 1
    (again,) = queue.claim(db, 1, lease=30, owner="r", now=200)
    assert again.id == a.id and again.created_at == 200


def test_prune_keeps_recent_done_rows(db: Database) -> None:
    queue.enqueue(db, CREATE, INBOXES[:1], now=100)
    (a,) = queue.claim(db, 1, lease=30, owner="r", now=100)
    queue.ack(db, a.id, now=100)
    assert queue.prune(db, now=200) == 0
    assert queue.prune(db, now=100 + queue.KEEP_DONE + 1) == 1
    assert db.execute("SELECT COUNT(*) FROM fed_activities").fetchone()[0] == 0
