"""Who receives a local actor's activities: its accepted followers, one inbox per server.

Followers are the inbox's rows (`fed_followers`, written by activities.py); a delivery goes to
a follower's shared inbox when its server has one, else to its own inbox, so a server with
a thousand followers of an artist gets one POST. A 410 Gone from an inbox means the account(s)
behind it are gone: their follows are removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database


def inboxes(db: Database, usernames: Iterable[str]) -> list[str]:
    """The distinct delivery inboxes of the accepted followers of `usernames`."""
    names = sorted(set(usernames))
    if not names:
        return []
    marks = ",".join("?" * len(names))
    rows = db.execute(
        "SELECT DISTINCT COALESCE(NULLIF(shared_inbox, ''), inbox) FROM fed_followers"
        f" WHERE state = 'accepted' AND username IN ({marks}) ORDER BY 1",
        names,
    ).fetchall()
    return [r[0] for r in rows if r[0]]


def anyone_follows(db: Database) -> bool:
    return db.execute("SELECT 1 FROM fed_followers WHERE state = 'accepted' LIMIT 1").fetchone() is not None


def remove_gone(db: Database, inbox: str) -> int:
    """Drop the follows delivered through `inbox` (it answered 410 Gone); returns how many."""
    with db.conn:
        return db.execute(
            "DELETE FROM fed_followers WHERE inbox = ? OR shared_inbox = ?", [inbox, inbox]
        ).rowcount
