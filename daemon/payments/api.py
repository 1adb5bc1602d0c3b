"""The payment routes: what a release costs, the sign-in message, verifying a purchase, receipts.

GET  /api/payments/releases/{slug}       the contract, chain, release ID and prices (JSON)
GET  /api/payments/releases/{slug}/pay   the same as a page: how to pay from any wallet, no JS
POST /api/payments/nonce                 {address, release} -> {message} to sign (EIP-4361)
POST /api/payments/verify                {release, tx_hash, message, signature} -> grant,
                                         downloads and a receipt; 202 while unconfirmed
POST /api/payments/redownload            {receipt} -> a fresh grant and downloads
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlite_utils import Database
from web3 import Web3

from tunecamp.daemon import entitlements
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.errors import http_error, text_field
from tunecamp.daemon.grants import GRANTS
from tunecamp.daemon.html import render
from tunecamp.daemon.payments import signin
from tunecamp.daemon.payments.chain import NO_TOKEN, Chain, list_on_demo_chain, release_id
from tunecamp.daemon.payments.receipts import InvalidReceipt
from tunecamp.daemon.payments.releases import demo_artist, paid_release
from tunecamp.daemon.payments.state import PAYMENTS, RECEIPTS
from tunecamp.daemon.payments.verify import NotAPurchase, Purchase, verify_purchase
from tunecamp.daemon.protected import is_slug, links
from tunecamp.daemon.ratelimit import client_address, too_many
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.users import current_user


async def _release(request: web.Request, slug: str) -> tuple[dict[str, Any], Chain]:
    if not is_slug(slug):
        raise http_error(400, "release: the slug of a release is required")
    row = await request.app[DB].run(lambda db: paid_release(db, slug))
    if row is None:
        raise http_error(404, f"no release {slug!r} for sale here")
    chain = await request.app[PAYMENTS].chain(request.app)
    if chain.demo is not None:  # the demo chain lists every paid release at its demo price
        index = await request.app[DB].run(lambda db: demo_artist(db, slug))
        price = Decimal(row["price"]) if row["price"] else None
        await chain.run(lambda: list_on_demo_chain(chain, slug, index, price))
    return row, chain


async def _offer(request: web.Request, slug: str) -> dict[str, Any]:
    row, chain = await _release(request, slug)
    price_wei, token_price, artist = await chain.run(lambda: chain.prices(slug))
    return {
        "release": slug,
        "title": row["title"],
        "release_id": "0x" + release_id(slug).hex(),
        # the calldata of purchase(release_id), so a page needs no ABI encoder
        "purchase_data": chain.contract.encode_abi("purchase", args=[release_id(slug)]),
        "chain_id": chain.chain_id,
        "contract": chain.contract.address,
        "artist": None if artist == NO_TOKEN else artist,
        "price_wei": str(price_wei),
        "token": None if chain.token == NO_TOKEN else chain.token,
        "token_price": str(token_price),
        "confirmations": request.app[CONFIG].web3_confirmations,
        "demo": chain.demo is not None,
    }


def _demo(request: web.Request, chain: Chain) -> dict[str, Any] | None:
    """What a listener needs to pay on the demo chain from a browser wallet (well-known test keys)."""
    if chain.demo is None:
        return None
    accounts = [{"address": a, "key": "0x" + chain.demo.keys[a].hex()} for a in chain.demo.buyers[:3]]
    return {"rpc_url": f"{request.app[CONFIG].url}/api/payments/rpc", "accounts": accounts}


@requires(PUBLIC)
async def offer(request: web.Request) -> web.Response:
    return web.json_response(await _offer(request, request.match_info["slug"]))


@requires(PUBLIC)
async def pay_page(request: web.Request) -> web.Response:
    offer = await _offer(request, request.match_info["slug"])
    chain = await request.app[PAYMENTS].chain(request.app)
    return render(request, "payments/pay.html", offer=offer, demo=_demo(request, chain))


def _daemon(request: web.Request, chain: Chain) -> signin.Daemon:
    return signin.Daemon(request.app[CONFIG].url, chain.chain_id)


async def _limit(request: web.Request) -> None:
    address = client_address(request, request.app[CONFIG].trust_proxy_hops)
    wait = await request.app[PAYMENTS].limiter.hit(address)
    if wait > 0:
        raise too_many(wait)


@requires(PUBLIC)
async def nonce(request: web.Request) -> web.Response:
    await _limit(request)
    data = await read_json(request)
    address, release = text_field(data, "address", max_length=64), text_field(data, "release", max_length=120)
    _, chain = await _release(request, release)
    daemon = _daemon(request, chain)
    try:
        message = await request.app[DB].run(lambda db: signin.issue(db, daemon, address, release))
    except signin.SignInError as exc:
        raise http_error(400, str(exc)) from None
    return web.json_response({"message": message}, headers={"Cache-Control": "no-store"})


def _record(db: Database, purchase: Purchase, used_nonce: str, user_id: int | None) -> None:
    """Record the purchase and spend the nonce together: 409 if either was used before."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with db.atomic():
            db.execute(
                "INSERT INTO payments_purchases (tx_hash, release_slug, buyer, amount, token, block_number, user_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    purchase.tx_hash.lower(),
                    purchase.release,
                    purchase.buyer,
                    str(purchase.amount),
                    purchase.token,
                    purchase.block_number,
                    user_id,
                    now,
                ],
            )
            if not signin.spend(db, used_nonce):
                raise sqlite3.IntegrityError("nonce spent")
    except sqlite3.IntegrityError:
        raise http_error(409, "this purchase or this signed message was used already") from None
    if user_id is not None:
        entitlements.record(db, user_id, purchase.release, "purchase", purchase.tx_hash.lower())


