"""HTTP signatures as the fediverse uses them, verified: draft-cavage (cavage.py) and RFC 9421 (rfc9421.py).

Both are checked the way senders behave (DESIGN.md, Interop):
- a body must be covered by a signed Digest (cavage) or Content-Digest (RFC 9421) that matches it;
- `Date` (or the signature's `created`) within ±1 h of now;
- the signed target is tried with and without the query string, and with each host the request
  may have been addressed to (the site's host when Netlify proxies /inbox, the daemon's own);
- `verify` resolves the key by its id through the caller's `resolve`, and when the signature
  does not verify asks once more with `refresh=True` (the sender may have rotated its key).
"""

from __future__ import annotations

from collections.abc import Mapping

from tunecamp.daemon.federation import cavage, rfc9421
from tunecamp.daemon.federation.signed import (
    BadSignature,
    KeyGone,
    KeyResolver,
    SignatureError,
    SignedRequest,
    VerifiedKey,
    digest_header,
    http_date,
    load_public,
    private_key,
    request_target,
)

__all__ = [
    "BadSignature",
    "KeyGone",
    "KeyResolver",
    "SignatureError",
    "SignedRequest",
    "VerifiedKey",
    "digest_header",
    "http_date",
    "key_id_of",
    "load_public",
    "private_key",
    "request_target",
    "scheme_of",
    "verify",
]


def scheme_of(headers: Mapping[str, str]) -> str | None:
    if "signature-input" in {k.lower() for k in headers}:
        return "rfc9421"
    if cavage.header(headers):
        return "cavage"
    return None


def key_id_of(headers: Mapping[str, str]) -> str | None:
    """The key id a request claims to be signed with, unverified (None: unsigned or malformed)."""
    try:
        if scheme_of(headers) == "rfc9421":
            return rfc9421.key_id(headers)
        return cavage.key_id(headers)
    except SignatureError:
        return None


async def verify(request: SignedRequest, resolve: KeyResolver) -> VerifiedKey:
    """Check the request's signature; raises SignatureError (the reason) when it does not hold."""
    scheme = scheme_of(request.headers)
    if scheme is None:
        raise SignatureError("the request is not signed (no Signature or Signature-Input header)")
    key_id, attempt = (rfc9421 if scheme == "rfc9421" else cavage).prepare(request)
    key = await resolve(key_id, False)
    try:
        return attempt(key)
    except BadSignature:
        fresh = await resolve(key_id, True)  # the sender may have rotated its key
        if fresh.public_numbers() == key.public_numbers():
            raise
        return attempt(fresh)
