"""Each user's listening state in SQL: stars, ratings, plays, playlists, bookmarks, play queue.

Instance state (never rebuilt), keyed by user and by the catalog index's stable IDs. Every
function runs on the database thread (through `Db.run`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.subsonic.items import Annotations

T = TypeVar("T")

CHUNK = 900  # bound variables per IN (...)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# --- annotations ---------------------------------------------------------------------


def load_annotations(db: Database, user_id: int) -> Annotations:
    """All of one user's stars, ratings and plays."""
    stars = {
        (r[0], r[1]): r[2]
        for r in db.execute("SELECT kind, item_id, starred_at FROM stars WHERE user_id = ?", [user_id])
    }
    ratings = {
        (r[0], r[1]): r[2]
        for r in db.execute("SELECT kind, item_id, rating FROM ratings WHERE user_id = ?", [user_id])
    }
    return Annotations(stars, ratings, all_plays(db, user_id))


class NotesCache:
    """Each user's annotations, kept in memory: read on every browse call, written rarely.

    Only this process writes these tables, so a write simply forgets the user's entry and the
    next read loads it again; a version number keeps a load that raced a write from storing
    what the write has already changed.
    """

    def __init__(self) -> None:
        self._notes: dict[int, Annotations] = {}
        self._versions: dict[int, int] = {}

    async def get(self, db: Db, user_id: int) -> Annotations:
        found = self._notes.get(user_id)
        if found is not None:
            return found
        version = self._versions.get(user_id, 0)
        loaded = await db.run(lambda d: load_annotations(d, user_id))
        if self._versions.get(user_id, 0) == version:
            self._notes[user_id] = loaded
        return loaded

    async def write(self, db: Db, user_id: int, fn: Callable[[Database], T]) -> T:
        self._versions[user_id] = self._versions.get(user_id, 0) + 1
        self._notes.pop(user_id, None)
        try:
            return await db.run(fn)
        finally:
            self._versions[user_id] += 1
            self._notes.pop(user_id, None)


def all_plays(db: Database, user_id: int) -> dict[int, tuple[int, str]]:
    return {
        r[0]: (r[1], r[2])
        for r in db.execute("SELECT track_id, count, last_played FROM plays WHERE user_id = ?", [user_id])
    }


def play_totals(db: Database) -> dict[int, int]:
    """Plays of every track by everyone (for getTopSongs)."""
    return {r[0]: r[1] for r in db.execute("SELECT track_id, sum(count) FROM plays GROUP BY track_id")}


# --- stars, ratings, scrobbles ---------------------------------------------------------


def star(db: Database, user_id: int, items: Iterable[tuple[str, int]]) -> None:
    stamp = now()
    with db.atomic():
        for kind, number in items:
            db.execute(
                "INSERT OR IGNORE INTO stars (user_id, kind, item_id, starred_at) VALUES (?, ?, ?, ?)",
                [user_id, kind, number, stamp],
            )


def unstar(db: Database, user_id: int, items: Iterable[tuple[str, int]]) -> None:
    with db.atomic():
        for kind, number in items:
            db.execute(
                "DELETE FROM stars WHERE user_id = ? AND kind = ? AND item_id = ?", [user_id, kind, number]
            )


def set_rating(db: Database, user_id: int, kind: str, number: int, rating: int) -> None:
    with db.atomic():
        if rating == 0:
            db.execute(
                "DELETE FROM ratings WHERE user_id = ? AND kind = ? AND item_id = ?", [user_id, kind, number]
            )
        else:
            db.execute(
                "INSERT INTO ratings (user_id, kind, item_id, rating) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id, kind, item_id) DO UPDATE SET rating = excluded.rating",
                [user_id, kind, number, rating],
            )


def scrobble(db: Database, user_id: int, plays: Iterable[tuple[int, str]]) -> None:
    """Count one play per (track, time)."""
    with db.atomic():
        for number, when in plays:
            db.execute(
                "INSERT INTO plays (user_id, track_id, count, last_played) VALUES (?, ?, 1, ?) "
                "ON CONFLICT(user_id, track_id) DO UPDATE SET count = count + 1, "
                "last_played = max(last_played, excluded.last_played)",
                [user_id, number, when],
            )


def starred(db: Database, user_id: int) -> list[tuple[str, int, str]]:
    return [
        (r[0], r[1], r[2])
        for r in db.execute(
            "SELECT kind, item_id, starred_at FROM stars WHERE user_id = ? ORDER BY starred_at DESC, item_id",
            [user_id],
        )
    ]


# --- playlists -------------------------------------------------------------------------


@dataclass(frozen=True)
class Playlist:
    id: int
    user_id: int
    owner: str
    name: str
    comment: str
    public: bool
    created: str
    changed: str
    track_ids: tuple[int, ...]


def _playlists(db: Database, where: str, args: list[Any]) -> list[Playlist]:
    rows = list(
        db.query(
            "SELECT p.*, u.username FROM playlists p JOIN users u ON u.id = p.user_id "
            f"WHERE {where} ORDER BY p.name COLLATE NOCASE, p.id",
            args,
        )
    )
    out = []
    for r in rows:
        tracks = tuple(
            t[0]
            for t in db.execute(
                "SELECT track_id FROM playlist_tracks WHERE playlist_id = ? ORDER BY position", [r["id"]]
            )
        )
        out.append(
            Playlist(
                r["id"],
                r["user_id"],
                r["username"],
                r["name"],
                r["comment"],
                bool(r["public"]),
                r["created_at"],
                r["changed_at"],
                tracks,
            )
        )
    return out


