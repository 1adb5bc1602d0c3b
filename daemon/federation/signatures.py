"""HTTP signatures as the fediverse uses them: draft-cavage and RFC 9421, verified (signing.py signs).

RFC 9421 goes through `http-message-signatures` (maintained, complete: structured fields,
Content-Digest, created/expires). Draft-cavage has no maintained library that fits: `apsig`'s
verifier takes only `rsa-sha256` (no `hs2019`), signs and checks the path without the query,
does not require the Digest to be signed, and pulls in pyld, lxml and requests; the scheme
itself is a signing string of named header lines, so it is written here, on `cryptography`.

Both are checked the way senders behave (DESIGN.md, Interop):
- a body must be covered by a signed Digest (cavage) or Content-Digest (RFC 9421) that matches it;
- `Date` (or the signature's `created`) within ±1 h of now;
- the signed target is tried with and without the query string, and with each host the request
  may have been addressed to (the site's host when Netlify proxies /inbox, the daemon's own);
- `verify` resolves the key by its id through the caller's `resolve`, and when the signature
  does not verify asks once more with `refresh=True` (the sender may have rotated its key).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import http_sf
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from http_message_signatures import (
    ContentDigest,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

SKEW = timedelta(hours=1)
RFC9421_LABEL = "sig1"
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(?:,|$)')
_ALGORITHMS: dict[str, Any] = {
    "rsa-v1_5-sha256": algorithms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": algorithms.RSA_PSS_SHA512,
}


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


class Message:
    def __init__(self, method: str, url: str, headers: Any) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = headers


class OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key: Any) -> None:
        self.key = key

    def resolve_public_key(self, key_id: str) -> Any:
        return self.key

    def resolve_private_key(self, key_id: str) -> Any:
        return self.key


# ---- verifying -------------------------------------------------------------------------------


def scheme_of(headers: Mapping[str, str]) -> str | None:
    if "signature-input" in {k.lower() for k in headers}:
        return "rfc9421"
    if _cavage_header(headers):
        return "cavage"
    return None


def _cavage_header(headers: Mapping[str, str]) -> str | None:
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


def key_id_of(headers: Mapping[str, str]) -> str | None:
    """The key id a request claims to be signed with, unverified (None: unsigned or malformed)."""
    try:
        if scheme_of(headers) == "rfc9421":
            return _rfc9421_key_id(headers)
        value = _cavage_header(headers)
        return cavage_params(value).get("keyId") if value else None
    except SignatureError:
        return None


async def verify(request: SignedRequest, resolve: KeyResolver) -> VerifiedKey:
    """Check the request's signature; raises SignatureError (the reason) when it does not hold."""
    scheme = scheme_of(request.headers)
    if scheme is None:
        raise SignatureError("the request is not signed (no Signature or Signature-Input header)")
    key_id, attempt = _prepare(scheme, request)
    key = await resolve(key_id, False)
    try:
        return attempt(key)
    except BadSignature:
        fresh = await resolve(key_id, True)  # the sender may have rotated its key
        if fresh.public_numbers() == key.public_numbers():
            raise
        return attempt(fresh)


def _prepare(scheme: str, request: SignedRequest) -> tuple[str, Callable[[rsa.RSAPublicKey], VerifiedKey]]:
    if scheme == "rfc9421":
        key_id = _rfc9421_key_id(request.headers)
        return key_id, lambda key: _check_rfc9421(request, key_id, key)
    value = _cavage_header(request.headers) or ""
    params = cavage_params(value)
    for name in ("keyId", "signature"):
        if not params.get(name):
            raise SignatureError(f"the Signature header has no {name}")
    _check_cavage_fields(request, params)
    return params["keyId"], lambda key: _check_cavage(request, params, key)


def _check_cavage_fields(request: SignedRequest, params: Mapping[str, str]) -> None:
    """What can be refused before any key is fetched: algorithm, coverage, date, digest."""
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported signature algorithm {algorithm!r} (rsa-sha256 or hs2019)")
    covered = params.get("headers", "date").lower().split()
    if "(request-target)" not in covered:
        raise SignatureError("the signature must cover (request-target)")
    lower = {k.lower(): v for k, v in request.headers.items()}
    if "date" in covered:
        _check_date(lower.get("date"), request.now)
    elif "(created)" in covered:
        _check_created(params.get("created"), request.now)
    else:
        raise SignatureError("the signature must cover date or (created)")
    if (
        "(expires)" in covered
        and params.get("expires")
        and _timestamp(params["expires"]) < request.now - SKEW
    ):
        raise SignatureError("the signature has expired")
    if request.body or request.method.upper() == "POST":
        if "digest" not in covered:
            raise SignatureError("a request with a body must sign its Digest header")
        _check_digest(lower.get("digest", ""), request.body)
    for name in covered:
        if not name.startswith("(") and name not in lower:
            raise SignatureError(f"the signed header {name!r} is missing")


