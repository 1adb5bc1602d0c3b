"""Deliveries as background jobs: kind `federation.deliver`, one job per (activity, inbox).

What was queued (outbox.py) becomes jobs of the shared engine (daemon/jobs.py): on SQLite the
daemon's own consumer sends them, on Redis any number of `tunecamp worker` processes do. The
handler (`Deliverer.handle`) signs each attempt when it is sent (draft-cavage rsa-sha256 over
(request-target) host date digest), so a retry carries a fresh Date and signature, and POSTs it
through the guarded outbound client. What an answer means:

- 2xx: done, never sent again;
- 410 Gone: the account(s) behind the inbox are gone: their follows are removed (`Fail`);
- 408, 429, 5xx, 401, a timeout or a refused connection: `Retry`, after the server's
  `Retry-After` when it sends one, else the engine's backoff (a minute, doubled, with jitter,
  at most 8 h), until two days have passed since the delivery was queued (`give_up_after`):
  then it is dead-lettered (the dashboard lists it, with a retry button);
- any other 4xx, a redirect, or an address the outbound client may not reach: `Fail` at once.

Per-host limit: at most `per_host` deliveries to one server at a time *in one process* (a
semaphore per host inside the handler); N workers send up to N × that to one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG, DB, OUTBOUND
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import outbox
from tunecamp.daemon.federation.outbox import KIND, Activity, Outbox
from tunecamp.daemon.federation.sending import (
    Gone,
    Send,
    SendError,
    Sign,
    follows_gone,
    outbound_sender,
    signing_keys,
)
from tunecamp.daemon.jobs import JOBS, KINDS, Counts, Fail, Job, Jobs, Kind, Policy, Retry, register

log = logging.getLogger("tunecamp.federation.delivery")
# 401 too, as Mastodon does: the remote may not have our new key yet (rotated, or a stale CDN copy)
RETRIED_4XX = frozenset({401, 408, 429})
PRUNE_EVERY = 3600.0
RETRY_AFTER_LIMIT = 8 * 3600.0  # a server's Retry-After is honoured up to this
HAND_OVER_EVERY = 5.0  # how soon what another process wrote to the outbox is queued
# (activity id) -> (signing username, body), or None once pruned
Load = Callable[[str], Awaitable[tuple[str, bytes] | None]]


@dataclass(frozen=True)
class DeliverySettings:
    concurrency: int = 32  # deliveries in flight at once in one process (the kind's concurrency)
    per_host: int = 4  # of which to one server
    base_delay: float = 60.0  # the first retry comes within a minute, then 2, 4, 8... (with jitter)
    max_delay: float = 8 * 3600.0
    give_up_after: float = 2 * 86400.0  # then dead-lettered
    heartbeat: float = 30.0  # a process killed mid-send: its deliveries go again once this lapses

    @classmethod
    def from_config(cls, config: DaemonConfig) -> DeliverySettings:
        return cls(
            concurrency=config.delivery_concurrency,
            per_host=config.delivery_per_host,
            heartbeat=config.delivery_heartbeat,
        )

    def policy(self) -> Policy:
        # retries: enough that the two days, not a count, decide when a delivery is given up
        return Policy(
            retries=1000,
            backoff=self.base_delay,
            max_delay=self.max_delay,
            give_up_after=self.give_up_after,
            timeout=300.0,
            heartbeat=self.heartbeat,
        )


@dataclass
class Stats:
    """What this process sent (on Redis the web process sends nothing: the workers do)."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    gone: int = 0
    in_flight: int = 0
    last_error: str | None = None
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


def outcome(error: SendError, now: float, longest: float = RETRY_AFTER_LIMIT) -> Retry | Fail:
    """What a failed attempt means for the job: try again (when the server said, at most
    `longest` from now: a server cannot park a delivery for weeks) or give up."""
    if error.permanent:
        return Fail(error.reason)
    if error.status is not None and 400 <= error.status < 500 and error.status not in RETRIED_4XX:
        return Fail(error.reason)
    asked = retry_after(error.headers, now)
    return Retry(error.reason, delay=None if asked is None else min(asked, longest))


def host_of(inbox: str) -> str:
    """The host:port a delivery goes to, for the per-host limit."""
    return (urlsplit(inbox).netloc or "").lower()


