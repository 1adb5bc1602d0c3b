"""Signing outgoing requests: draft-cavage rsa-sha256 (what every fediverse server accepts) and RFC 9421.

The primitives (digests, dates, the request target, the RFC 9421 message) are signatures.py's,
which verifies what others sign the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from http_message_signatures import HTTPMessageSigner, algorithms

from tunecamp.daemon.federation.rfc9421 import LABEL as RFC9421_LABEL
from tunecamp.daemon.federation.rfc9421 import Message, OneKey
from tunecamp.daemon.federation.signed import (
    digest_header,
    http_date,
    private_key,
    request_target,
)


@dataclass(frozen=True)
class SigningKey:
    """Who signs: the key's id (the actor's `#main-key`) and its private key (parsed, or PEM)."""

    key_id: str
    private: str | rsa.RSAPrivateKey


def sign_cavage(
    method: str, url: str, headers: Mapping[str, str], body: bytes, key: SigningKey
) -> dict[str, str]:
    """`headers` with Host, Date, Digest (with a body) and a draft-cavage rsa-sha256 Signature added."""
    out = {k: v for k, v in headers.items() if k.lower() not in ("signature", "host", "date", "digest")}
    out["Host"] = urlsplit(url).netloc
    out["Date"] = http_date()
    covered = ["(request-target)", "host", "date"]
    if method.upper() != "GET" or body:
        out["Digest"] = digest_header(body)
        covered.append("digest")
    lower = {k.lower(): v for k, v in out.items()}
    lines = [f"(request-target): {request_target(method, url)}", *(f"{h}: {lower[h]}" for h in covered[1:])]
    signature = private_key(key.private).sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    out["Signature"] = (
        f'keyId="{key.key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return out


def sign_rfc9421(
    method: str, url: str, headers: Mapping[str, str], body: bytes, key: SigningKey
) -> dict[str, str]:
    """`headers` with Host, Date, Content-Digest (with a body), Signature-Input and Signature (RFC 9421)."""
    out = {
        k: v
        for k, v in headers.items()
        if k.lower() not in ("signature", "signature-input", "content-digest")
    }
    out["Host"] = urlsplit(url).netloc
    out.setdefault("Date", http_date())
    components = ["@method", "@target-uri", "@authority", "host", "date"]
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256, key_resolver=OneKey(private_key(key.private))
    )
    message = Message(method, url, out)
    with_body = method.upper() != "GET" or bool(body)
    signer.sign(
        message,
        key_id=key.key_id,
        label=RFC9421_LABEL,
        covered_component_ids=components,
        created=datetime.now(UTC),
        body=body if with_body else None,
    )
    return out
