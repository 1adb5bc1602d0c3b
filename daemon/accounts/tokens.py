"""Signed tokens: access tokens (JWT HS256), CSRF tokens and known-device marks.

All are signed with the instance secret (secret.py). The algorithm is pinned: a token
with `alg: none`, an RS256 header or any other algorithm is refused. Revocation is a
per-user counter: a token carries the counter's value when issued, and bumping it
(password change, sign-out everywhere, new role) invalidates every earlier token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """A token that is malformed, forged, expired or of the wrong kind; the message says which."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    generation: int
    token_id: str
    expires: int


@dataclass(frozen=True)
class Signer:
    secret: bytes = b""

    def issue(self, user_id: int, generation: int, ttl: int, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        payload = {
            "sub": str(user_id),
            "gen": generation,
            "iat": issued,
            "exp": issued + ttl,
            "jti": secrets.token_urlsafe(12),
            "typ": "access",
        }
        return jwt.encode(payload, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Claims:
        # a JWT is base64url and dots; anything else (a mangled cookie, header bytes that are
        # not UTF-8) is refused here, before PyJWT fails to encode it with a UnicodeEncodeError
        if not token.isascii():
            raise InvalidToken("invalid token: not ASCII")
        try:
            data = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],  # pinned: never taken from the token's header
                options={"require": ["exp", "iat", "sub", "gen", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired; sign in again") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        if data.get("typ") != "access" or not isinstance(data["gen"], int):
            raise InvalidToken("invalid token: not an access token")
        try:
            user_id = int(data["sub"])
        except (TypeError, ValueError):
            raise InvalidToken("invalid token: bad subject") from None
        return Claims(user_id, data["gen"], str(data["jti"]), int(data["exp"]))

    def csrf_token(self, token_id: str) -> str:
        """The CSRF token that goes with one session: derived, so nothing is stored."""
        return hmac.new(self.secret, b"csrf:" + token_id.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, token_id: str, candidate: str) -> bool:
        # compare_digest raises TypeError on non-ASCII text; ours is hex
        return candidate.isascii() and hmac.compare_digest(self.csrf_token(token_id), candidate)

    def device_mark(self, account: str, device_id: str) -> str:
        """A known device's cookie for one account: signed, so only a sign-in to it can have made it."""
        message = f"device:{account.lower()}:{device_id}".encode()
        return f"{device_id}.{hmac.new(self.secret, message, hashlib.sha256).hexdigest()}"

    def known_device(self, account: str, mark: str) -> str | None:
        """The device ID in `mark` if it is this account's known device."""
        device_id, _, _ = mark.partition(".")
        if not device_id or not mark.isascii():
            return None
        return device_id if hmac.compare_digest(self.device_mark(account, device_id), mark) else None
