"""Object integrity proofs (FEP-8b32): how an activity forwarded by someone else is believed.

A relay, or a server forwarding a reply to its thread, POSTs an activity whose actor is not the
one that signed the HTTP request. Such an activity is believed only when it carries its own
actor's proof: a `DataIntegrityProof` with the `eddsa-jcs-2022` cryptosuite, made with an Ed25519
key the actor lists in its `assertionMethod` (as a `Multikey`). The verification itself is
`apsig`'s (`ProofVerifier`: JCS canonicalisation, the two SHA-256 hashes, the Ed25519 check).
Without such a proof, an older relay's linked-data signature (`RsaSignature2017`) is checked
instead (ld_signatures.py).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urldefrag

from apsig.proof.verify import ProofVerifier

from tunecamp.daemon.federation.ld_signatures import LdSignatureError, signature_of, verify_ld_signature
from tunecamp.daemon.federation.remote import RemoteActors, RemoteError

SUITE = "eddsa-jcs-2022"


class ProofError(Exception):
    """The forwarded activity's proof is missing or does not hold; the message says why."""


def _proofs(activity: dict[str, Any]) -> list[dict[str, Any]]:
    proof = activity.get("proof")
    found = proof if isinstance(proof, list) else [proof]
    return [p for p in found if isinstance(p, dict)]


async def verify_proof(remote: RemoteActors, activity: dict[str, Any], actor_id: str) -> str:
    """The verification method that proves `activity` is `actor_id`'s own; raises ProofError."""
    proofs = [
        p
        for p in _proofs(activity)
        if p.get("type") == "DataIntegrityProof" and p.get("cryptosuite") == SUITE
    ]
    if not proofs and signature_of(activity) is not None:
        try:
            return await verify_ld_signature(remote, activity, actor_id)
        except LdSignatureError as exc:
            raise ProofError(str(exc)) from None
    if not proofs:
        raise ProofError(
            f"signed by another actor than {actor_id}, and no {SUITE} proof or RsaSignature2017 of the actor's"
        )
    for proof in proofs:
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or urldefrag(method)[0] != actor_id:
            continue  # only the actor's own key proves the actor's activity
        try:
            actor = await remote.actor(actor_id)
            key = dict(actor.assertion_keys).get(method)
            if key is None:
                actor = await remote.actor(actor_id, refresh=True)
                key = dict(actor.assertion_keys).get(method)
        except RemoteError as exc:
            raise ProofError(f"the actor {actor_id} cannot be fetched: {exc.reason}") from None
        if key is None:
            raise ProofError(f"{actor_id} lists no key {method} in its assertionMethod")
        single = {**activity, "proof": proof}
        try:
            # apsig's verifier edits the proof it is given: it gets a copy
            verified = ProofVerifier(key).verify_proof(copy.deepcopy(single), raise_on_fail=True)
        except Exception as exc:  # apsig raises ValueError, TypeError and its own errors for a bad proof
            raise ProofError(f"the proof does not verify: {exc or type(exc).__name__}") from None
        if verified == method:
            return method
    raise ProofError(f"no proof by a key of {actor_id}")
