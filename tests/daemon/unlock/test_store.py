"""Codes in a real SQLite file: use limits, expiry, revoking, the redemption log, batch checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.daemon.unlock import store
from tunecamp.daemon.unlock.codes import CodeHasher, normalise

HASHER = CodeHasher(b"s" * 32)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = connect(tmp_path / "tunecamp.db")
    apply_migrations(database)
    yield database
    database.close()


def make(db: Database, count: int = 1, **batch: object) -> list[str]:
    return [c.code for c in store.generate(db, HASHER, store.Batch("tape", count, **batch))]  # type: ignore[arg-type]


def test_a_code_works_once_by_default(db: Database) -> None:
    (code,) = make(db)
    assert store.redeem(db, HASHER, "tape", code, None) is not None
    assert store.redeem(db, HASHER, "tape", code, None) is None
    (row,) = store.codes_of(db, "tape")
    assert (row["uses"], row["max_uses"], row["state"]) == (1, 1, "used")


def test_a_code_with_uses_works_that_often(db: Database) -> None:
    (code,) = make(db, uses=3)
    results = [store.redeem(db, HASHER, "tape", code.lower(), None) for _ in range(4)]
    assert [r is not None for r in results] == [True, True, True, False]
    assert len({r for r in results if r}) == 1


def test_codes_work_for_their_release_only(db: Database) -> None:
    (code,) = make(db)
    assert store.redeem(db, HASHER, "sold", code, None) is None
    assert store.redeem(db, HASHER, "tape", code, None) is not None


def test_an_expired_code_is_refused(db: Database) -> None:
    fresh, stale = make(db, 2, expires_at=store.parse_expiry("2999-01-01"))
    with db.atomic():
        db.execute(
            "UPDATE unlock_codes SET expires_at = ? WHERE code_hash = ?",
            [
                store.iso(store.dt.datetime.now(store.dt.UTC) - store.dt.timedelta(seconds=1)),
                HASHER.hash(normalise(stale) or ""),
            ],
        )
    assert store.redeem(db, HASHER, "tape", stale, None) is None
    assert store.redeem(db, HASHER, "tape", fresh, None) is not None
    states = sorted(r["state"] for r in store.codes_of(db, "tape"))
    assert states == ["expired", "used"]


def test_expiry_dates_run_to_the_end_of_the_day() -> None:
    assert store.parse_expiry("2030-12-31") == "2030-12-31T23:59:59+00:00"
    assert store.parse_expiry("2030-12-31T10:00:00+02:00") == "2030-12-31T08:00:00+00:00"
    assert store.parse_expiry("2030-12-31T10:00") == "2030-12-31T10:00:00+00:00"
    with pytest.raises(store.CodeError, match="expires: 'soon'"):
        store.parse_expiry("soon")


def test_revoking_stops_a_code_at_once(db: Database) -> None:
    one, two = make(db, 2, uses=5)
    assert store.redeem(db, HASHER, "tape", one, None) is not None
    row = store.revoke(db, HASHER, one.replace("-", "").lower())
    assert row is not None and row["release_slug"] == "tape" and row["revoked_at"]
    assert store.redeem(db, HASHER, "tape", one, None) is None
    assert store.revoke(db, HASHER, "ABCD-EFGH-JKMN") is None and store.revoke(db, HASHER, "nonsense") is None
    two_id = next(r["id"] for r in store.codes_of(db, "tape") if r["state"] == "active")
    assert store.revoke_id(db, "sold", two_id) is False  # another release's page cannot revoke it
    assert store.revoke_id(db, "tape", two_id) is True and store.revoke_id(db, "tape", two_id) is False
    assert store.redeem(db, HASHER, "tape", two, None) is None
    assert [r["state"] for r in store.codes_of(db, "tape")] == ["revoked", "revoked"]


def test_every_redemption_is_logged(db: Database) -> None:
    db.execute(
        "INSERT INTO users (username, password_hash, role, created_at, updated_at) "
        "VALUES ('ann', 'x', 'listener', '', '')"
    )
    user_id = db.execute("SELECT id FROM users WHERE username = 'ann'").fetchone()[0]
    a, b = make(db, 2, note="gig at the harbour")
    store.redeem(db, HASHER, "tape", a, user_id)
    store.redeem(db, HASHER, "tape", b, None)
    log = store.redemptions(db, "tape")
    assert [(r["username"], r["note"]) for r in log] == [
        (None, "gig at the harbour"),
        ("ann", "gig at the harbour"),
    ]
    assert all(r["redeemed_at"].endswith("+00:00") for r in log)
    assert store.summary(db) == {"tape": {"codes": 2, "active": 0, "redeemed": 2}}


def test_only_hashes_are_stored(db: Database) -> None:
    codes = make(db, 20)
    dump = "\n".join(db.conn.iterdump())
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump


@pytest.mark.parametrize(
    ("batch", "fragment"),
    [
        ({"count": 0}, "count"),
        ({"count": 10_001}, "count"),
        ({"count": 1, "uses": 0}, "uses"),
        ({"count": 1, "note": "x" * 201}, "note"),
        ({"count": 1, "expires_at": "2000-01-01T00:00:00+00:00"}, "expires"),
    ],
)
def test_bad_batches_name_the_field(db: Database, batch: dict[str, object], fragment: str) -> None:
    with pytest.raises(store.CodeError, match=fragment):
        store.generate(db, HASHER, store.Batch("tape", **batch))  # type: ignore[arg-type]
    assert store.codes_of(db, "tape") == []
