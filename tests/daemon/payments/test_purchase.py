"""Buying a release on the embedded chain and proving it to the daemon: every way it must fail."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.daemon.payments.wallet import Wallet, wallet
from tests.daemon.unlock.shop import Shop, add_account
from tunecamp.daemon.payments.chain import NO_TOKEN, artifact, deploy, release_id


async def bought(w: Wallet, release: str = "sold") -> tuple[str, Any]:
    tx = await w.pay(release)
    message, signature = await w.sign_in(release)
    return tx, await w.verify(release, tx, message, signature)


async def test_a_full_purchase_gives_downloads_and_a_receipt(client: TestClient, shop: Shop) -> None:
    w = await wallet(client, 0)
    offer = await w.offer("sold")
    assert offer["price_wei"] == str(5 * 10**15) and offer["contract"] == w.chain.contract.address
    assert offer["release_id"] == "0x" + release_id("sold").hex() and offer["demo"] is True
    tx, response = await bought(w)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["purchase"] == {
        "tx_hash": tx,
        "buyer": w.address,
        "amount": str(5 * 10**15),
        "token": None,
        "block": body["purchase"]["block"],
    }
    assert {d["kind"] for d in body["downloads"]} == {"zip", "track"}
    zip_url = next(d["url"] for d in body["downloads"] if d["kind"] == "zip").removeprefix(shop.config.url)
    got = await client.get(zip_url)
    assert got.status == 200 and await got.read() == (shop.private / "sold/sold-mp3-v0.zip").read_bytes()
    again = await client.post("/api/payments/redownload", json={"receipt": body["receipt"]})
    assert again.status == 200
    fresh = await again.json()
    assert [d["name"] for d in fresh["downloads"]] == [d["name"] for d in body["downloads"]]
    assert (await client.get(fresh["downloads"][0]["url"].removeprefix(shop.config.url))).status == 200
    forged = body["receipt"][:-3] + ("AAA" if not body["receipt"].endswith("AAA") else "BBB")
    assert (await client.post("/api/payments/redownload", json={"receipt": forged})).status == 403
    assert (await client.post("/api/payments/redownload", json={"receipt": body["grant"]})).status == 403


async def test_underpayment_is_refused(client: TestClient) -> None:
    w = await wallet(client, 1)
    tx = await w.pay("sold", value=10)  # the contract reverts: mined as failed
    message, signature = await w.sign_in("sold")
    response = await w.verify("sold", tx, message, signature)
    assert response.status == 403 and "failed" in (await response.json())["error"]


async def test_a_purchase_of_another_release_is_refused(client: TestClient) -> None:
    w = await wallet(client, 1)
    tx = await w.pay("rare")
    message, signature = await w.sign_in("sold")
    response = await w.verify("sold", tx, message, signature)
    assert response.status == 403 and "another release" in (await response.json())["error"]


async def test_a_purchase_from_another_contract_is_refused(client: TestClient) -> None:
    w = await wallet(client, 2)
    chain = w.chain
    assert chain.demo is not None

    def look_alike() -> Any:
        address = deploy(chain.w3, "TuneCampSales", chain.demo.owner, chain.token, 0)  # type: ignore[union-attr]
        other = chain.w3.eth.contract(address=address, abi=artifact("TuneCampSales")["abi"])
        other.functions.register(release_id("sold"), w.address).transact({"from": chain.demo.owner})  # type: ignore[union-attr]
        other.functions.set_price(release_id("sold"), 1, 0).transact({"from": w.address})
        return other

    other = await chain.run(look_alike)
    await w.offer("sold")  # lists it on ours
    tx = await w.pay("sold", value=1, contract=other)
    message, signature = await w.sign_in("sold")
    response = await w.verify("sold", tx, message, signature)
    assert response.status == 403 and "this site's contract" in (await response.json())["error"]


async def test_a_hash_unlocks_once(client: TestClient) -> None:
    w = await wallet(client, 3)
    tx, first = await bought(w)
    assert first.status == 200
    message, signature = await w.sign_in("sold")
    replay = await w.verify("sold", tx, message, signature)
    assert replay.status == 409 and "used already" in (await replay.json())["error"]


async def test_a_leaked_hash_is_worthless_to_another_signer(client: TestClient) -> None:
    payer, thief = await wallet(client, 4), await wallet(client, 5)
    tx = await payer.pay("sold")
    message, signature = await thief.sign_in("sold")
    response = await thief.verify("sold", tx, message, signature)
    assert response.status == 403 and "another address" in (await response.json())["error"]
    # nor can the thief sign the payer's address into a message of its own
    message, _ = await payer.sign_in("sold")
    forged = await thief.verify("sold", tx, message, thief.sign(message))
    assert forged.status == 403 and "signature" in (await forged.json())["error"]
    honest = await payer.verify("sold", tx, message, payer.sign(message))
    assert honest.status == 200


async def test_a_signed_message_is_used_once(client: TestClient) -> None:
    w = await wallet(client, 0)
    tx = await w.pay("rare")
    message, signature = await w.sign_in("rare")
    assert (await w.verify("rare", tx, message, signature)).status == 200
    tx2 = await w.pay("rare")
    reused = await w.verify("rare", tx2, message, signature)
    assert reused.status == 403 and "used already" in (await reused.json())["error"]
    sold_message, sold_signature = await w.sign_in("sold")
    tx3 = await w.pay("rare")
    wrong_release = await w.verify("rare", tx3, sold_message, sold_signature)
    assert (
        wrong_release.status == 403 and "another address or release" in (await wrong_release.json())["error"]
    )


async def test_confirmations_are_waited_for(app_with: Any) -> None:
    client = await app_with(web3_confirmations=3)
    w = await wallet(client, 1)
    tx = await w.pay("rare")
    message, signature = await w.sign_in("rare")
    waiting = await w.verify("rare", tx, message, signature)
    assert waiting.status == 202 and "1 of 3" in (await waiting.json())["reason"]
    assert waiting.headers["Retry-After"] == "5"
    await w.chain.run(lambda: w.chain.w3.provider.ethereum_tester.mine_blocks(2))  # type: ignore[attr-defined]
    done = await w.verify("rare", tx, message, signature)  # the nonce was not spent by the wait
    assert done.status == 200, await done.text()


async def test_paying_in_the_token(client: TestClient) -> None:
    w = await wallet(client, 2)
    offer = await w.offer("sold")
    assert offer["token"] == w.chain.token and offer["token_price"] == "5000000"
    tx = await w.pay_in_token("sold")
    message, signature = await w.sign_in("sold")
    response = await w.verify("sold", tx, message, signature)
    assert response.status == 200, await response.text()
    assert (await response.json())["purchase"]["token"] == w.chain.token != NO_TOKEN


async def test_a_signed_in_buyer_keeps_the_release(client: TestClient) -> None:
    token = await add_account(client.app, "chain-buyer", "listener")
    w = await wallet(client, 3)
    tx = await w.pay("rare")
    message, signature = await w.sign_in("rare")
    response = await w.verify("rare", tx, message, signature, Authorization=f"Bearer {token}")
    assert response.status == 200
    later = await client.get(
        "/api/unlock/files/rare/rare-mp3-v0.zip", headers={"Authorization": f"Bearer {token}"}
    )
    assert later.status == 200


async def test_bad_requests_are_4xx(client: TestClient) -> None:
    w = await wallet(client, 0)
    assert (await client.get("/api/payments/releases/tape")).status == 404  # codes, not for sale
    assert (await client.get("/api/payments/releases/..")).status in (400, 404)
    bad_address = await client.post("/api/payments/nonce", json={"address": "0x123", "release": "sold"})
    assert bad_address.status == 400
    message, signature = await w.sign_in("sold")
    for body, status in (
        ({"release": "sold", "tx_hash": "0x12", "message": message, "signature": signature}, 403),
        ({"release": "sold", "tx_hash": "0x" + "ab" * 32, "message": "hello", "signature": signature}, 403),
        ({"release": "sold", "tx_hash": "0x" + "ab" * 32, "message": message, "signature": "0xzz"}, 403),
        ({"release": "sold", "tx_hash": "0x" + "ab" * 32, "message": message}, 400),
    ):
        response = await client.post("/api/payments/verify", json=body)
        assert response.status == status, (body, await response.text())
    unknown = await w.verify("sold", "0x" + "ab" * 32, message, signature)
    assert unknown.status == 202 and "not mined" in (await unknown.json())["reason"]


async def test_the_no_js_payment_page_names_the_contract(client: TestClient) -> None:
    w = await wallet(client, 0)
    page = await client.get("/api/payments/releases/sold/pay")
    text = await page.text()
    assert page.status == 200 and w.chain.contract.address in text and "purchase(0x" in text


async def test_the_demo_chain_leaves_deep_json_a_400(client: TestClient) -> None:
    # py-evm raises the recursion limit at import; a deeply nested body must still be refused
    # (RecursionError -> 400), not overflow the C stack
    import sys

    await wallet(client, 0)  # the embedded chain is running
    assert sys.getrecursionlimit() <= 10_000
    deep = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(
        "/api/payments/nonce", data=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400 and "nested deeper" in (await response.json())["error"]


async def test_a_wallet_pays_through_the_demo_chains_json_rpc(client: TestClient) -> None:
    from eth_account import Account

    w = await wallet(client, 5)
    assert w.chain.demo is not None

    async def rpc(method: str, *params: Any) -> Any:
        response = await client.post(
            "/api/payments/rpc", json={"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}
        )
        body = await response.json()
        assert response.status == 200 and body["id"] == 7, body
        return body

    assert int((await rpc("eth_chainId"))["result"], 16) == w.chain.chain_id
    assert "error" in await rpc("evm_mine")  # the test chain's controls stay out of reach
    offer = await w.offer("rare")
    nonce = int((await rpc("eth_getTransactionCount", w.address, "latest"))["result"], 16)
    gas_price = int((await rpc("eth_gasPrice"))["result"], 16)
    tx = {
        "to": offer["contract"],
        "value": int(offer["price_wei"]),
        "data": offer["purchase_data"],
        "gas": 200_000,
        "gasPrice": gas_price,
        "nonce": nonce,
        "chainId": w.chain.chain_id,
    }
    signed = Account.sign_transaction(tx, w.chain.demo.keys[w.address])
    sent = await rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex().removeprefix("0x"))
    message, signature = await w.sign_in("rare")
    response = await w.verify("rare", sent["result"], message, signature)
    assert response.status == 200, await response.text()
    page = await (await client.get("/api/payments/releases/rare/pay")).text()
    assert "/api/payments/rpc" in page and w.chain.demo.buyers[0] in page
