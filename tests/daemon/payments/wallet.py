"""A test wallet on the embedded chain: pays, signs the sign-in message, asks the daemon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from eth_account import Account
from eth_account.messages import encode_defunct

from tunecamp.daemon.payments.chain import Chain, artifact, release_id
from tunecamp.daemon.payments.state import PAYMENTS


async def chain_of(client: TestClient) -> Chain:
    return await client.app[PAYMENTS].chain(client.app)


@dataclass
class Wallet:
    client: TestClient
    chain: Chain
    address: str

    async def offer(self, release: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/payments/releases/{release}")
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def pay(self, release: str, value: int | None = None, contract: Any = None) -> str:
        """Send purchase(release) with `value` (default: the price); a revert is mined as failed."""
        price = int((await self.offer(release))["price_wei"])
        sales = contract or self.chain.contract
        fn = sales.functions.purchase(release_id(release))
        tx = {"from": self.address, "value": price if value is None else value, "gas": 300_000}
        return str((await self.chain.run(lambda: fn.transact(tx))).to_0x_hex())

    async def pay_in_token(self, release: str) -> str:
        units = int((await self.offer(release))["token_price"])
        token = self.chain.w3.eth.contract(address=self.chain.token, abi=artifact("DemoToken")["abi"])  # type: ignore[arg-type]

        def send() -> str:
            token.functions.approve(self.chain.contract.address, units).transact({"from": self.address})
            fn = self.chain.contract.functions.purchase_with_token(release_id(release), units)
            return str(fn.transact({"from": self.address}).to_0x_hex())

        return await self.chain.run(send)

    async def sign_in(self, release: str) -> tuple[str, str]:
        response = await self.client.post(
            "/api/payments/nonce", json={"address": self.address, "release": release}
        )
        assert response.status == 200, await response.text()
        message = (await response.json())["message"]
        return message, self.sign(message)

    def sign(self, message: str) -> str:
        assert self.chain.demo is not None
        key = self.chain.demo.keys[self.address]
        return "0x" + Account.sign_message(
            encode_defunct(text=message), private_key=key
        ).signature.hex().removeprefix("0x")

    async def verify(self, release: str, tx_hash: str, message: str, signature: str, **headers: str) -> Any:
        body = {"release": release, "tx_hash": tx_hash, "message": message, "signature": signature}
        return await self.client.post("/api/payments/verify", json=body, headers=headers)


async def wallet(client: TestClient, index: int = 0) -> Wallet:
    chain = await chain_of(client)
    assert chain.demo is not None
    return Wallet(client, chain, chain.demo.buyers[index])