class Deliverer:
    """The handler of `federation.deliver`, with this process's per-host limits and stats."""

    def __init__(self, load: Load, send: Send, sign: Sign, gone: Gone, settings: DeliverySettings) -> None:
        self.load = load
        self.send = send
        self.sign = sign
        self.gone = gone
        self.settings = settings
        self.stats = Stats()
        self._hosts: dict[str, asyncio.Semaphore] = {}
        # a fan-out's jobs all read one activity: its body once per process, not once per inbox
        self._bodies: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    async def handle(self, job: Job) -> None:
        activity_id, inbox = str(job.payload.get("activity", "")), str(job.payload.get("inbox", ""))
        if not activity_id or not inbox:
            raise Fail(f"the job {job.key!r} names no activity or no inbox")
        found = await self._activity(activity_id)
        if found is None:
            raise Fail(f"{activity_id}: no longer kept (activities are kept {outbox.KEEP // 86400} days)")
        actor, body = found
        host = self._hosts.setdefault(host_of(inbox), asyncio.Semaphore(self.settings.per_host))
        async with host:
            self.stats.in_flight += 1
            try:
                headers = await self.sign(actor, inbox, body)
                status = await self.send(inbox, body, headers)
            except SendError as error:
                raise await self._failed(job, activity_id, inbox, error) from None
            finally:
                self.stats.in_flight -= 1
        self.stats.sent += 1
        self._note(activity_id, inbox, status, None)

    async def _activity(self, activity_id: str) -> tuple[str, bytes] | None:
        found = self._bodies.get(activity_id)
        if found is None:
            found = await self.load(activity_id)
            if found is None:
                return None
            self._bodies[activity_id] = found
            if len(self._bodies) > 64:
                self._bodies.popitem(last=False)
        return found

    async def _failed(self, job: Job, activity_id: str, inbox: str, error: SendError) -> Retry | Fail:
        self.stats.failed += 1
        self.stats.last_error = f"{inbox}: {error.reason}"
        self._note(activity_id, inbox, error.status, error.reason)
        if error.status == 410:
            removed = await self.gone(inbox)
            self.stats.gone += 1
            log.info("%s is gone: %d follow(s) removed", inbox, removed)
            return Fail(f"410 Gone: {removed} follow(s) through this inbox removed")
        result = outcome(error, time.time())
        if isinstance(result, Fail):
            self.stats.dead += 1
            log.warning("delivery of %s to %s dead-lettered: %s", activity_id, inbox, error.reason)
        else:
            log.info("delivery to %s failed (%s, attempt %d)", inbox, error.reason, job.attempts + 1)
        return result

    def _note(self, activity_id: str, inbox: str, status: int | None, error: str | None) -> None:
        self.stats.recent.insert(
            0, {"at": time.time(), "inbox": inbox, "activity": activity_id, "status": status, "error": error}
        )
        del self.stats.recent[20:]


WORKER = web.AppKey("federation_delivery", Deliverer)
OUTBOX = web.AppKey("federation_outbox", Outbox)
SETTINGS = web.AppKey("federation_delivery_settings", DeliverySettings)  # set before setup to override


def loader(db: Db) -> Load:
    async def load(activity_id: str) -> tuple[str, bytes] | None:
        return await db.run(lambda d: outbox.activity(d, activity_id))

    return load


def deliverer(app: web.Application) -> Callable[[str, dict[str, Any], list[str]], Awaitable[None]]:
    """`(username, activity, inboxes)`: queue an activity signed by that local actor (an Accept,
    a Reject...); what the inbox's service is handed as its `deliver`."""

    async def deliver(username: str, activity: dict[str, Any], inboxes: list[str]) -> None:
        item = Activity(str(activity["id"]), username, activity)

        def write(db: Any) -> int:
            with db.conn:
                return outbox.add(db, item, inboxes)

        box = app.get(OUTBOX)  # absent without a jobs engine: the row waits for a daemon that has one
        if await app[DB].run(write) and box is not None:
            await box.hand_over()

    return deliver


async def _upkeep(box: Outbox) -> None:
    """What another process wrote (a command, a crash before its hand-over) reaches the engine
    within HAND_OVER_EVERY; delivered activities past outbox.KEEP are forgotten hourly."""
    pruned = time.monotonic()
    while True:
        await asyncio.sleep(HAND_OVER_EVERY)
        try:
            if added := await box.hand_over():
                log.info("%d deliveries written by another process handed to the jobs engine", added)
            if time.monotonic() - pruned > PRUNE_EVERY:
                pruned = time.monotonic()
                if gone := await box.db.run(outbox.prune):
                    log.info(
                        "%d delivered activities older than %d days forgotten", gone, outbox.KEEP // 86400
                    )
        except Exception:  # the database or Redis is away for a moment: the next round tries again
            log.exception("handing deliveries to the jobs engine failed")


async def delivery_ctx(app: web.Application) -> AsyncIterator[None]:
    """The handler's parts; at start, what an earlier run wrote but did not hand over (and the old queue)."""
    db = app[DB]
    app[WORKER] = Deliverer(
        loader(db), outbound_sender(app[OUTBOUND]), signing_keys(db), follows_gone(db), app[SETTINGS]
    )
    jobs = app.get(JOBS)
    if db.error is not None or jobs is None:  # no database, no deliveries: /health says why
        yield
        return
    box = app[OUTBOX] = Outbox(db, jobs)
    await box.adopt_old_queue()
    if added := await box.hand_over():
        log.info("%d deliveries written before the last stop handed to the jobs engine", added)
    upkeep = asyncio.create_task(_upkeep(box))
    yield
    upkeep.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await upkeep


def setup(app: web.Application) -> None:
    settings = app.setdefault(SETTINGS, DeliverySettings.from_config(app[CONFIG]))

    async def handle(job: Job) -> None:  # the deliverer is made when the app starts (delivery_ctx)
        await app[WORKER].handle(job)

    register(app, Kind(KIND, handle, settings.policy(), concurrency=settings.concurrency))
    app.cleanup_ctx.append(delivery_ctx)


def configure(app: web.Application, settings: DeliverySettings) -> None:
    """Other delivery settings, after setup and before the app starts (tests, the benchmark)."""
    app[SETTINGS] = settings
    kind = app[KINDS][KIND]
    app[KINDS][KIND] = replace(kind, policy=settings.policy(), concurrency=settings.concurrency)


async def drained(jobs: Jobs, timeout: float, poll: float = 0.02) -> Counts:
    """Wait until no delivery waits or runs (tests, the benchmarks); the engine's counts then."""
    deadline = time.monotonic() + timeout
    while True:
        counts = (await jobs.counts()).get(KIND, Counts(0, 0, 0, 0, 0))
        if counts.queued == counts.running == counts.retrying == 0:
            return counts
        if time.monotonic() > deadline:
            raise TimeoutError(f"deliveries still waiting or running: {counts}")
        await asyncio.sleep(poll)
