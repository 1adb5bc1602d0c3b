"""The accounts feature's migration set, for its tables to come.

Its tables so far (`users` and `user_artists`, shared through users.py, and onboarding's
`setup_tokens`) were made by `m001_users` in the set `tunecamp.instance` (schema.py), before the
feature folders; that migration is never split. A new table or change of accounts goes here.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from tunecamp.daemon.schema import run_script

MIGRATIONS = Migrations("tunecamp.accounts")


@MIGRATIONS(name="m001_account_languages")
def m001_account_languages(db: Database) -> None:
    # one row per account that chose a language; none: Accept-Language, then the catalog's
    run_script(
        db,
        """
        CREATE TABLE account_languages (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            language TEXT NOT NULL
        );
        """,
    )
