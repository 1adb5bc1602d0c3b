"""Is this transaction a purchase of this release by this address? Read from the chain.

Everything is checked against the chain itself, never against what the browser says: the
receipt exists and succeeded, it carries a `Purchase` event emitted by *our* contract's address
(a look-alike contract emitting the same event elsewhere counts for nothing), for this release's
ID, by the address that signed the sign-in message, for at least the price the contract asked
at that block (in ether, or in the one accepted token), with enough confirmations. That the hash
was never used before is the caller's check, in the same transaction that records it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from web3.exceptions import TransactionNotFound
from web3.logs import DISCARD

from tunecamp.daemon.payments.chain import NO_TOKEN, Chain, release_id

TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


class NotAPurchase(ValueError):
    """Why a transaction does not unlock the release; `pending` when waiting would help."""

    def __init__(self, message: str, pending: bool = False) -> None:
        super().__init__(message)
        self.pending = pending


@dataclass(frozen=True)
class Purchase:
    tx_hash: str
    release: str
    buyer: str
    amount: int
    token: str
    block_number: int


def verify_purchase(chain: Chain, tx_hash: str, release: str, buyer: str, confirmations: int) -> Purchase:
    """Blocking (run it with `chain.run`)."""
    if not TX_HASH.match(tx_hash):
        raise NotAPurchase("tx_hash: 0x and 64 hex digits")
    try:
        receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        raise NotAPurchase("no such transaction on this chain yet (not mined?)", pending=True) from None
    if receipt["status"] != 1:
        raise NotAPurchase("the transaction failed on chain: nothing was paid")
    ours = [
        e
        for e in chain.contract.events.Purchase().process_receipt(receipt, errors=DISCARD)
        if e["address"] == chain.contract.address
    ]
    if not ours:
        raise NotAPurchase("the transaction holds no purchase from this site's contract")
    rid = release_id(release)
    mine = [e for e in ours if bytes(e["args"]["release_id"]) == rid]
    if not mine:
        raise NotAPurchase("the transaction bought another release")
    event = next((e for e in mine if e["args"]["buyer"] == buyer), None)
    if event is None:
        raise NotAPurchase("the transaction was paid by another address than the one that signed")
    block = receipt["blockNumber"]
    f = chain.contract.functions
    token = event["args"]["token"]
    price = (f.price_wei(rid) if token == NO_TOKEN else f.token_price(rid)).call(block_identifier=block)
    if token not in (NO_TOKEN, chain.token) or price == 0 or event["args"]["amount"] < price:
        raise NotAPurchase("the amount paid is below the release's price")
    have = chain.w3.eth.block_number - block + 1
    if have < confirmations:
        raise NotAPurchase(f"{have} of {confirmations} confirmations; try again shortly", pending=True)
    return Purchase(
        receipt["transactionHash"].to_0x_hex(), release, buyer, int(event["args"]["amount"]), token, block
    )
