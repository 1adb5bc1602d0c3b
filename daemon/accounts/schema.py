"""The accounts feature's migration set, for its tables to come.

Its tables so far (`users` and `user_artists`, shared through users.py, and onboarding's
`setup_tokens`) were made by `m001_users` in the set `tunecamp.instance` (schema.py), before the
feature folders; that migration is never split. A new table or change of accounts goes here.
"""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATIONS = Migrations("tunecamp.accounts")
