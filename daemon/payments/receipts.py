"""Purchase receipts: what a buyer keeps to download again later, without an account.

A receipt is a JWT signed by the instance (HS256, pinned, a key derived from the instance
secret for receipts only) naming the release, the buyer's address, the transaction and the
time. It never expires; presenting it yields a fresh grant as long as the purchase is recorded
here. Changing the instance secret voids every receipt (the purchases stay on the chain and in
the database, and a buyer can verify the transaction again with a new signature).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
TYPE = "tunecamp-receipt"


class InvalidReceipt(ValueError):
    pass


@dataclass(frozen=True)
class Receipt:
    release: str
    buyer: str
    tx_hash: str
    chain_id: int
    issued_at: int


@dataclass(frozen=True)
class ReceiptSigner:
    secret: bytes

    @property
    def _key(self) -> bytes:
        return hmac.new(self.secret, b"tunecamp purchase receipts v1", hashlib.sha256).digest()

    def sign(self, release: str, buyer: str, tx_hash: str, chain_id: int) -> str:
        payload = {"rel": release, "buyer": buyer, "tx": tx_hash, "chain": chain_id, "iat": int(time.time())}
        return jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": TYPE})

    def verify(self, token: str) -> Receipt:
        if not token.isascii() or len(token) > 4096:
            raise InvalidReceipt("not a receipt of this site")
        try:
            data = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["rel", "buyer", "tx", "chain", "iat"]},
            )
        except jwt.PyJWTError:
            raise InvalidReceipt("not a receipt of this site") from None
        return Receipt(
            str(data["rel"]), str(data["buyer"]), str(data["tx"]), int(data["chain"]), int(data["iat"])
        )
