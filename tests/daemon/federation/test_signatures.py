"""Both signature formats, signed by us and checked by us: every way a request can be wrong.

The interoperability with other implementations is proved against a live remote (the Python
signer in conftest.py) and the Fedify peer (tests/peers/fedify/).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from tunecamp.daemon.federation.keys import generate
from tunecamp.daemon.federation.signatures import (
    BadSignature,
    SignatureError,
    SignedRequest,
    http_date,
    load_public,
    verify,
)
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage, sign_rfc9421

URL = "https://music.example/users/aurora/inbox"
BODY = b'{"type":"Follow"}'
KEY_ID = "https://remote.example/users/fan#main-key"


@pytest.fixture(scope="module")
def pair() -> tuple[str, str]:
    return generate()


@pytest.fixture(scope="module")
def other() -> tuple[str, str]:
    return generate()


def resolver(*pems: str) -> tuple[list[bool], object]:
    """A resolver answering the keys in turn (the last one again): the first call, then a refresh."""
    calls: list[bool] = []

    async def resolve(key_id: str, refresh: bool) -> rsa.RSAPublicKey:
        assert key_id == KEY_ID
        calls.append(refresh)
        return load_public(pems[min(len(calls) - 1, len(pems) - 1)])

    return calls, resolve


SIGNERS = {"cavage": sign_cavage, "rfc9421": sign_rfc9421}


def request(headers: dict[str, str], body: bytes = BODY, url: str = URL, **kw: object) -> SignedRequest:
    return SignedRequest("POST", (url,), headers, body, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", SIGNERS)
async def test_a_signed_post_verifies(scheme: str, pair: tuple[str, str]) -> None:
    headers = SIGNERS[scheme](
        "POST", URL, {"Content-Type": "application/activity+json"}, BODY, SigningKey(KEY_ID, pair[0])
    )
    calls, resolve = resolver(pair[1])
    verified = await verify(request(headers), resolve)  # type: ignore[arg-type]
    assert (verified.key_id, verified.scheme, verified.covers_body) == (KEY_ID, scheme, True)
    assert calls == [False]


@pytest.mark.parametrize("scheme", SIGNERS)
async def test_a_tampered_body_is_refused(scheme: str, pair: tuple[str, str]) -> None:
    headers = SIGNERS[scheme]("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    _, resolve = resolver(pair[1])
    with pytest.raises(SignatureError, match=r"(?i)digest"):
        await verify(request(headers, body=b'{"type":"Undo"}'), resolve)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", SIGNERS)
async def test_a_tampered_header_is_refused(scheme: str, pair: tuple[str, str]) -> None:
    headers = SIGNERS[scheme]("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    headers["Date"] = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    calls, resolve = resolver(pair[1])
    with pytest.raises(BadSignature):
        await verify(request(headers), resolve)  # type: ignore[arg-type]
    assert calls == [False, True]  # re-fetched once, in case the key was rotated


@pytest.mark.parametrize("scheme", SIGNERS)
async def test_another_path_is_refused(scheme: str, pair: tuple[str, str]) -> None:
    headers = SIGNERS[scheme]("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    _, resolve = resolver(pair[1])
    with pytest.raises(BadSignature):
        await verify(request(headers, url="https://music.example/inbox"), resolve)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", SIGNERS)
async def test_the_wrong_key_is_refused_then_a_rotated_key_is_fetched(
    scheme: str, pair: tuple[str, str], other: tuple[str, str]
) -> None:
    headers = SIGNERS[scheme]("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    calls, resolve = resolver(other[1])
    with pytest.raises(BadSignature):
        await verify(request(headers), resolve)  # type: ignore[arg-type]
    calls, resolve = resolver(other[1], pair[1])  # the cached key is old, the fetched one is new
    assert (await verify(request(headers), resolve)).key_id == KEY_ID  # type: ignore[arg-type]
    assert calls == [False, True]


@pytest.mark.parametrize("scheme", SIGNERS)
@pytest.mark.parametrize("hours", [-2, 2])
async def test_a_date_out_of_the_hour_is_refused(scheme: str, hours: int, pair: tuple[str, str]) -> None:
    headers = SIGNERS[scheme]("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    _, resolve = resolver(pair[1])
    later = datetime.now(UTC) - timedelta(hours=hours)
    with pytest.raises(SignatureError, match="date"):
        await verify(request(headers, now=later), resolve)  # type: ignore[arg-type]
    fine = datetime.now(UTC) - timedelta(minutes=50 if hours > 0 else -50)
    assert await verify(request(headers, now=fine), resolve)  # type: ignore[arg-type]


async def test_unsigned_is_refused(pair: tuple[str, str]) -> None:
    _, resolve = resolver(pair[1])
    with pytest.raises(SignatureError, match="not signed"):
        await verify(request({"Date": "x"}), resolve)  # type: ignore[arg-type]


async def test_cavage_hs2019_and_a_query_signed_or_not(pair: tuple[str, str]) -> None:
    url = URL + "?x=1"
    headers = sign_cavage("POST", url, {}, BODY, SigningKey(KEY_ID, pair[0]))
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    _, resolve = resolver(pair[1])
    assert await verify(request(headers, url=url), resolve)  # type: ignore[arg-type]
    bare = sign_cavage("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))  # signed without the query
    assert await verify(request(bare, url=url), resolve)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s.replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'), "unsupported"),
        (lambda s: s.replace("(request-target) ", ""), "request-target"),
        (lambda s: s.replace(" digest", ""), "Digest"),
        (lambda s: s.replace("keyId=", "kid="), "keyId"),
        (lambda s: "garbage without equals", "malformed"),
    ],
)
async def test_malformed_cavage_headers_are_named(change: object, reason: str, pair: tuple[str, str]) -> None:
    headers = sign_cavage("POST", URL, {}, BODY, SigningKey(KEY_ID, pair[0]))
    headers["Signature"] = change(headers["Signature"])  # type: ignore[operator]
    _, resolve = resolver(pair[1])
    with pytest.raises(SignatureError, match=reason):
        await verify(request(headers), resolve)  # type: ignore[arg-type]


async def test_signed_get_without_body(pair: tuple[str, str]) -> None:
    for sign in SIGNERS.values():
        headers = sign(
            "GET",
            "https://music.example/ap/x.json",
            {"Accept": "application/activity+json"},
            b"",
            SigningKey(KEY_ID, pair[0]),
        )
        _, resolve = resolver(pair[1])
        req = SignedRequest("GET", ("https://music.example/ap/x.json",), headers, b"")
        assert await verify(req, resolve)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("components", "body", "reason"),
    [
        (("@target-uri", "date"), b"", "@method"),
        (("@method", "@target-uri", "date"), BODY, "Content-Digest"),
    ],
)
async def test_rfc9421_must_cover_the_method_and_the_body(
    pair: tuple[str, str], components: tuple[str, ...], body: bytes, reason: str
) -> None:
    """A signature the library verifies, over too little: the method or the body left out."""
    headers: dict[str, str] = {"Date": http_date(), "Content-Type": "application/activity+json"}

    class Message:
        method, url = "POST", URL

    message = Message()
    message.headers = headers  # type: ignore[attr-defined]
    signer = HTTPMessageSigner(signature_algorithm=algorithms.RSA_V1_5_SHA256, key_resolver=OneKey(pair[0]))
    signer.sign(message, key_id=KEY_ID, label="sig1", covered_component_ids=components)
    _, resolve = resolver(pair[1])
    with pytest.raises(SignatureError, match=reason):
        await verify(request(headers, body=body or b"{}"), resolve)  # type: ignore[arg-type]


class OneKey(HTTPSignatureKeyResolver):
    def __init__(self, pem: str) -> None:
        self.key = load_pem_private_key(pem.encode(), password=None)

    def resolve_private_key(self, key_id: str) -> object:
        return self.key
