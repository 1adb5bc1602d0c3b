"""The short RFC 9421 signature base (sigbase.py) against the library it stands in for.

Requests of every shape the profile admits are signed by http-message-signatures; the base
sigbase builds must verify each signature (so it is byte for byte the library's), the whole check
must take the short way for them, and whatever falls outside the profile must still verify
through the library.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, algorithms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunecamp.daemon.federation import rfc9421, sigbase
from tunecamp.daemon.federation.keys import generate
from tunecamp.daemon.federation.rfc9421 import Message, OneKey
from tunecamp.daemon.federation.signatures import (
    SignatureError,
    SignedRequest,
    http_date,
    load_public,
    verify,
)

KEY_ID = "https://remote.example/users/fan#main-key"
DERIVED = ["@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"]
ALGORITHMS = {"rsa-v1_5-sha256": algorithms.RSA_V1_5_SHA256, "rsa-pss-sha512": algorithms.RSA_PSS_SHA512}


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]:
    private_pem, public_pem = generate()
    private = load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    return private, load_public(public_pem)


def signed(private: rsa.RSAPrivateKey, shape: dict[str, Any]) -> SignedRequest:
    """A request signed by the library: `shape` says URL, headers, components and parameters."""
    headers = dict(shape["headers"])
    headers["Host"] = urlsplit(shape["url"]).netloc
    signer = HTTPMessageSigner(signature_algorithm=ALGORITHMS[shape["alg"]], key_resolver=OneKey(private))
    now = datetime.now(UTC)
    signer.sign(
        Message(shape["method"], shape["url"], headers),
        key_id=KEY_ID,
        label=shape.get("label", "sig1"),
        covered_component_ids=shape["components"],
        created=now - timedelta(seconds=shape.get("age", 5)),
        expires=now + timedelta(minutes=5) if shape.get("expires") else None,
        nonce=shape.get("nonce"),
        tag=shape.get("tag"),
        body=shape["body"] if shape["method"] == "POST" else None,
    )
    return SignedRequest(
        shape["method"], (shape["url"],), headers, shape["body"] if shape["method"] == "POST" else b""
    )


def short_way(request: SignedRequest, public: rsa.RSAPublicKey) -> Any:
    signature_input = rfc9421._input(request.headers)
    algorithm = rfc9421._ALGORITHMS[signature_input.params.get("alg", "rsa-v1_5-sha256")]
    fields: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        fields.setdefault(name.lower(), []).append(value)
    return rfc9421._short_way(request, fields, signature_input, algorithm(public_key=public))


def check(request: SignedRequest, public: rsa.RSAPublicKey) -> Any:
    async def resolve(key_id: str, refresh: bool) -> rsa.RSAPublicKey:
        return public

    return asyncio.run(verify(request, resolve))


hosts = st.sampled_from(["music.example", "a-b.example", "127.0.0.1"])
ports = st.sampled_from(["", ":443", ":8443", ":0443", ":80"])
paths = st.sampled_from(["", "/", "/inbox", "/users/aurora/inbox", "/a%20b/c;d=e", "/x:y@z"])
queries = st.sampled_from(["", "?", "?page=2", "?a=1&b=%20x", "?q=?/:@"])
header_sets = st.lists(
    st.sampled_from(["date", "host", "content-type", "x-multi", "x-spaced", "accept"]),
    unique=True,
    max_size=5,
)


@st.composite
def shapes(draw: Any) -> dict[str, Any]:
    scheme = draw(st.sampled_from(["https", "http"]))
    url = f"{scheme}://{draw(hosts)}{draw(ports)}{draw(paths)}{draw(queries)}"
    method = draw(st.sampled_from(["POST", "GET"]))
    derived = draw(st.lists(st.sampled_from(DERIVED[1:]), unique=True, max_size=6))
    components = ["@method", *derived, *draw(header_sets)]
    return {
        "method": method,
        "url": url,
        "alg": draw(st.sampled_from(sorted(ALGORITHMS))),
        "components": draw(st.permutations(components)),
        "headers": {
            "Date": http_date(),
            "Content-Type": "application/activity+json",
            "X-Multi": "one,  two",
            "X-Spaced": "  padded\tvalue  ",
            "Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        },
        "body": b'{"type":"Like","content":"caf\xc3\xa9 \\"quoted\\""}',
        "expires": draw(st.booleans()),
        "nonce": draw(st.sampled_from([None, "n-1", 'with "quotes" and \\ slash'])),
        "tag": draw(st.sampled_from([None, "fediverse"])),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes())
def test_every_request_of_the_profile_verifies_the_short_way(keys: Any, shape: dict[str, Any]) -> None:
    private, public = keys
    request = signed(private, shape)
    verified = short_way(request, public)
    assert verified is not None, shape  # the base sigbase built is the one the library signed
    assert verified.key_id == KEY_ID
    assert check(request, public).scheme == "rfc9421"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: SignedRequest(r.method, r.urls, r.headers, r.body + b" "),
        lambda r: SignedRequest("PUT", r.urls, r.headers, r.body),
        lambda r: SignedRequest(r.method, ("https://music.example/other",), r.headers, r.body),
        lambda r: SignedRequest(r.method, r.urls, {**r.headers, "Content-Type": "text/plain"}, r.body),
    ],
    ids=["body", "method", "url", "covered header"],
)
def test_a_changed_request_is_refused(keys: Any, tamper: Any) -> None:
    private, public = keys
    shape = {
        "method": "POST",
        "url": "https://music.example/inbox",
        "alg": "rsa-v1_5-sha256",
        "components": ["@method", "@target-uri", "content-type"],
        "headers": {"Content-Type": "application/activity+json"},
        "body": b'{"type":"Like"}',
    }
    request = tamper(signed(private, shape))
    with pytest.raises(SignatureError):
        check(request, public)


@pytest.mark.parametrize(
    "shape",
    [
        # a component with a parameter (sf), a derived one sigbase does not build, an upper-case
        # host, a label other than sig1 with a second signature: all the library's to judge
        {"components": ["@method", "@target-uri", '"content-type";sf'], "url": "https://music.example/inbox"},
        {"components": ["@method", '"@query-param";name="a"'], "url": "https://music.example/inbox?a=1"},
        {"components": ["@method", "@authority"], "url": "https://Music.Example/inbox"},
        {"components": ["@method", "@target-uri"], "url": "https://[::1]:8443/inbox"},
    ],
    ids=["sf parameter", "query-param", "upper-case host", "IPv6 host"],
)
def test_what_the_profile_leaves_out_goes_to_the_library(keys: Any, shape: dict[str, Any]) -> None:
    private, public = keys
    shape = {
        "method": "POST",
        "alg": "rsa-v1_5-sha256",
        "headers": {"Content-Type": "application/activity+json"},
        "body": b'{"type":"Like"}',
        **shape,
    }
    request = signed(private, shape)
    assert short_way(request, public) is None
    assert check(request, public).scheme == "rfc9421"


def test_the_content_digest_is_checked_the_short_way() -> None:
    body = b'{"type":"Like"}'
    good = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    assert sigbase.digest_matches(good, body) is True
    assert sigbase.digest_matches(good, body + b"x") is False
    assert sigbase.digest_matches("sha-256=:" + base64.b64encode(b"short").decode() + ":", body) is False
    assert sigbase.digest_matches("sha-256=:not base64!:", body) is None
    assert sigbase.digest_matches(good + ", sha-512=:AAAA:", body) is None  # two: the library's