def visible_playlists(db: Database, user_id: int) -> list[Playlist]:
    return _playlists(db, "p.user_id = ? OR p.public = 1", [user_id])


def get_playlist(db: Database, number: int) -> Playlist | None:
    found = _playlists(db, "p.id = ?", [number])
    return found[0] if found else None


def _set_tracks(db: Database, number: int, track_ids: Sequence[int]) -> None:
    db.execute("DELETE FROM playlist_tracks WHERE playlist_id = ?", [number])
    db.conn.executemany(
        "INSERT INTO playlist_tracks (playlist_id, position, track_id) VALUES (?, ?, ?)",
        [(number, i, t) for i, t in enumerate(track_ids)],
    )


def create_playlist(db: Database, user_id: int, name: str, track_ids: Sequence[int]) -> int:
    stamp = now()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO playlists (user_id, name, created_at, changed_at) VALUES (?, ?, ?, ?)",
            [user_id, name, stamp, stamp],
        )
        assert cursor.lastrowid is not None
        _set_tracks(db, cursor.lastrowid, track_ids)
    return int(cursor.lastrowid)


@dataclass(frozen=True)
class PlaylistChange:
    """What updatePlaylist changes; None leaves it as it is."""

    name: str | None = None
    comment: str | None = None
    public: bool | None = None
    track_ids: Sequence[int] | None = None


def update_playlist(db: Database, number: int, change: PlaylistChange) -> None:
    with db.atomic():
        if change.name is not None:
            db.execute("UPDATE playlists SET name = ? WHERE id = ?", [change.name, number])
        if change.comment is not None:
            db.execute("UPDATE playlists SET comment = ? WHERE id = ?", [change.comment, number])
        if change.public is not None:
            db.execute("UPDATE playlists SET public = ? WHERE id = ?", [int(change.public), number])
        if change.track_ids is not None:
            _set_tracks(db, number, change.track_ids)
        db.execute("UPDATE playlists SET changed_at = ? WHERE id = ?", [now(), number])


def delete_playlist(db: Database, number: int) -> None:
    with db.atomic():
        db.execute("DELETE FROM playlists WHERE id = ?", [number])


# --- bookmarks and the play queue --------------------------------------------------------


def bookmarks(db: Database, user_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM bookmarks WHERE user_id = ? ORDER BY changed_at DESC", [user_id]))


def save_bookmark(db: Database, user_id: int, track: int, position_ms: int, comment: str) -> None:
    stamp = now()
    with db.atomic():
        db.execute(
            "INSERT INTO bookmarks (user_id, track_id, position_ms, comment, created_at, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, track_id) DO UPDATE SET "
            "position_ms = excluded.position_ms, comment = excluded.comment, changed_at = excluded.changed_at",
            [user_id, track, position_ms, comment, stamp, stamp],
        )


def delete_bookmark(db: Database, user_id: int, track: int) -> None:
    with db.atomic():
        db.execute("DELETE FROM bookmarks WHERE user_id = ? AND track_id = ?", [user_id, track])


def play_queue(db: Database, user_id: int) -> tuple[dict[str, Any], list[int]] | None:
    rows = list(
        db.query(
            "SELECT q.*, i.current_index FROM play_queues q "
            "LEFT JOIN play_queue_index i ON i.user_id = q.user_id WHERE q.user_id = ?",
            [user_id],
        )
    )
    if not rows:
        return None
    tracks = [
        r[0]
        for r in db.execute(
            "SELECT track_id FROM play_queue_tracks WHERE user_id = ? ORDER BY position", [user_id]
        )
    ]
    return rows[0], tracks


@dataclass(frozen=True)
class PlayQueue:
    """A user's play queue as savePlayQueue sends it."""

    track_ids: Sequence[int]
    current: int | None  # the song playing, by its ID
    position_ms: int  # in the current song
    client: str  # the app that saved it
    current_index: int | None = None  # which entry plays (indexBasedQueue); else the song's first


def save_play_queue(db: Database, user_id: int, queue: PlayQueue) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO play_queues (user_id, current_track_id, position_ms, changed_at, changed_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "current_track_id = excluded.current_track_id, position_ms = excluded.position_ms, "
            "changed_at = excluded.changed_at, changed_by = excluded.changed_by",
            [user_id, queue.current, queue.position_ms, now(), queue.client],
        )
        db.execute("DELETE FROM play_queue_tracks WHERE user_id = ?", [user_id])
        db.conn.executemany(
            "INSERT INTO play_queue_tracks (user_id, position, track_id) VALUES (?, ?, ?)",
            [(user_id, i, t) for i, t in enumerate(queue.track_ids)],
        )
        index = queue.current_index
        if index is None and queue.current is not None and queue.current in queue.track_ids:
            index = list(queue.track_ids).index(queue.current)
        db.execute("DELETE FROM play_queue_index WHERE user_id = ?", [user_id])
        if index is not None:
            db.execute(
                "INSERT INTO play_queue_index (user_id, current_index) VALUES (?, ?)", [user_id, index]
            )
