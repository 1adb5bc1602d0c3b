"""The delivery worker: takes due deliveries from the queue and POSTs them, signed, to inboxes.

One background task (started in the feature's cleanup context) keeps up to `concurrency`
deliveries in flight, at most `per_host` to one server. Each attempt is signed when it is sent
(draft-cavage rsa-sha256 over (request-target) host date digest), so a retry carries a fresh
Date and signature. What an answer means:

- 2xx: acknowledged, never sent again;
- 410 Gone: the account(s) behind the inbox are gone; their follows are removed (no retry);
- 408, 429, 5xx, a timeout or a refused connection: retried with exponential backoff and full
  jitter (`Retry-After` wins when the server sends one), until two days have passed since the
  delivery was queued: then it is dead-lettered (the dashboard shows it, with a retry button);
- any other 4xx, or an address the outbound client may not reach: dead-lettered at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, DB, OUTBOUND
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.federation.queue import Activity, Delivery, DeliveryQueue, SqliteQueue
from tunecamp.daemon.federation.sending import (
    Gone,
    Send,
    SendError,
    Sign,
    follows_gone,
    outbound_sender,
    signing_keys,
)

log = logging.getLogger("tunecamp.federation.delivery")
# 401 too, as Mastodon does: the remote may not have our new key yet (rotated, or a stale CDN copy)
RETRIED_4XX = frozenset({401, 408, 429})


@dataclass(frozen=True)
class DeliverySettings:
    concurrency: int = 32  # deliveries in flight at once
    per_host: int = 4  # of which to one server
    lease: float = 600.0  # how long a claim holds a delivery (a killed daemon's claims free up after it)
    base_delay: float = 60.0  # the first retry comes within a minute, then 2, 4, 8... (with jitter)
    max_delay: float = 8 * 3600.0
    give_up_after: float = 2 * 86400.0  # then dead-lettered
    idle_poll: float = 30.0  # the longest nap when nothing is due (enqueue wakes the worker at once)
    prune_every: float = 3600.0  # acknowledged rows older than queue.KEEP_DONE are forgotten this often

    @classmethod
    def from_config(cls, config: DaemonConfig) -> DeliverySettings:
        return cls(
            concurrency=config.delivery_concurrency,
            per_host=config.delivery_per_host,
            lease=config.delivery_lease,
        )


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    gone: int = 0
    in_flight: int = 0
    last_error: str | None = None
    last_run: float | None = None
    recent: list[dict[str, Any]] = field(default_factory=list)  # the last few outcomes, for the dashboard


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or an HTTP date), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - now)
    return None


def next_attempt(
    delivery: Delivery, error: SendError, settings: DeliverySettings, now: float
) -> float | None:
    """When to try again, or None to dead-letter."""
    if error.permanent:
        return None
    if error.status is not None and 400 <= error.status < 500 and error.status not in RETRIED_4XX:
        return None
    asked = retry_after(error.headers, now)
    if asked is not None:
        delay = asked
    else:
        ceiling = min(settings.max_delay, settings.base_delay * 2**delivery.attempts)
        delay = random.uniform(ceiling / 2, ceiling)  # "equal jitter": never at once, never in lockstep
    at = now + delay
    return None if at > delivery.created_at + settings.give_up_after else at


class DeliveryWorker:
    def __init__(
        self,
        queue: DeliveryQueue,
        send: Send,
        sign: Sign,
        gone: Gone,
        settings: DeliverySettings | None = None,
    ) -> None:
        self.queue = queue
        self.send = send
        self.sign = sign
        self.gone = gone
        self.settings = settings or DeliverySettings()
        self.stats = Stats()
        self._wake = asyncio.Event()
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sending: set[int] = set()  # ids of the deliveries in flight in this process

    def wake(self) -> None:
        """Something was enqueued (or a retry asked for): claim now rather than after the nap."""
        self._wake.set()

    async def run(self) -> None:
        s = self.settings
        pruned_at = float("-inf")
        while True:
            if time.monotonic() - pruned_at > s.prune_every:
                pruned_at = time.monotonic()
                with contextlib.suppress(Exception):  # a busy database: next hour
                    await self.queue.prune()
            free = s.concurrency - len(self._tasks)
            try:
                claimed = await self.queue.claim(free, s.lease) if free > 0 else []
                due = None if claimed else await self.queue.next_due()
            except Exception:  # the database is busy or going away: try again after a nap
                log.exception("the delivery queue could not be read")
                await asyncio.sleep(s.idle_poll)
                continue
            for delivery in claimed:
                if delivery.id in self._sending:  # its lease ran out while it is still being sent here
                    continue
                self._sending.add(delivery.id)
                task = asyncio.create_task(self._attempt(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._finished)
            if claimed:
                continue
            self.stats.last_run = time.time()
            nap = s.idle_poll if due is None else min(s.idle_poll, max(0.05, due - time.time()))
            # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancellation that arrives as the
            # wake-up does (the in-flight sends finishing at shutdown set it), and the stop hangs forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(nap):
                    await self._wake.wait()
            self._wake.clear()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every delivery is acknowledged or dead-lettered (tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._tasks and (await self.queue.counts()).pending == 0:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("deliveries still pending")

    async def _attempt(self, delivery: Delivery) -> None:
        host = self._hosts.setdefault(delivery.host, asyncio.Semaphore(self.settings.per_host))
        async with host:
            self.stats.in_flight += 1
            try:
                await self._deliver(delivery)
            except Exception:  # a bug must not kill the worker: the lease frees the row later
                log.exception("delivery %s to %s failed unexpectedly", delivery.activity_id, delivery.inbox)
            finally:
                self.stats.in_flight -= 1
                self._sending.discard(delivery.id)

    async def _deliver(self, delivery: Delivery) -> None:
        body = delivery.body.encode()
        try:
            headers = await self.sign(delivery.actor, delivery.inbox, body)
            status = await self.send(delivery.inbox, body, headers)
        except SendError as error:
            await self._failed(delivery, error)
            return
        await self.queue.ack(delivery)
        self.stats.sent += 1
        self._note(delivery, status, None)

    async def _failed(self, delivery: Delivery, error: SendError) -> None:
        now = time.time()
        if error.status == 410:
            removed = await self.gone(delivery.inbox)
            self.stats.gone += 1
            message = f"410 Gone: {removed} follow(s) through this inbox removed"
            await self.queue.fail(delivery, retry_at=None, error=message, status=410)
            log.info("%s is gone: %d follow(s) removed", delivery.inbox, removed)
            self._note(delivery, 410, message)
            return
        at = next_attempt(delivery, error, self.settings, now)
        await self.queue.fail(delivery, retry_at=at, error=error.reason, status=error.status)
        self.stats.failed += 1
        self.stats.last_error = f"{delivery.inbox}: {error.reason}"
        if at is None:
            self.stats.dead += 1
            log.warning(
                "delivery of %s to %s dead-lettered: %s", delivery.activity_id, delivery.inbox, error.reason
            )
        else:
            log.info(
                "delivery to %s failed (%s); next attempt in %.0f s", delivery.inbox, error.reason, at - now
            )
        self._note(delivery, error.status, error.reason)

    def _note(self, delivery: Delivery, status: int | None, error: str | None) -> None:
        self.stats.recent.insert(
            0,
            {
                "at": time.time(),
                "inbox": delivery.inbox,
                "activity": delivery.activity_id,
                "status": status,
                "error": error,
            },
        )
        del self.stats.recent[20:]


WORKER = web.AppKey("federation_delivery", DeliveryWorker)
SETTINGS = web.AppKey("federation_delivery_settings", DeliverySettings)  # set before start to override


def deliverer(app: web.Application) -> Callable[[str, dict[str, Any], list[str]], Awaitable[None]]:
    """`(username, activity, inboxes)`: queue an activity signed by that local actor (an Accept,
    a Reject...) and wake the worker; what the inbox's service is handed as its `deliver`."""

    async def deliver(username: str, activity: dict[str, Any], inboxes: list[str]) -> None:
        worker = app[WORKER]
        if await worker.queue.enqueue(Activity(str(activity["id"]), username, activity), inboxes):
            worker.wake()

    return deliver


async def delivery_ctx(app: web.Application) -> AsyncIterator[None]:
    """The queue and its worker, for as long as the daemon runs."""
    db = app[DB]
    settings = app.get(SETTINGS) or DeliverySettings.from_config(app[CONFIG])
    worker = DeliveryWorker(
        SqliteQueue(db), outbound_sender(app[OUTBOUND]), signing_keys(db), follows_gone(db), settings
    )
    app[WORKER] = worker
    if db.error is not None:  # no database, no queue: /health says why; the pages answer 503
        yield
        return
    async with running(worker):
        yield


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(delivery_ctx)


@contextlib.asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    """The worker's task for as long as the block lasts; in-flight sends are cancelled at the end
    (their claims stay leased, so they go again after a restart: the remote de-duplicates by id)."""
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        for t in list(worker._tasks):
            t.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.gather(*worker._tasks, return_exceptions=True)
