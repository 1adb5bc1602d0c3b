"""Draft-cavage HTTP signatures (Mastodon's, still what most servers send): checked on `cryptography`.

No maintained library fits: `apsig`'s verifier takes only `rsa-sha256` (no `hs2019`), signs and
checks the path without the query, does not require the Digest to be signed, and pulls in pyld,
lxml and requests; the scheme itself is a signing string of named header lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tunecamp.daemon.federation.signed import (
    SKEW,
    BadSignature,
    SignatureError,
    SignedRequest,
    VerifiedKey,
    check_date,
    request_target,
    timestamp,
    variants,
)

_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(?:,|$)')


def header(headers: Mapping[str, str]) -> str | None:
    lower = {k.lower(): v for k, v in headers.items()}
    if "signature" in lower:
        return lower["signature"]
    auth = lower.get("authorization", "")
    return auth[len("Signature ") :] if auth[:10].lower() == "signature " else None


def cavage_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None or match.end() == position:
            raise SignatureError("malformed Signature header")
        params[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
        position = match.end()
    return params


def key_id(headers: Mapping[str, str]) -> str | None:
    value = header(headers)
    return cavage_params(value).get("keyId") if value else None


def prepare(request: SignedRequest) -> tuple[str, Callable[[rsa.RSAPublicKey], VerifiedKey]]:
    """The key id and the check to run with its key, after what can be refused without one."""
    params = cavage_params(header(request.headers) or "")
    for name in ("keyId", "signature"):
        if not params.get(name):
            raise SignatureError(f"the Signature header has no {name}")
    _check_fields(request, params)
    return params["keyId"], lambda key: _check(request, params, key)


def _check_fields(request: SignedRequest, params: Mapping[str, str]) -> None:
    """What can be refused before any key is fetched: algorithm, coverage, date, digest."""
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported signature algorithm {algorithm!r} (rsa-sha256 or hs2019)")
    covered = params.get("headers", "date").lower().split()
    if "(request-target)" not in covered:
        raise SignatureError("the signature must cover (request-target)")
    lower = {k.lower(): v for k, v in request.headers.items()}
    if "date" in covered:
        check_date(lower.get("date"), request.now)
    elif "(created)" in covered:
        _check_created(params.get("created"), request.now)
    else:
        raise SignatureError("the signature must cover date or (created)")
    if "(expires)" in covered and params.get("expires") and timestamp(params["expires"]) < request.now - SKEW:
        raise SignatureError("the signature has expired")
    if request.body or request.method.upper() == "POST":
        if "digest" not in covered:
            raise SignatureError("a request with a body must sign its Digest header")
        _check_digest(lower.get("digest", ""), request.body)
    for name in covered:
        if not name.startswith("(") and name not in lower:
            raise SignatureError(f"the signed header {name!r} is missing")


def _check(request: SignedRequest, params: Mapping[str, str], key: rsa.RSAPublicKey) -> VerifiedKey:
    covered = params.get("headers", "date").lower().split()
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureError("malformed signature: not base64") from None
    lower = {k.lower(): v for k, v in request.headers.items()}
    for url in variants(request.urls):
        values = dict(lower, host=urlsplit(url).netloc)  # the host the sender addressed
        lines = []
        for name in covered:
            if name == "(request-target)":
                lines.append(f"(request-target): {request_target(request.method, url)}")
            elif name in ("(created)", "(expires)"):
                lines.append(f"{name}: {params.get(name[1:-1], '')}")
            else:
                lines.append(f"{name}: {values.get(name, '')}")
        try:
            key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
        except CryptoInvalidSignature:
            continue
        return VerifiedKey(params["keyId"], "cavage", "digest" in covered, url)
    raise BadSignature("signature does not verify with the actor's key", params["keyId"])


def _check_created(value: str | None, now: datetime) -> None:
    if not value:
        raise SignatureError("date: (created) is signed but missing")
    if abs(timestamp(value) - now) > SKEW:
        raise SignatureError("date: (created) is more than an hour from now")


def _check_digest(value: str, body: bytes) -> None:
    """Digest: SHA-256=… or SHA-512=… (several comma-separated allowed); every one present must match."""
    checked = False
    for part in value.split(","):
        name, _, encoded = part.strip().partition("=")
        algorithm = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}.get(name.lower())
        if algorithm is None:
            continue
        try:
            expected = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise SignatureError("digest: malformed Digest header") from None
        if not hmac.compare_digest(expected, algorithm(body).digest()):
            raise SignatureError("digest: the Digest header does not match the body")
        checked = True
    if not checked:
        raise SignatureError("digest: a SHA-256 or SHA-512 Digest header is required")
