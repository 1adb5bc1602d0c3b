"""The payments feature's tables (set `tunecamp.payments`): sign-in nonces, verified purchases,
and the prices of the paid releases as the last build read them."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.payments")


@MIGRATIONS(name="m001_payments")
def m001_payments(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE payments_nonces (
            nonce TEXT PRIMARY KEY,
            address TEXT NOT NULL,
            release_slug TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE TABLE payments_purchases (
            tx_hash TEXT PRIMARY KEY,
            release_slug TEXT NOT NULL,
            buyer TEXT NOT NULL,
            amount TEXT NOT NULL,
            token TEXT NOT NULL,
            block_number INTEGER NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX payments_purchases_buyer ON payments_purchases(buyer);
        CREATE TABLE payments_releases (
            slug TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            policy TEXT NOT NULL,
            price TEXT,
            currency TEXT NOT NULL,
            artist_slugs TEXT NOT NULL
        );
        """,
    )
