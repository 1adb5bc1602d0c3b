"""Linked-data signatures (`RsaSignature2017`): how Mastodon relays' forwards are believed.

Older relays (and Mastodon itself, for forwarded replies) re-POST an activity signed with its
actor's RSA key inside the document (`signature`), the HTTP request being signed by the relay.
Checking it means normalising the document with JSON-LD (URDNA2015), which needs its contexts:
they come from the copies bundled beside this module, never from the network. A document naming
any other context URL is refused, and so is a large one (normalisation can be made costly).
The signature arithmetic is `apsig`'s (`LDSignature`, ported from Takahe); pyld does the JSON-LD.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
from importlib import resources
from typing import Any

from apsig.ld_signature import LDSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyld import jsonld

from tunecamp.daemon.federation.remote import RemoteActors, RemoteError

SIGNATURE_TYPE = "RsaSignature2017"
MAX_SIGNED_BYTES = 64 * 1024  # a forwarded Note or Like is a few KB; normalisation cost grows fast


class LdSignatureError(Exception):
    """The linked-data signature is missing, unreadable or does not hold; the message says why."""


@functools.cache
def _bundled() -> dict[str, Any]:
    text = resources.files("tunecamp.daemon.federation").joinpath("contexts/jsonld.json").read_text()
    found: dict[str, Any] = json.loads(text)
    return found


def bundled_context(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: a bundled context or an error, never a fetch."""
    data = _bundled()
    name = data["aliases"].get(url.rstrip("#"), url.rstrip("#"))
    document = data["contexts"].get(name)
    if document is None:
        raise LdSignatureError(f"the JSON-LD context {url} is not one this server knows")
    return {"contextUrl": None, "documentUrl": url, "document": document}


def signature_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    signature = activity.get("signature")
    if isinstance(signature, dict) and signature.get("type") == SIGNATURE_TYPE:
        return signature
    return None


async def verify_ld_signature(remote: RemoteActors, activity: dict[str, Any], actor_id: str) -> str:
    """The key id that signed `activity` as `actor_id`'s own; raises LdSignatureError."""
    signature = signature_of(activity)
    if signature is None:
        raise LdSignatureError(f"no {SIGNATURE_TYPE} signature")
    creator = signature.get("creator")
    if not isinstance(creator, str):
        raise LdSignatureError(f"the {SIGNATURE_TYPE} signature names no creator")
    if len(json.dumps(activity)) > MAX_SIGNED_BYTES:
        raise LdSignatureError(f"a document over {MAX_SIGNED_BYTES // 1024} KB is not normalised")
    try:
        actor = await remote.actor(actor_id)
        if actor.key_id != creator:
            actor = await remote.actor(actor_id, refresh=True)
    except RemoteError as exc:
        raise LdSignatureError(f"the actor {actor_id} cannot be fetched: {exc.reason}") from None
    if actor.key_id != creator or actor.public_pem is None:
        raise LdSignatureError(f"{actor_id} has no key {creator}")
    # normalising takes milliseconds of CPU: off the event loop
    failure = await asyncio.to_thread(_check, copy.deepcopy(activity), actor.public_pem)
    if failure is not None:
        raise LdSignatureError(failure)
    return creator


def _check(activity: dict[str, Any], pem: str) -> str | None:
    """Why the signature does not hold, or None when it does."""
    # apsig normalises through pyld's process-wide loader; it is ours before any use, so no
    # JSON-LD processing in this process ever fetches a context
    jsonld.set_document_loader(bundled_context)
    try:
        key = serialization.load_pem_public_key(pem.encode())
        assert isinstance(key, rsa.RSAPublicKey), "an RSA key"
        verified = LDSignature().verify(activity, key)
    except jsonld.JsonLdError as exc:
        return f"the document cannot be normalised: {_reason(exc)}"
    except (ValueError, TypeError, KeyError, AssertionError) as exc:  # bad base64, a key of another kind
        return f"the {SIGNATURE_TYPE} signature cannot be read: {exc}"
    return None if verified is not None else f"the {SIGNATURE_TYPE} signature does not verify"


def _reason(exc: BaseException) -> str:
    """Our own refusal (an unknown context) when pyld wrapped one, else pyld's message."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, LdSignatureError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return str(exc.args[0]) if exc.args else type(exc).__name__
