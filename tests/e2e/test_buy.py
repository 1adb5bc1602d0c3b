"""Buying a release from its page in headless Chromium, with an injected EIP-1193 wallet.

The wallet is announced through EIP-6963 and backed by the daemon's embedded chain (eth-tester):
the page finds it, sends the purchase, has the sign-in message signed, waits for the daemon's
verification and shows the download links, which download the protected file.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from chromium import launch_options
from eth_account import Account
from eth_account.messages import encode_defunct
from playwright.sync_api import expect, sync_playwright
from subsonic_fixtures import index_catalog, serve

from tests.daemon.unlock.shop import CATALOG, SECRET, build_shop
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import connect
from tunecamp.daemon.payments.chain import Chain
from tunecamp.daemon.payments.releases import refresh_prices
from tunecamp.daemon.payments.state import PAYMENTS
from tunecamp.generator.build import build
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow

PROVIDER = """
(() => {
  const provider = {
    isTuneCampTest: true,
    request: ({ method, params }) => window.__wallet(method, params || []).then((answer) => {
      const data = JSON.parse(answer);
      if (data.error) throw new Error(data.error);
      return data.result;
    }),
    on() {}, removeListener() {},
  };
  const info = { uuid: "5d4c6e0e-0000-4000-8000-000000000001", name: "Test Wallet", icon: "data:,", rdns: "org.tunecamp.test" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


@dataclass
class Running:
    url: str
    config: DaemonConfig
    chain: Chain
    loop: asyncio.AbstractEventLoop


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("buy")
    shop = build_shop(root / "first")  # content and audio; rebuilt below once the daemon's address is known
    content = shop.config.content_dir
    with socket.socket() as probe:  # the links the daemon hands out name its own address
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = DaemonConfig(
        content_dir=content, data_dir=root / "data", public_dir=root / "public", jwt_secret=SECRET,
        bcrypt_rounds=4, build_on_start=False, build_transcode=False, watch=False, port=port,
    )  # fmt: skip
    config.public_dir.mkdir(parents=True)
    with serve(config, port) as (url, app, loop):
        assert url == config.url
        catalog_yaml = CATALOG["catalog.yaml"].replace("http://127.0.0.1:8000", url)
        (content / "catalog.yaml").write_text(catalog_yaml)
        report = build(content, config.public_dir, BuildOptions(jobs=2, data_dir=config.data_dir))
        assert report.ok, report.problems.errors
        index_catalog(config)
        db = connect(config.database_path)
        try:
            refresh_prices(db, scan(content)[0])
        finally:
            db.close()
        chain = asyncio.run_coroutine_threadsafe(app[PAYMENTS].chain(app), loop).result(60)
        yield Running(url, config, chain, loop)


def wallet(d: Running, buyer: str) -> Any:
    """The injected provider's backend: answers EIP-1193 requests from the embedded chain."""
    assert d.chain.demo is not None
    key = d.chain.demo.keys[buyer]
    w3 = d.chain.w3
    asked: list[str] = []

    def on_chain(fn: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(d.chain.run(fn), d.loop).result(60)

    def answer(method: str, params: list[Any]) -> str:
        asked.append(method)
        try:
            if method in ("eth_requestAccounts", "eth_accounts"):
                result: Any = [buyer]
            elif method == "eth_chainId":
                result = hex(d.chain.chain_id)
            elif method == "eth_sendTransaction":
                tx = params[0]
                assert tx["from"].lower() == buyer.lower()
                sent = {
                    "from": buyer,
                    "to": w3.to_checksum_address(tx["to"]),
                    "value": int(tx["value"], 16),
                    "data": tx["data"],
                }
                result = on_chain(lambda: w3.eth.send_transaction(sent)).to_0x_hex()  # type: ignore[arg-type]
            elif method == "personal_sign":
                text = bytes.fromhex(params[0].removeprefix("0x")).decode()
                assert params[1].lower() == buyer.lower()
                result = "0x" + Account.sign_message(
                    encode_defunct(text=text), private_key=key
                ).signature.hex().removeprefix("0x")
            else:
                return json.dumps({"error": f"unsupported method {method}"})
            return json.dumps({"result": result})
        except Exception as exc:  # the page shows a wallet's refusal; so does this one
            return json.dumps({"error": str(exc)})

    answer.asked = asked  # type: ignore[attr-defined]
    return answer


def test_a_listener_buys_a_release_from_its_page_and_downloads_it(daemon: Running) -> None:
    assert daemon.chain.demo is not None
    buyer = daemon.chain.demo.buyers[0]
    before = daemon.chain.w3.eth.get_balance(daemon.chain.contract.address)
    backend = wallet(daemon, buyer)
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        try:
            page = browser.new_page()
            page.expose_function("__wallet", backend)
            page.add_init_script(PROVIDER)
            page.goto(f"{daemon.url}/releases/sold/")
            expect(page.locator("[data-buy]")).to_be_visible()
            page.locator("[data-buy]").click()
            expect(page.locator("[data-receipt]")).to_be_visible(timeout=30_000)
            links = page.locator("[data-buy-result] a[download]")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            status = page.locator("[data-buy-status]").inner_text()
        finally:
            browser.close()
    assert "Thank you" in status
    assert backend.asked[:2] == ["eth_requestAccounts", "eth_chainId"] and "personal_sign" in backend.asked
    assert daemon.chain.w3.eth.get_balance(daemon.chain.contract.address) - before == 5 * 10**15
    private = daemon.config.data_dir / "private" / "downloads"
    zip_url = next(h for h in hrefs if h and h.split("?")[0].endswith(".zip"))
    got = httpx.get(zip_url, timeout=30)
    assert got.status_code == 200 and got.content == (private / "sold/sold-mp3-v0.zip").read_bytes()
    assert httpx.get(zip_url.split("?")[0], timeout=30).status_code == 401  # not without the grant


def test_without_a_wallet_the_page_says_so_and_links_the_manual_way(daemon: Running) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        try:
            page = browser.new_page()
            page.goto(f"{daemon.url}/releases/sold/")
            page.locator("[data-buy]").click()
            expect(page.locator("[data-buy-status]")).to_contain_text("No browser wallet")
            page.locator("a", has_text="the contract address and the steps").click()
            expect(page.locator("body")).to_contain_text(daemon.chain.contract.address)
        finally:
            browser.close()
