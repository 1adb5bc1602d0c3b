"""Download grants: short-lived signed permissions to download one release's protected files.

A grant is what redeeming an unlock code (unlock/) or verifying a purchase (payments/) hands
out, and what the protected downloads accept, as `?grant=` or `Authorization: Bearer`. Shared
because more than one feature issues them and none may import another.

A grant is a JWT (HS256, the algorithm pinned, never read from the token) signed with a key
derived from the instance secret for this one purpose, so an access token is never a grant nor
a grant an access token; its header says `typ: tunecamp-grant`, which lets the sign-in
middleware leave a grant sent as Bearer to the download routes instead of refusing it as a
broken access token. Grants cannot be revoked one by one: they expire (TUNECAMP_GRANT_TTL).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt
from aiohttp import web

ALGORITHM = "HS256"
TYPE = "tunecamp-grant"
AUDIENCE = "tunecamp:download"


class InvalidGrant(Exception):
    """A grant that is malformed, forged, expired or for another release."""


@dataclass(frozen=True)
class Grant:
    release: str
    expires: int
    source: str  # "code" or "purchase"
    reference: str  # the code's row ID or the transaction hash
    user_id: int | None = None


@dataclass(frozen=True)
class GrantSigner:
    secret: bytes

    @property
    def _key(self) -> bytes:
        return hmac.new(self.secret, b"tunecamp download grants v1", hashlib.sha256).digest()

    def issue(self, grant: Grant) -> str:
        payload = {
            "rel": grant.release,
            "src": grant.source,
            "ref": grant.reference,
            "aud": AUDIENCE,
            "iat": int(time.time()),
            "exp": grant.expires,
        }
        if grant.user_id is not None:
            payload["sub"] = str(grant.user_id)
        return jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": TYPE})

    def new(
        self, release: str, ttl: int, source: str, reference: str, user_id: int | None = None
    ) -> tuple[str, Grant]:
        grant = Grant(release, int(time.time()) + ttl, source, reference, user_id)
        return self.issue(grant), grant

    def verify(self, token: str, release: str) -> Grant:
        if not token.isascii() or len(token) > 4096:
            raise InvalidGrant("not a grant")
        try:
            data = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "rel", "src", "ref", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidGrant("the download grant has expired; redeem the code again") from None
        except jwt.PyJWTError:
            raise InvalidGrant("not a valid download grant") from None
        if data["rel"] != release:
            raise InvalidGrant("the download grant is for another release")
        sub = data.get("sub")
        return Grant(
            str(data["rel"]),
            int(data["exp"]),
            str(data["src"]),
            str(data["ref"]),
            int(sub) if isinstance(sub, str) and sub.isdigit() else None,
        )


def looks_like_grant(token: str) -> bool:
    """Whether a Bearer token says it is a grant (unverified: only where to verify it is decided here)."""
    if not token.isascii() or len(token) > 4096:  # header bytes that are not text: no grant
        return False
    try:
        return jwt.get_unverified_header(token).get("typ") == TYPE
    except (jwt.PyJWTError, ValueError):
        return False


def grant_token(request: web.Request) -> str | None:
    """The grant a request carries: `?grant=` or a Bearer header whose token is a grant."""
    if token := request.query.get("grant"):
        return token
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and looks_like_grant(token):
        return token
    return None


GRANTS = web.AppKey("grants", GrantSigner)
