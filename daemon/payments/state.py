"""The payments feature's state: the chain (started at first use), the receipt signer, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, SECRET
from tunecamp.daemon.config import Rate
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.payments.chain import Chain, ChainError, connect
from tunecamp.daemon.payments.receipts import ReceiptSigner
from tunecamp.daemon.ratelimit import Limiter, RateLimiter
from tunecamp.daemon.shared_limits import limit_source

RATE = Rate(30, 300)  # nonces, verifications, sign-ins per address: each may start a chain call


@dataclass
class Payments:
    config_url: str
    _chain: Chain | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    limiter: Limiter = field(default_factory=lambda: RateLimiter(RATE))

    async def chain(self, app: web.Application) -> Chain:
        """The chain, connected (or the demo chain started) on first use; 503 when unusable."""
        async with self._lock:
            if self._chain is None:
                try:
                    self._chain = await asyncio.to_thread(connect, app[CONFIG])
                except ChainError as exc:
                    raise http_error(503, f"payments are unavailable: {exc}") from None
            return self._chain

    def close(self) -> None:
        if self._chain is not None:
            self._chain.close()


PAYMENTS = web.AppKey("payments", Payments)
RECEIPTS = web.AppKey("receipts", ReceiptSigner)


async def payments_ctx(app: web.Application) -> AsyncIterator[None]:
    app[PAYMENTS] = Payments(app[CONFIG].url, limiter=limit_source(app).bucket("payments", RATE))
    app[RECEIPTS] = ReceiptSigner(app[SECRET].value)
    yield
    app[PAYMENTS].close()
