"""The sales contract on eth-tester: prices, purchases in ether and in the token, the fee and its
cap, pull withdrawals (arithmetic checked over many amounts), and an owner that cannot drain."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from tunecamp.daemon.payments.chain import (
    NO_TOKEN,
    Chain,
    artifact,
    deploy,
    embedded_chain,
    eth_tester_modules,
    release_id,
)

REVERTS = (eth_tester_modules()[2], ContractLogicError)


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    c = embedded_chain()
    yield c
    c.close()


def fresh_sales(chain: Chain, fee: int = 0) -> Any:
    assert chain.demo is not None
    address = deploy(chain.w3, "TuneCampSales", chain.demo.owner, chain.token, fee)
    return chain.w3.eth.contract(address=address, abi=artifact("TuneCampSales")["abi"])


def listed(chain: Chain, sales: Any, slug: str, wei: int, units: int = 0) -> tuple[bytes, str]:
    assert chain.demo is not None
    rid, artist = release_id(slug), chain.demo.artists[0]
    sales.functions.register(rid, artist).transact({"from": chain.demo.owner})
    sales.functions.set_price(rid, wei, units).transact({"from": artist})
    return rid, artist


def ether(chain: Chain, address: str) -> int:
    return int(chain.w3.eth.get_balance(address))  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fee=st.integers(0, 1000), price=st.integers(1, 10**18), extra=st.integers(0, 10**18))
def test_fee_and_withdrawal_arithmetic(chain: Chain, fee: int, price: int, extra: int) -> None:
    assert chain.demo is not None
    sales = fresh_sales(chain, fee)
    rid, artist = listed(chain, sales, "prop", price)
    buyer, owner = chain.demo.buyers[1], chain.demo.owner
    paid = price + extra
    sales.functions.purchase(rid).transact({"from": buyer, "value": paid})
    cut = paid * fee // 10_000
    assert sales.functions.balance_of(artist, NO_TOKEN).call() == paid - cut
    assert sales.functions.balance_of(owner, NO_TOKEN).call() == cut
    assert ether(chain, sales.address) == paid  # every wei is owed to someone
    before = ether(chain, artist)
    tx = sales.functions.withdraw(NO_TOKEN).transact({"from": artist})
    receipt = chain.w3.eth.get_transaction_receipt(tx)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert receipt["status"] == 1
    assert ether(chain, artist) - before + gas == paid - cut
    assert sales.functions.balance_of(artist, NO_TOKEN).call() == 0
    assert ether(chain, sales.address) == cut


def test_purchases_below_the_price_or_unpriced_are_refused(chain: Chain) -> None:
    assert chain.demo is not None
    sales = fresh_sales(chain)
    rid, _ = listed(chain, sales, "cheap", 1000)
    with pytest.raises(REVERTS):
        sales.functions.purchase(rid).transact({"from": chain.demo.buyers[0], "value": 999})
    with pytest.raises(REVERTS):
        sales.functions.purchase(release_id("unlisted")).transact(
            {"from": chain.demo.buyers[0], "value": 10**18}
        )
    with pytest.raises(REVERTS):  # no token price set: not for sale in the token
        sales.functions.purchase_with_token(rid, 10**9).transact({"from": chain.demo.buyers[0]})


def test_the_owner_cannot_drain_an_artist(chain: Chain) -> None:
    assert chain.demo is not None
    sales = fresh_sales(chain, fee=1000)
    rid, artist = listed(chain, sales, "guarded", 10**15)
    owner, buyer, other = chain.demo.owner, chain.demo.buyers[2], chain.demo.artists[1]
    sales.functions.purchase(rid).transact({"from": buyer, "value": 10**16})
    owed = sales.functions.balance_of(artist, NO_TOKEN).call()
    attempts = [
        lambda: sales.functions.set_fee(1001).transact({"from": owner}),  # over the cap
        lambda: sales.functions.register(rid, owner).transact({"from": owner}),  # already registered
        lambda: sales.functions.set_artist(rid, owner).transact({"from": owner}),  # the artist's alone
        lambda: sales.functions.set_price(rid, 1, 1).transact({"from": owner}),
        lambda: sales.functions.withdraw(chain.token).transact({"from": owner}),  # owed nothing in it
        lambda: sales.functions.set_fee(0).transact({"from": other}),  # not the owner
    ]
    for attempt in attempts:
        with pytest.raises(REVERTS):
            attempt()
    sales.functions.withdraw(NO_TOKEN).transact({"from": owner})  # the owner's own fee only
    sales.functions.transfer_ownership(other).transact({"from": owner})
    with pytest.raises(REVERTS):
        sales.functions.withdraw(NO_TOKEN).transact({"from": owner})
    assert sales.functions.balance_of(artist, NO_TOKEN).call() == owed == 9 * 10**15
    assert ether(chain, sales.address) == owed
    with pytest.raises(REVERTS):  # the deployment itself refuses a fee over the cap
        fresh_sales(chain, fee=1001)


def test_the_erc20_path(chain: Chain) -> None:
    assert chain.demo is not None
    sales = fresh_sales(chain, fee=500)
    units = 5_000_000  # 5 demo dollars
    rid, artist = listed(chain, sales, "stable", 10**15, units)
    token = chain.w3.eth.contract(address=chain.token, abi=artifact("DemoToken")["abi"])  # type: ignore[arg-type]
    buyer = chain.demo.buyers[3]
    with pytest.raises(REVERTS):  # no allowance yet
        sales.functions.purchase_with_token(rid, units).transact({"from": buyer})
    token.functions.approve(sales.address, units).transact({"from": buyer})
    with pytest.raises(REVERTS):
        sales.functions.purchase_with_token(rid, units - 1).transact({"from": buyer})
    tx = sales.functions.purchase_with_token(rid, units).transact({"from": buyer})
    receipt = chain.w3.eth.get_transaction_receipt(tx)  # the token's Transfer logs are in it too: not ours
    (event,) = sales.events.Purchase().process_receipt(receipt, errors=DISCARD)
    assert (event["args"]["amount"], event["args"]["token"], event["args"]["buyer"]) == (
        units,
        chain.token,
        buyer,
    )
    assert sales.functions.balance_of(artist, chain.token).call() == units * 95 // 100
    before = token.functions.balanceOf(artist).call()
    sales.functions.withdraw(chain.token).transact({"from": artist})
    assert token.functions.balanceOf(artist).call() - before == units * 95 // 100
    assert token.functions.balanceOf(sales.address).call() == units * 5 // 100


def test_the_artist_hands_a_release_on(chain: Chain) -> None:
    assert chain.demo is not None
    sales = fresh_sales(chain)
    rid, artist = listed(chain, sales, "handover", 10)
    successor = chain.demo.artists[2]
    sales.functions.set_artist(rid, successor).transact({"from": artist})
    with pytest.raises(REVERTS):
        sales.functions.set_price(rid, 20, 0).transact({"from": artist})
    sales.functions.set_price(rid, 20, 0).transact({"from": successor})
    assert sales.functions.price_wei(rid).call() == 20


def test_demo_prices_follow_the_release_price(chain: Chain) -> None:
    from tunecamp.daemon.payments.chain import list_on_demo_chain

    list_on_demo_chain(chain, "demo-priced", 0, Decimal("4.50"))
    wei, units, artist = chain.prices("demo-priced")
    assert (wei, units) == (45 * 10**14, 4_500_000) and artist != NO_TOKEN
