"""Binding a purchase to the person asking: Sign-In with Ethereum (EIP-4361) over a one-time nonce.

The daemon hands out a message naming this daemon (domain and URI), the release, the address
and a fresh nonce valid for 10 minutes; the listener signs it with the wallet that paid. A
purchase unlocks only for a message signed by the paying address, with a nonce this daemon
issued for that address and release and never accepted before: a leaked transaction hash is
worth nothing to anyone else, and a signed message cannot be replayed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlite_utils import Database
from web3 import Web3

NONCE_TTL = dt.timedelta(minutes=10)


class SignInError(ValueError):
    """A message or signature that does not prove the address; the message says why."""


def _siwe() -> Any:
    # siwe's grammar redefines core ABNF rules; abnf warns at import (harmless, and not ours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import siwe
    return siwe


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Daemon:
    url: str  # where the daemon is reached: the message's URI, its host the domain
    chain_id: int

    @property
    def domain(self) -> str:
        return urlsplit(self.url).netloc


def issue(db: Database, daemon: Daemon, address: str, release: str) -> str:
    """A message for `address` to sign, with a new nonce stored for it."""
    if not Web3.is_address(address):
        raise SignInError("address: an Ethereum address (0x and 40 hex digits)")
    address = Web3.to_checksum_address(address)
    nonce = secrets.token_hex(12)
    now = _now()
    with db.atomic():
        db.execute(
            "INSERT INTO payments_nonces (nonce, address, release_slug, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [nonce, address, release, _iso(now), _iso(now + NONCE_TTL)],
        )
    message = _siwe().SiweMessage(
        domain=daemon.domain,
        address=address,
        statement=f"Download {release}, bought with this address.",
        uri=daemon.url,
        version="1",
        chain_id=daemon.chain_id,
        nonce=nonce,
        issued_at=_iso(now),
        expiration_time=_iso(now + NONCE_TTL),
        resources=[f"{daemon.url}/api/payments/releases/{release}"],
    )
    return str(message.prepare_message())


def check(db: Database, daemon: Daemon, text: str, signature: str, release: str) -> tuple[str, str]:
    """(the signing address, the nonce) when `signature` signs `text`, a message this daemon issued
    for `release` and has not accepted yet; SignInError otherwise. The nonce is not spent here."""
    siwe = _siwe()
    try:
        message = siwe.SiweMessage.from_message(text)
    except Exception:  # siwe raises ValueError or its own parse errors for anything malformed
        raise SignInError("message: not a Sign-In with Ethereum message") from None
    if (
        message.domain != daemon.domain
        or message.uri != daemon.url
        or int(message.chain_id) != daemon.chain_id
    ):
        raise SignInError("message: issued for another site or chain")
    row = db.execute(
        "SELECT address, release_slug, expires_at, used_at FROM payments_nonces WHERE nonce = ?",
        [message.nonce],
    ).fetchone()
    if row is None or row[3] is not None:
        raise SignInError("message: its nonce is unknown or was used already; ask for a new one")
    if row[0] != Web3.to_checksum_address(message.address) or row[1] != release:
        raise SignInError("message: its nonce was issued for another address or release")
    try:
        message.verify(signature, domain=daemon.domain, nonce=message.nonce)
    except siwe.ExpiredMessage:
        raise SignInError("message: expired; ask for a new one") from None
    except siwe.VerificationError:
        raise SignInError("signature: not made by the message's address") from None
    except Exception:  # a signature that is not hex, of the wrong length...
        raise SignInError("signature: malformed") from None
    return Web3.to_checksum_address(message.address), str(message.nonce)


def spend(db: Database, nonce: str) -> bool:
    """Mark the nonce used; False when someone else spent it first."""
    cursor = db.execute(
        "UPDATE payments_nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL", [_iso(_now()), nonce]
    )
    return cursor.rowcount == 1
