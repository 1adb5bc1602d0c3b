"""What every signature check shares: the request as verification sees it, the outcomes, the clock.

signatures.py verifies (draft-cavage in cavage.py, RFC 9421 in rfc9421.py); signing.py signs with
the same primitives (digests, dates, the request target).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SKEW = timedelta(hours=1)


class SignatureError(Exception):
    """A request whose signature is missing, malformed or wrong: answered 401, `reason` says why."""

    def __init__(self, reason: str, key_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key_id = key_id


class BadSignature(SignatureError):
    """The signature itself does not verify with the key (a fresh key may fix it)."""


class KeyGone(SignatureError):
    """The signing key's actor answered 404/410: it no longer exists."""


@dataclass(frozen=True)
class VerifiedKey:
    key_id: str
    scheme: str  # "cavage" or "rfc9421"
    covers_body: bool
    url: str = ""  # the URL the sender signed


@dataclass(frozen=True)
class SignedRequest:
    """What verification needs of an incoming request."""

    method: str
    urls: tuple[str, ...]  # every absolute URL the sender may have signed, first the one received
    headers: Mapping[str, str]  # case-insensitive mapping (aiohttp's CIMultiDictProxy)
    body: bytes = b""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


# (key id, refresh) -> the public key, or raises SignatureError (KeyGone when the actor is gone)
KeyResolver = Callable[[str, bool], Awaitable[rsa.RSAPublicKey]]


def load_public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def private_key(pem: str | rsa.RSAPrivateKey) -> rsa.RSAPrivateKey:
    if isinstance(pem, rsa.RSAPrivateKey):
        return pem
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(now: datetime | None = None) -> str:
    return format_datetime(now or datetime.now(UTC), usegmt=True)


def request_target(method: str, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{method.lower()} {path}?{parts.query}" if parts.query else f"{method.lower()} {path}"


def variants(urls: Iterable[str]) -> list[str]:
    """Each URL as received, then without its query string (senders differ on signing it)."""
    seen: dict[str, None] = {}
    for url in urls:
        seen[url] = None
    for url in list(seen):
        parts = urlsplit(url)
        if parts.query:
            seen[urlunsplit(parts._replace(query=""))] = None
    return list(seen)


def check_date(value: str | None, now: datetime) -> None:
    if not value:
        raise SignatureError("date: the Date header is missing")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise SignatureError(f"date: malformed Date header {value[:64]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if abs(when - now) > SKEW:
        raise SignatureError(f"date: {value!r} is more than an hour from now")


def timestamp(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise SignatureError(f"date: malformed timestamp {value[:32]!r}") from None
