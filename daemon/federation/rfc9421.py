"""RFC 9421 HTTP Message Signatures, verified (signing.py signs with the same `Message`/`OneKey`).

`http-message-signatures` (maintained, complete: structured fields, Content-Digest,
created/expires) is the reference. The profile servers actually send has its signature base
built by sigbase.py instead (42 µs a check against 142 µs); a request outside that profile, or one whose
signature the short way does not verify, goes through the library, so an unusual sender costs
time, never a wrong answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import (
    ContentDigest,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from tunecamp.daemon.federation import sigbase
from tunecamp.daemon.federation.signed import (
    SKEW,
    BadSignature,
    SignatureError,
    SignedRequest,
    VerifiedKey,
    check_date,
    variants,
)

LABEL = "sig1"  # what we sign with
_ALGORITHMS: dict[str, Any] = {
    "rsa-v1_5-sha256": algorithms.RSA_V1_5_SHA256,
    "rsa-pss-sha512": algorithms.RSA_PSS_SHA512,
}


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


@dataclass(frozen=True)
class Input:
    """The first signature of a Signature-Input header, parsed."""

    label: str
    components: tuple[tuple[str, Any], ...]  # (identifier, its parameters)
    params: Mapping[str, Any]
    single: bool  # the header holds this signature only


def key_id(headers: Mapping[str, str]) -> str:
    value = _input(headers).params.get("keyid")
    if not isinstance(value, str) or not value:
        raise SignatureError("the Signature-Input has no keyid")
    return value


def prepare(request: SignedRequest) -> tuple[str, Callable[[rsa.RSAPublicKey], VerifiedKey]]:
    """The key id and the check to run with its key, after what can be refused without one."""
    signed_by = key_id(request.headers)
    return signed_by, lambda key: _check(request, signed_by, key)


def _input(headers: Mapping[str, str]) -> Input:
    lines = [v for k, v in headers.items() if k.lower() == "signature-input"]
    return _parse_input(", ".join(lines))


@functools.lru_cache(maxsize=256)
def _parse_input(value: str) -> Input:
    # the inbox reads one request's Signature-Input three times (the key id for the blocks, then
    # to prepare and to check): parsed once
    try:
        inputs: Any = http_sf.parse(value.encode(), tltype="dictionary")
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"malformed Signature-Input: {exc}") from None
    if not isinstance(inputs, dict) or not inputs:
        raise SignatureError("malformed Signature-Input: no signature")
    label, member = next(iter(inputs.items()))
    if not isinstance(member, tuple) or len(member) != 2 or not isinstance(member[1], dict):
        raise SignatureError("malformed Signature-Input: not a list of components with parameters")
    components = member[0] if isinstance(member[0], list) else []
    return Input(label, tuple((c[0], c[1]) for c in components), member[1], len(inputs) == 1)


def _check(request: SignedRequest, signed_by: str, key: rsa.RSAPublicKey) -> VerifiedKey:
    signature_input = _input(request.headers)
    algorithm = _ALGORITHMS.get(str(signature_input.params.get("alg", "rsa-v1_5-sha256")))
    if algorithm is None:
        raise SignatureError(f"unsupported signature algorithm {signature_input.params.get('alg')!r}")
    fields: dict[str, list[str]] = {}  # header lines by lower-case name, as received
    for name, value in request.headers.items():
        fields.setdefault(name.lower(), []).append(value)
    if "date" in fields:
        check_date(fields["date"][-1], request.now)
    verified = _short_way(request, fields, signature_input, algorithm(public_key=key))
    if verified is not None:
        return verified
    return _by_library(
        request, signed_by, HTTPMessageVerifier(signature_algorithm=algorithm, key_resolver=OneKey(key))
    )


def _short_way(
    request: SignedRequest, fields: dict[str, list[str]], signature_input: Input, verifier: Any
) -> VerifiedKey | None:
    """Verified through sigbase.py, or None: outside its profile, or not verified that way."""
    signature = sigbase.signature_bytes(fields.get("signature", []), signature_input.label)
    if signature is None or not signature_input.single:
        return None
    fields = dict(fields)  # its host is set to each URL the sender may have addressed
    for url in variants(request.urls):
        fields["host"] = [urlsplit(url).netloc]  # the host the sender addressed
        built = sigbase.build(request, url, fields, signature_input.components, signature_input.params)
        if built is None:
            return None
        base, covered = built
        try:
            verifier.verify(signature=signature, message=base.encode())
        except InvalidSignature:
            continue
        _check_coverage(covered, request)
        return VerifiedKey(signature_input.params["keyid"], "rfc9421", bool(request.body), url)
    return None


def _by_library(request: SignedRequest, signed_by: str, verifier: HTTPMessageVerifier) -> VerifiedKey:
    verifier.max_clock_skew = SKEW
    headers = list(request.headers.items())
    last: Exception | None = None
    for url in variants(request.urls):
        host = urlsplit(url).netloc
        fields = [(k, host if k.lower() == "host" else v) for k, v in headers]
        message = Message(request.method, url, _Fields(fields))
        try:
            results = verifier.verify(message, max_age=SKEW)
        except HTTPMessageSignaturesException as exc:
            last = exc
            if "Content-Digest" in str(exc) or "digest" in str(exc).lower():
                raise SignatureError(f"content digest: {exc}", signed_by) from None
            if "created" in str(exc) or "expires" in str(exc) or "age" in str(exc):
                raise SignatureError(f"date: {exc}", signed_by) from None
            continue
        _check_coverage(results[0].covered_components, request)
        return VerifiedKey(signed_by, "rfc9421", bool(request.body), url)
    raise BadSignature(f"signature does not verify with the actor's key ({last})", signed_by)


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
        matches = sigbase.digest_matches(digest, request.body)
        if matches is False:
            raise SignatureError("content digest: the Content-Digest does not match the body")
        if matches is None:
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
