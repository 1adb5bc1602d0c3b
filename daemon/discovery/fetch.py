"""Every request of a crawl, through the guarded outbound client, within the crawl's bounds.

The outbound client refuses private addresses, re-checks redirects and cuts an answer past its
size; this adds what a crawl promises on top: at most `per_host` requests in flight to one
host (whatever the port: a peers list naming a thousand ports of one machine gets 4 at a time)
and `overall` in all, one deadline for the whole answer (a server that trickles a byte
a second is cut at `timeout`, not at the client's read timeout), JSON parsed or refused, and a
count of the requests made.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.outbound import Outbound, OutboundError, Response

ACCEPT = "application/json"


class FetchError(Exception):
    """A document that could not be read; `status` is the HTTP status when there was an answer."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status = url, reason, status


class Fetcher:
    def __init__(self, outbound: Outbound, limits: Limits) -> None:
        self.outbound = outbound
        self.limits = limits
        self.requests = 0
        self._all = asyncio.Semaphore(limits.overall)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def get(self, url: str, max_bytes: int, headers: Mapping[str, str] | None = None) -> Response:
        host = (urlsplit(url).hostname or "").lower()  # every port of a host is that host's share
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.limits.per_host))
        async with per_host, self._all:  # the host's turn first: waiting on it holds no global slot
            self.requests += 1
            try:
                async with asyncio.timeout(self.limits.timeout):
                    return await self.outbound.get(
                        url, headers=headers, max_bytes=max_bytes, accept=ACCEPT, sign=False
                    )
            except TimeoutError:
                raise FetchError(url, f"no full answer within {self.limits.timeout:g} s") from None
            except OutboundError as exc:
                raise FetchError(exc.url, exc.reason, exc.status) from None

    async def json(self, url: str, max_bytes: int | None = None) -> Any:
        answer = await self.get(url, max_bytes or self.limits.json_bytes)
        return parse_json(answer)


def parse_json(answer: Response) -> Any:
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):
        raise FetchError(answer.url, "not valid JSON") from None
