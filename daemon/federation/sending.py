"""How one delivery goes out: signed with its actor's current key, POSTed through the guarded client.

The delivery handler (delivery.py) is handed these three functions, so it knows nothing of keys,
HTTP or followers, and the tests and the benchmark can wrap them:
- `signing_keys`: draft-cavage rsa-sha256 over (request-target) host date digest, with the key the
  database holds at send time (a key rotated by `tunecamp keys rotate`, another process, signs the
  very next attempt); the key id is the activity's actor + `#main-key`;
- `outbound_sender`: the POST; anything but a 2xx is a `SendError` saying whether to retry;
- `follows_gone`: an inbox that answered 410 Gone loses its follows.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import audience
from tunecamp.daemon.federation.keys import ActorKey, KeyStore
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage
from tunecamp.daemon.outbound import Outbound, OutboundError

ACTIVITY_JSON = "application/activity+json"

# (inbox, body, headers) -> the answer's status; raises SendError when there was no 2xx answer.
Send = Callable[[str, bytes, dict[str, str]], Awaitable[int]]
# (actor username, inbox URL, body) -> the headers that sign the POST
Sign = Callable[[str, str, bytes], Awaitable[dict[str, str]]]
# an inbox answered 410 Gone -> how many follows were removed
Gone = Callable[[str], Awaitable[int]]


class SendError(Exception):
    """A POST that got no 2xx: the status (None without an answer), Retry-After, whether to retry."""

    def __init__(
        self,
        reason: str,
        status: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.headers = dict(headers or {})
        self.permanent = permanent


def outbound_sender(outbound: Outbound) -> Send:
    """POST through the guarded client; anything but a 2xx raises SendError."""

    async def send(inbox: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            answer = await outbound.post(inbox, headers=headers, content=body)
        except OutboundError as exc:
            refused = exc.status is None and _refused(exc.reason)
            raise SendError(
                exc.reason, exc.status, headers=getattr(exc, "headers", None), permanent=refused
            ) from None
        if not 200 <= answer.status < 300:  # a redirect: inboxes do not move, and a POST is not re-sent
            raise SendError(f"HTTP {answer.status}", answer.status, permanent=True)
        return answer.status

    return send


def _refused(reason: str) -> bool:
    """The outbound client would never reach this URL (an inside address, not http(s)): no retry."""
    return any(
        part in reason for part in (" is a ", "resolves to ", "only http(s) URLs", "credentials in a URL")
    )


def signing_keys(db: Db) -> Sign:
    """Signs with the actor's current key, read at send time: a key rotated by `tunecamp keys rotate`
    (another process) signs the very next attempt. The key id is the activity's actor + #main-key."""
    store = KeyStore(db)

    def current(database: Database, username: str) -> str | None:
        row = database.execute("SELECT private_pem FROM fed_keys WHERE username = ?", [username]).fetchone()
        return None if row is None else str(row[0])

    async def sign(username: str, inbox: str, body: bytes) -> dict[str, str]:
        pem = await db.run(lambda database: current(database, username))
        if pem is None:
            pem = (await store.ensure(username)).private_pem
        actor = _actor_of(body)
        if not actor:
            raise SendError("the activity names no actor", permanent=True)
        headers = {"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_JSON}
        return sign_cavage("POST", inbox, headers, body, SigningKey(f"{actor}#main-key", _private_key(pem)))

    return sign


def _actor_of(body: bytes) -> str:
    with contextlib.suppress(ValueError):
        data = json.loads(body)
        actor = data.get("actor") if isinstance(data, dict) else None
        if isinstance(actor, dict):
            actor = actor.get("id")
        return actor if isinstance(actor, str) else ""
    return ""


def _private_key(pem: str) -> Any:
    return ActorKey("", "", pem, "").private_key  # parsed once per PEM (keys.py caches them)


def follows_gone(db: Db) -> Gone:
    async def gone(inbox: str) -> int:
        return await db.run(lambda database: audience.remove_gone(database, inbox))

    return gone
