"""The chain purchases are verified on: a JSON-RPC node, or the embedded demo chain.

web3 is synchronous and eth-tester is not thread-safe, so every call goes through one thread of
its own (`Chain.run`); nothing touches the chain before the first payment request (the demo
chain takes about a second to start). The embedded chain (TUNECAMP_WEB3_RPC_URL empty) is
eth-tester in this process: the sales contract and a demo stablecoin are deployed at start,
the first account is the owner, the next ones are demo artists and buyers, funded with ether
and demo dollars. It exists for `make demo` and the tests, and forgets everything at exit.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

from web3 import Web3
from web3.contract import Contract

from tunecamp.daemon.config import DaemonConfig

T = TypeVar("T")
NO_TOKEN = "0x" + "00" * 20
DEMO_FEE_BPS = 250  # the demo platform fee: 2.5 %
DEMO_ETHER_PER_UNIT = Decimal("0.001")  # the demo chain prices a release of 5 (EUR...) at 0.005 ether
DEMO_TOKEN_DECIMALS = 6


class ChainError(Exception):
    """The chain cannot be used (node down, wrong chain, no contract); the message says which."""


@cache
def artifact(name: str) -> dict[str, Any]:
    """The committed ABI and bytecode of a contract (contracts/compile.py writes them)."""
    data: dict[str, Any] = json.loads(
        files("tunecamp.daemon.payments").joinpath("artifacts", f"{name}.json").read_text()
    )
    return data


def release_id(slug: str) -> bytes:
    """A release's ID in the contract: keccak-256 of its slug."""
    return bytes(Web3.keccak(text=slug))


@dataclass
class Chain:
    w3: Web3
    contract: Contract
    chain_id: int
    token: str  # the accepted ERC-20, or NO_TOKEN
    demo: DemoAccounts | None = None
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "tunecamp-chain"))

    async def run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def prices(self, slug: str) -> tuple[int, int, str]:
        """(price in wei, price in the token, the artist's address) as the contract holds them now."""
        rid = release_id(slug)
        f = self.contract.functions
        return f.price_wei(rid).call(), f.token_price(rid).call(), f.artist_of(rid).call()


@dataclass(frozen=True)
class DemoAccounts:
    owner: str
    artists: tuple[str, ...]
    buyers: tuple[str, ...]
    keys: dict[str, bytes]  # address -> private key, for the tests' and the demo's wallets


def connect(config: DaemonConfig) -> Chain:
    """Blocking: the configured node and contract, or a fresh embedded chain."""
    if not config.web3_rpc_url:
        return embedded_chain(config.web3_chain_id)
    w3 = Web3(Web3.HTTPProvider(config.web3_rpc_url, request_kwargs={"timeout": 15}))
    try:
        chain_id = w3.eth.chain_id
        code = w3.eth.get_code(Web3.to_checksum_address(config.web3_contract))
    except Exception as exc:  # any transport failure: the node is unusable, say so
        raise ChainError(
            f"TUNECAMP_WEB3_RPC_URL: the node does not answer ({type(exc).__name__}: {exc})"
        ) from None
    if config.web3_chain_id and chain_id != config.web3_chain_id:
        raise ChainError(
            f"TUNECAMP_WEB3_CHAIN_ID={config.web3_chain_id}, but the node is on chain {chain_id}"
        )
    if not code:
        raise ChainError(f"TUNECAMP_WEB3_CONTRACT={config.web3_contract}: no contract at that address")
    abi = artifact("TuneCampSales")["abi"]
    contract = w3.eth.contract(address=Web3.to_checksum_address(config.web3_contract), abi=abi)
    return Chain(w3, contract, chain_id, contract.functions.token().call())


_EMBEDDED = threading.Lock()


def eth_tester_modules() -> tuple[Any, Any, type[Exception]]:
    """(EthereumTester, PyEVMBackend, TransactionFailed), imported without their side effect.

    py-evm raises the interpreter's recursion limit to 100,000 when imported; with it, a deeply
    nested JSON body overflows the C stack and kills the process instead of raising the
    RecursionError that bodies.py turns into a 400. The contract calls nothing deeply, so the
    limit is put back.
    """
    limit = sys.getrecursionlimit()
    try:
        from eth_tester import EthereumTester, PyEVMBackend
        from eth_tester.exceptions import TransactionFailed
    finally:
        sys.setrecursionlimit(limit)
    return EthereumTester, PyEVMBackend, TransactionFailed


def embedded_chain(chain_id: int = 0) -> Chain:
    from web3 import EthereumTesterProvider

    EthereumTester, PyEVMBackend, _ = eth_tester_modules()
    with _EMBEDDED:
        backend = PyEVMBackend()
        w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
    accounts = list(w3.eth.accounts)
    owner, artists, buyers = accounts[0], tuple(accounts[1:4]), tuple(accounts[4:10])
    keys: dict[str, bytes] = {
        str(a): k.to_bytes() for a, k in zip(accounts, backend.account_keys, strict=False)
    }
    token = deploy(w3, "DemoToken", owner)
    contract = w3.eth.contract(
        address=deploy(w3, "TuneCampSales", owner, token.address, DEMO_FEE_BPS),
        abi=artifact("TuneCampSales")["abi"],
    )
    for buyer in buyers:
        token.functions.mint(buyer, 1_000 * 10**DEMO_TOKEN_DECIMALS).transact({"from": owner})
    real_id = w3.eth.chain_id
    if chain_id and chain_id != real_id:
        raise ChainError(f"TUNECAMP_WEB3_CHAIN_ID={chain_id}: the embedded chain is {real_id}")
    return Chain(w3, contract, real_id, token.address, DemoAccounts(owner, artists, buyers, keys))


def deploy(w3: Web3, name: str, sender: str, *args: Any) -> Any:
    spec = artifact(name)
    tx = (
        w3.eth.contract(abi=spec["abi"], bytecode=spec["bytecode"])
        .constructor(*args)
        .transact({"from": sender})
    )
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return address if name == "TuneCampSales" else w3.eth.contract(address=address, abi=spec["abi"])


def list_on_demo_chain(chain: Chain, slug: str, artist_index: int, price: Decimal | None) -> None:
    """Blocking: register a paid release on the embedded chain with demo prices, once."""
    demo = chain.demo
    if demo is None or price is None or price <= 0:
        return
    rid = release_id(slug)
    f = chain.contract.functions
    if f.artist_of(rid).call() != NO_TOKEN:
        return
    artist = demo.artists[artist_index % len(demo.artists)]
    f.register(rid, artist).transact({"from": demo.owner})
    wei = int(price * DEMO_ETHER_PER_UNIT * 10**18)
    units = int(price * 10**DEMO_TOKEN_DECIMALS)
    f.set_price(rid, wei, units).transact({"from": artist})