def _granted(request: web.Request, release: str, tx_hash: str, user_id: int | None) -> dict[str, Any]:
    config = request.app[CONFIG]
    token, grant = request.app[GRANTS].new(release, config.grant_ttl, "purchase", tx_hash, user_id)
    expires = dt.datetime.fromtimestamp(grant.expires, dt.UTC).isoformat(timespec="seconds")
    return {"grant": token, "expires_at": expires, "downloads": links(config, release, token)}


@requires(PUBLIC)
async def verify(request: web.Request) -> web.Response:
    await _limit(request)
    data = await read_json(request)
    release = text_field(data, "release", max_length=120)
    tx_hash = text_field(data, "tx_hash", max_length=80)
    message, signature = (
        text_field(data, "message", max_length=4000),
        text_field(data, "signature", max_length=300),
    )
    _, chain = await _release(request, release)
    daemon = _daemon(request, chain)
    try:
        buyer, used = await request.app[DB].run(
            lambda db: signin.check(db, daemon, message, signature, release)
        )
    except signin.SignInError as exc:
        raise http_error(403, str(exc)) from None
    confirmations = request.app[CONFIG].web3_confirmations
    try:
        purchase = await chain.run(lambda: verify_purchase(chain, tx_hash, release, buyer, confirmations))
    except NotAPurchase as exc:
        if exc.pending:
            return web.json_response(
                {"pending": True, "reason": str(exc)}, status=202, headers={"Retry-After": "5"}
            )
        raise http_error(403, str(exc)) from None
    user = current_user(request)
    user_id = user.id if user else None
    await request.app[DB].run(lambda db: _record(db, purchase, used, user_id))
    paid_with = purchase.tx_hash.lower()
    body = _granted(request, release, paid_with, user_id)
    body["receipt"] = request.app[RECEIPTS].sign(release, buyer, paid_with, chain.chain_id)
    body["purchase"] = {
        "tx_hash": paid_with,
        "buyer": buyer,
        "amount": str(purchase.amount),
        "token": None if purchase.token == NO_TOKEN else purchase.token,
        "block": purchase.block_number,
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


@requires(PUBLIC)
async def redownload(request: web.Request) -> web.Response:
    await _limit(request)
    data = await read_json(request)
    try:
        receipt = request.app[RECEIPTS].verify(text_field(data, "receipt", max_length=4096))
    except InvalidReceipt as exc:
        raise http_error(403, str(exc)) from None
    row = await request.app[DB].run(
        lambda db: db.execute(
            "SELECT release_slug, buyer FROM payments_purchases WHERE tx_hash = ?", [receipt.tx_hash]
        ).fetchone()
    )
    if row is None or (row[0], row[1]) != (receipt.release, receipt.buyer):
        raise http_error(403, "no such purchase here")
    user = current_user(request)
    return web.json_response(_granted(request, receipt.release, receipt.tx_hash, user.id if user else None))


RPC_PREFIXES = ("eth_", "net_", "web3_")


@requires(PUBLIC)
async def demo_rpc(request: web.Request) -> web.Response:
    """The embedded demo chain over JSON-RPC, so a browser wallet can pay on it (demo only).

    Only `eth_`, `net_` and `web3_` methods: the test chain's own controls (mining, snapshots,
    unlocking accounts) stay out of reach.
    """
    chain = await request.app[PAYMENTS].chain(request.app)
    if chain.demo is None:
        raise http_error(404, "no demo chain here: the daemon verifies payments on a real chain")
    call = await read_json(request)
    method, params, ident = call.get("method"), call.get("params", []), call.get("id")
    if not isinstance(method, str) or not method.startswith(RPC_PREFIXES) or not isinstance(params, list):
        error = {"code": -32601, "message": "method not available on the demo chain"}
        return web.json_response({"jsonrpc": "2.0", "id": ident, "error": error})
    answer = await chain.run(lambda: chain.w3.provider.make_request(method, params))  # type: ignore[arg-type]
    return web.json_response({**_wire(dict(answer)), "id": ident, "jsonrpc": "2.0"})


def _wire(value: Any) -> Any:
    """eth-tester's answer as JSON-RPC spells it: quantities and bytes as 0x-hex."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return json.loads(Web3.to_json(value))


CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


@requires(PUBLIC)
async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=CORS)


async def _cors(request: web.Request, response: web.StreamResponse) -> None:
    # the release pages may live on another origin (a CDN) than the daemon; nothing here reads
    # cookies, so any origin may call it (credentials are never allowed)
    if request.path.startswith("/api/payments/"):
        response.headers.update({"Access-Control-Allow-Origin": "*"})


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(_cors)
    r = app.router
    r.add_route("OPTIONS", "/api/payments/{tail:.*}", preflight)
    r.add_get("/api/payments/releases/{slug}", offer)
    r.add_get("/api/payments/releases/{slug}/pay", pay_page)
    r.add_post("/api/payments/nonce", nonce)
    r.add_post("/api/payments/verify", verify)
    r.add_post("/api/payments/redownload", redownload)
    r.add_post("/api/payments/rpc", demo_rpc)
