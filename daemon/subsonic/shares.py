"""Shares: createShare, getShares, updateShare, deleteShare.

A share of one published release or track (sold and code-locked ones excepted) is its page on
the static site: anyone plays it there, with no daemon and no expiry. Anything else (a draft an
artist sends its reviewers, a sold or code-locked release, several items at once) is a link to
the daemon's share page (share_page.py): the share's number and an HMAC of it under a key
derived from the instance secret, unguessable and useless once the share is deleted or has
expired (TUNECAMP_SHARE_DAYS when the app sets no expiry; such links always expire).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.appkeys import SECRET
from tunecamp.daemon.roles import USERS_MANAGE, grant
from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import parse
from tunecamp.daemon.subsonic.items import song
from tunecamp.daemon.subsonic.library import Track, View
from tunecamp.daemon.subsonic.lookup import MAX_ITEMS
from tunecamp.daemon.subsonic.render import (
    GENERIC,
    MISSING_PARAMETER,
    NOT_AUTHORIZED,
    NOT_FOUND,
    SubsonicError,
    iso,
)
from tunecamp.generator.media.plan import PROTECTED_POLICIES

MAX_DESCRIPTION = 500
_PURPOSE = b"tunecamp subsonic share v1"


def share_token(secret: bytes, number: int) -> str:
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    mac = hmac.new(key, str(number).encode(), hashlib.sha256).digest()[:16]
    return f"{number}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def share_number(secret: bytes, token: str) -> int | None:
    """The share a token names, or None for one this instance did not sign."""
    number, _, _ = token.partition("-")
    if not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    return int(number) if hmac.compare_digest(share_token(secret, int(number)), token) else None


def shared_tracks(view: View, items: list[list[Any]]) -> list[Track]:
    """The songs a share holds, in order, that are still in the catalog."""
    out: list[Track] = []
    for kind, number in items:
        if kind == "track" and number in view.tracks:
            out.append(view.tracks[number])
        elif kind == "album" and number in view.albums:
            out += view.album_tracks(view.albums[number])
    return out


def public_url(view: View, items: list[list[Any]]) -> str | None:
    """The static page of a single published item anyone may play there, or None."""
    if len(items) != 1:
        return None
    kind, number = items[0]
    album = view.albums.get(number) if kind == "album" else None
    track = view.tracks.get(number) if kind == "track" else None
    if track is not None:
        album = view.albums[track.album_id]
    if album is None or album.status != "published" or album.download in PROTECTED_POLICIES:
        return None
    site = view.library.site
    if track is not None:
        return site.tracks.get((album.slug, track.slug)) or None
    return site.releases.get(album.slug) or None


def _expires(call: Call, public: bool, required: bool) -> str | None:
    raw = call.integer("expires")
    if raw is None or raw == 0:
        if public or not required:
            return None
        raw = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=call.config.share_days)).timestamp() * 1000)
    if raw <= dt.datetime.now(dt.UTC).timestamp() * 1000:
        raise SubsonicError(GENERIC, "expires must be in the future (milliseconds since 1970)")
    when = dt.datetime.fromtimestamp(min(raw, 253402214400000) / 1000, dt.UTC)  # at most the year 9999
    return when.isoformat(timespec="seconds")


def _description(call: Call) -> str | None:
    text = call.text("description")
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise SubsonicError(GENERIC, f"description: at most {MAX_DESCRIPTION} characters")
    return text


def _rows(db: Database, where: str, args: list[Any]) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT s.*, u.username FROM subsonic_shares s JOIN users u ON u.id = s.user_id "
            f"WHERE {where} ORDER BY s.id",
            args,
        )
    )


def share_element(call: Call, view: View, row: dict[str, Any], notes: Any) -> dict[str, Any]:
    items = json.loads(row["items"])
    url = public_url(view, items)
    if url is None:
        url = f"{call.config.url}/share/{share_token(call.request.app[SECRET].value, row['id'])}"
    return {
        "id": f"sh-{row['id']}",
        "url": url,
        "description": row["description"] or None,
        "username": row["username"],
        "created": iso(row["created_at"]),
        "expires": iso(row["expires_at"]),
        "lastVisited": iso(row["last_visited"]),
        "visitCount": row["visit_count"],
        "entry": [song(t, view, notes) for t in shared_tracks(view, items)] or None,
    }


async def create_share(call: Call) -> dict[str, Any]:
    view = await call.view()
    wanted = call.items("id", "track", "album")
    if not wanted:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: id")
    for item in wanted:
        if item.number not in (view.tracks if item.kind == "track" else view.albums):
            raise SubsonicError(NOT_FOUND, f"id: {item} not found")
    items = [[i.kind, i.number] for i in wanted[:MAX_ITEMS]]
    expires = _expires(call, public_url(view, items) is not None, required=True)
    description, user_id = _description(call) or "", call.user.id
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    def insert(db: Database) -> list[dict[str, Any]]:
        cursor = db.execute(
            "INSERT INTO subsonic_shares (user_id, items, description, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [user_id, json.dumps(items), description, created, expires],
        )
        return _rows(db, "s.id = ?", [cursor.lastrowid])

    rows = await call.db(insert)
    notes = await call.notes()
    return {"shares": {"share": [share_element(call, view, rows[0], notes)]}}


async def get_shares(call: Call) -> dict[str, Any]:
    view = await call.view()
    everyone = grant(USERS_MANAGE, call.user.role) == "yes"
    user_id = call.user.id
    rows = await call.db(
        lambda d: _rows(d, "1 = 1" if everyone else "s.user_id = ?", [] if everyone else [user_id])
    )
    notes = await call.notes()
    shares = [share_element(call, view, r, notes) for r in rows]
    return {"shares": {"share": shares} if shares else {}}


async def _own_share(call: Call) -> dict[str, Any]:
    raw = call.required("id")
    item = parse(raw, "share")
    rows = await call.db(lambda d: _rows(d, "s.id = ?", [item.number])) if item else []
    if not rows:
        raise SubsonicError(NOT_FOUND, f"id: no share with ID {raw[:60]!r}")
    if rows[0]["user_id"] != call.user.id and grant(USERS_MANAGE, call.user.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, "only its owner (or a manager) may change a share")
    return rows[0]


async def update_share(call: Call) -> dict[str, Any]:
    view = await call.view()
    row = await _own_share(call)
    public = public_url(view, json.loads(row["items"])) is not None
    description = _description(call)
    expires = (
        _expires(call, public, required=False)
        if call.text("expires") not in (None, "")
        else row["expires_at"]
    )
    if call.text("expires") == "0" and not public:
        expires = _expires(call, public, required=True)  # a daemon link always expires: the default life
    number = row["id"]

    def change(db: Database) -> None:
        db.execute(
            "UPDATE subsonic_shares SET description = coalesce(?, description), expires_at = ? WHERE id = ?",
            [description, expires, number],
        )

    await call.db(change)
    return {}


async def delete_share(call: Call) -> dict[str, Any]:
    number = (await _own_share(call))["id"]
    await call.db(lambda d: d.execute("DELETE FROM subsonic_shares WHERE id = ?", [number]))
    return {}


ENDPOINTS = {
    "createShare": create_share,
    "getShares": get_shares,
    "updateShare": update_share,
    "deleteShare": delete_share,
}
