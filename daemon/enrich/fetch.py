"""Every enrichment request: through the guarded outbound client, cached, polite, counted.

- answers (200, and 404 meaning "no match") are kept in enrich_cache for the TTL; `refresh`
  asks again; images are never cached (they are large and fetched once, when applied);
- 429 and 503 are retried after their Retry-After (seconds or an HTTP date), at most
  `RETRIES` times and never longer than `MAX_WAIT` seconds; a timeout or a refused connection
  is retried once after a short pause; anything else fails this provider only (`ProviderError`);
- the requests are never signed (the outbound client's signer is the fediverse's business) and
  carry the instance's descriptive User-Agent, as MusicBrainz requires.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.db import Db
from tunecamp.daemon.enrich.pacer import Pace
from tunecamp.daemon.outbound import Outbound, OutboundError

RETRIES = 2
MAX_WAIT = 30.0  # a longer Retry-After is reported, not waited for
TRANSIENT_PAUSE = 0.5


class ProviderError(Exception):
    """A provider that could not answer this time: the reason names it.

    `retry_after`: the provider rate-limited us and asked for that many seconds (a look-up job
    is tried again then, rather than recording a diff without it).
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


# A JSON answer of the wrong shape (a string where an object was documented...) raises these in the
# providers' reading; it fails that provider like a malformed body, never the run.
SHAPE_ERRORS = (TypeError, AttributeError, ValueError, KeyError, IndexError)


@dataclass
class Counters:
    """What one run asked: shown in the summary and kept in enrich_runs."""

    requests: int = 0
    cached: int = 0
    answered: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    rate_limited: dict[str, float] = field(default_factory=dict)  # provider: the Retry-After it sent

    def fail(self, provider: str, reason: str, retry_after: float | None = None) -> None:
        line = f"{provider}: {reason}"
        if line not in self.failures:
            self.failures.append(line)
        if retry_after is not None:
            self.rate_limited[provider] = max(retry_after, self.rate_limited.get(provider, 0.0))


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait, from a Retry-After of seconds or of an HTTP date; None when absent or unreadable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Fetcher:
    def __init__(
        self,
        outbound: Outbound,
        db: Db,
        *,
        ttl: float,
        refresh: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbound = outbound
        self.db = db
        self.ttl = ttl
        self.refresh = refresh
        self.clock = clock
        self.counters = Counters()
        self.images: dict[str, bytes] = {}  # downloaded this run, by URL: applied without a second download

    async def json(
        self,
        provider: str,
        url: str,
        *,
        pacer: Pace | None = None,
        headers: Mapping[str, str] | None = None,
        key_extra: str = "",
    ) -> Any | None:
        """The JSON answer at `url`, or None when the provider says there is no such thing (404)."""
        key = f"{url}{key_extra}"
        if not self.refresh and self.ttl > 0:
            hit = await self.db.run(lambda d: _cached(d, key, self.clock() - self.ttl))
            if hit is not None:
                self.counters.cached += 1
                self.counters.answered.add(provider)
                status, body = hit
                return None if status == 404 else _parse(provider, url, body)
        status, body = await self._get(provider, url, "application/json", pacer, headers, None)
        data = None if status == 404 else _parse(provider, url, body)
        self.counters.answered.add(provider)
        if self.ttl > 0:
            now = self.clock()
            await self.db.run(lambda d: _store(d, key, provider, status, body, now))
        return data

    async def image(self, provider: str, url: str, max_bytes: int) -> bytes | None:
        """The image at `url` (after its redirects), checked to be a JPEG, PNG or WebP; None on 404."""
        if url in self.images:
            return self.images[url]
        status, body = await self._get(provider, url, "image/*", None, None, max_bytes)
        if status == 404:
            return None
        if image_type(body) is None:
            raise ProviderError(f"{url.split('?')[0]} is not a JPEG, PNG or WebP image")
        self.counters.answered.add(provider)
        self.images[url] = body
        return body

    async def _get(
        self,
        provider: str,
        url: str,
        accept: str,
        pacer: Pace | None,
        headers: Mapping[str, str] | None,
        max_bytes: int | None,
    ) -> tuple[int, bytes]:
        transient_left = 1
        for attempt in range(RETRIES + 1):
            if pacer is not None:
                await pacer.wait()
            self.counters.requests += 1
            try:
                answer = await self.outbound.get(
                    url, headers=headers, accept=accept, sign=False, max_bytes=max_bytes
                )
                return answer.status, answer.body
            except OutboundError as exc:
                if exc.status == 404:
                    return 404, b""
                if exc.status in (429, 503):
                    wait = retry_after(exc.headers, self.clock())
                    wait = 1.0 if wait is None else wait
                    if attempt == RETRIES or wait > MAX_WAIT:
                        raise ProviderError(
                            f"rate-limited (HTTP {exc.status}); try again later", retry_after=wait
                        ) from None
                    await asyncio.sleep(wait)
                    continue
                if exc.status is None and transient_left and _transient(exc.reason):
                    transient_left -= 1
                    await asyncio.sleep(TRANSIENT_PAUSE)
                    continue
                raise ProviderError(exc.reason) from None
        raise ProviderError("no answer")  # pragma: no cover - the loop returns or raises


def image_type(data: bytes) -> str | None:
    """The file extension an image's bytes call for, or None when they are no image we keep."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _transient(reason: str) -> bool:
    return reason.startswith(("timed out", "cannot connect", "ServerDisconnected", "ClientPayloadError"))


def _parse(provider: str, url: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError(f"malformed JSON from {url.split('?')[0]}") from None


def _cached(db: Database, key: str, since: float) -> tuple[int, bytes] | None:
    row = db.execute(
        "SELECT status, body FROM enrich_cache WHERE key = ? AND fetched_at >= ?", [key, since]
    ).fetchone()
    return (int(row[0]), bytes(row[1])) if row else None


def _store(db: Database, key: str, provider: str, status: int, body: bytes, now: float) -> None:
    db["enrich_cache"].upsert(  # type: ignore[union-attr]
        {"key": key, "provider": provider, "status": status, "body": body, "fetched_at": now}, pk="key"
    )