def _check_cavage(request: SignedRequest, params: Mapping[str, str], key: rsa.RSAPublicKey) -> VerifiedKey:
    covered = params.get("headers", "date").lower().split()
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureError("malformed signature: not base64") from None
    lower = {k.lower(): v for k, v in request.headers.items()}
    for url in _variants(request.urls):
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


def _variants(urls: Iterable[str]) -> list[str]:
    """Each URL as received, then without its query string (senders differ on signing it)."""
    seen: dict[str, None] = {}
    for url in urls:
        seen[url] = None
    for url in list(seen):
        parts = urlsplit(url)
        if parts.query:
            seen[urlunsplit(parts._replace(query=""))] = None
    return list(seen)


def _rfc9421_params(headers: Mapping[str, str]) -> dict[str, Any]:
    """The first signature's parameters in Signature-Input (keyid, alg, created...)."""
    lower = {k.lower(): v for k, v in headers.items()}
    return dict(_parse_input(lower.get("signature-input", "")))


@functools.lru_cache(maxsize=256)
def _parse_input(value: str) -> tuple[tuple[str, Any], ...]:
    # the inbox reads one request's Signature-Input three times (the key id for the blocks, then
    # to prepare and to check): parsed once
    try:
        inputs: Any = http_sf.parse(value.encode(), tltype="dictionary")
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"malformed Signature-Input: {exc}") from None
    if not isinstance(inputs, dict) or not inputs:
        raise SignatureError("malformed Signature-Input: no signature")
    member = next(iter(inputs.values()))
    if not isinstance(member, tuple) or len(member) != 2 or not isinstance(member[1], dict):
        raise SignatureError("malformed Signature-Input: not a list of components with parameters")
    return tuple(member[1].items())


def _rfc9421_key_id(headers: Mapping[str, str]) -> str:
    key_id = _rfc9421_params(headers).get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the Signature-Input has no keyid")
    return key_id


def _check_rfc9421(request: SignedRequest, key_id: str, key: rsa.RSAPublicKey) -> VerifiedKey:
    lower = {k.lower(): v for k, v in request.headers.items()}
    params = _rfc9421_params(request.headers)
    algorithm = _ALGORITHMS.get(str(params.get("alg", "rsa-v1_5-sha256")))
    if algorithm is None:
        raise SignatureError(f"unsupported signature algorithm {params.get('alg')!r}")
    if "date" in lower:
        _check_date(lower["date"], request.now)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithm, key_resolver=OneKey(key))
    verifier.max_clock_skew = SKEW
    headers = list(request.headers.items())
    last: Exception | None = None
    for url in _variants(request.urls):
        host = urlsplit(url).netloc
        fields = [(k, host if k.lower() == "host" else v) for k, v in headers]
        message = Message(request.method, url, _Fields(fields))
        try:
            results = verifier.verify(message, max_age=SKEW)
        except HTTPMessageSignaturesException as exc:
            last = exc
            if "Content-Digest" in str(exc) or "digest" in str(exc).lower():
                raise SignatureError(f"content digest: {exc}", key_id) from None
            if "created" in str(exc) or "expires" in str(exc) or "age" in str(exc):
                raise SignatureError(f"date: {exc}", key_id) from None
            continue
        _check_coverage(results[0].covered_components, request)
        return VerifiedKey(key_id, "rfc9421", bool(request.body), url)
    raise BadSignature(f"signature does not verify with the actor's key ({last})", key_id)


def _check_coverage(covered: Mapping[str, str], request: SignedRequest) -> None:
    """@method signed, and a body's Content-Digest signed and matching it.

    Checked here on the verified components rather than by the library's `require_components`
    and `body`: those parse every component identifier again, which doubled the inbox's cost.
    """
    if '"@method"' not in covered:
        raise SignatureError("the signature must cover @method")
    if request.body or request.method.upper() == "POST":
        digest = covered.get('"content-digest"')
        if digest is None:
            raise SignatureError("content digest: a request with a body must sign its Content-Digest")
        try:
            ContentDigest.verify(digest, request.body)
        except HTTPMessageSignaturesException as exc:
            raise SignatureError(f"content digest: {exc}") from None


class _Fields:
    """Read-only header lines for the verifier (it needs items(), iteration and `in`)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields

    def items(self) -> list[tuple[str, str]]:
        return self._fields

    def __iter__(self) -> Any:
        return iter(dict.fromkeys(k for k, _ in self._fields))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k.lower() == name.lower() for k, _ in self._fields)

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._fields if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)


def _check_date(value: str | None, now: datetime) -> None:
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


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise SignatureError(f"date: malformed timestamp {value[:32]!r}") from None


def _check_created(value: str | None, now: datetime) -> None:
    if not value:
        raise SignatureError("date: (created) is signed but missing")
    if abs(_timestamp(value) - now) > SKEW:
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
