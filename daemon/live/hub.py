"""Every running broadcast, the limits between them, and what happens when one starts and ends.

Start: one session per artist, at most `max_sessions` on the instance; a row in `live_sessions`;
the "live now" note to the artist's followers. End (the artist's button, the broadcaster gone
quiet for `idle_timeout`, `max_duration`, ffmpeg that cannot be kept running, the daemon
stopping): ffmpeg flushes and exits, the playlist gets ENDLIST, the note is updated, a kept
recording becomes a draft release; the files stay served for `linger` seconds, then the session's
folder is deleted and the artist is no longer live.

With Redis (`shared`, live/shared.py) the hub also publishes its sessions for the other processes:
the artist and the instance's limit are claimed there at the start, every segment and playlist
goes there, and the watch loop is the heartbeat that refreshes them, reads the listener count of
every process and learns what the others broadcast. Redis away: the broadcast goes on here, its
listeners on other processes miss it until Redis is back (logged once).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from redis.exceptions import RedisError
from sqlite_utils import Database

from tunecamp.daemon.appkeys import AnnounceNote, ArtistNote
from tunecamp.daemon.db import Db
from tunecamp.daemon.live.playlist import Segment
from tunecamp.daemon.live.recording import Recording, RecordingError, make_draft
from tunecamp.daemon.live.session import Broadcast, LiveSession
from tunecamp.daemon.live.settings import LiveSettings
from tunecamp.daemon.live.shared import TTL, SharedLive
from tunecamp.generator.media.ffmpeg import FFmpegNotFound, ffmpeg_path
from tunecamp.generator.site.i18n import N_

log = logging.getLogger("tunecamp.live")
T = TypeVar("T")
# Why a broadcast ended (live_sessions.end_reason, stored in English) as pages and errors say it;
# an encoder's failure is stored as ffmpeg said it and shown so
END_REASONS = {
    "the artist ended it": N_("the artist ended it"),
    "the broadcaster stopped sending": N_("the broadcaster stopped sending"),
    "the longest broadcast allowed": N_("the longest broadcast allowed"),
    "the daemon stopped": N_("the daemon stopped"),
    "the daemon restarted": N_("the daemon restarted"),
}


class LiveError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class LiveHub:
    settings: LiveSettings
    root: Path  # data/live: one folder per running session
    content_dir: Path
    db: Db
    base_url: str
    ffmpeg: str = ""  # found at the first broadcast, not at every start
    announce: AnnounceNote | None = None
    clock: Callable[[], float] = time.monotonic
    sessions: dict[str, LiveSession] = field(default_factory=dict)
    by_artist: dict[str, str] = field(default_factory=dict)
    shared: SharedLive | None = None  # with Redis: the broadcasts of every process
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _redis_down: bool = False

    async def open(self) -> None:
        """After a restart: sessions that were running are over, their folders leftovers.

        With Redis, the sessions other processes run now are neither (they share the data folder)."""
        running: set[str] = set()
        if self.shared is not None:
            with contextlib.suppress(RedisError, OSError):
                running = await self.shared.running()
        if running:
            for folder in self.root.iterdir() if self.root.is_dir() else ():
                if folder.name not in running:
                    await asyncio.to_thread(shutil.rmtree, folder, True)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        await self.db.run(lambda db: _close_orphans(db, running))
        self._spawn(self._watch())

    async def start(self, user_id: int, artist: str, title: str, record: bool) -> LiveSession:
        if artist in self.by_artist:
            raise LiveError(409, f"{artist} is live already (session {self.by_artist[artist]})")
        if len(self.sessions) >= self.settings.max_sessions:
            raise LiveError(
                429, f"{len(self.sessions)} broadcasts are running: the most this instance allows"
            )
        if not self.ffmpeg:
            try:
                self.ffmpeg = await asyncio.to_thread(ffmpeg_path)
            except FFmpegNotFound as exc:
                raise LiveError(503, str(exc)) from None
        broadcast = Broadcast(
            secrets.token_hex(8),
            artist,
            user_id,
            title,
            record and self.settings.record,
            dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        await self._claim(artist, broadcast.id)
        session = LiveSession(broadcast, self.root / broadcast.id, self.settings, self.ffmpeg, self.clock)
        session.on_segment = lambda segment: self._share_segment(session, segment)
        self.sessions[broadcast.id] = session
        self.by_artist[artist] = broadcast.id
        try:
            await session.start()
        except OSError as exc:
            self._forget(session)
            await self._shared(lambda shared: shared.release(artist, broadcast.id))
            raise LiveError(503, f"ffmpeg could not be started: {exc}") from None
        await self.db.run(lambda db: _insert(db, broadcast))
        await self._publish(session)
        self._spawn(self._announce(session, update=False))
        log.info("live %s: %s went live (%s)", broadcast.id, artist, title[:80])
        return session

    def current(self, artist: str) -> LiveSession | None:
        found = self.by_artist.get(artist)
        return self.sessions.get(found) if found else None

    async def end(self, session: LiveSession, reason: str, keep: bool | None = None) -> None:
        if session.state != "live":
            return
        session.state, session.end_reason = "ending", reason
        async with session.lock:  # a chunk on its way to ffmpeg goes in before the end
            try:
                await session.stop()
            except Exception:  # the end goes on: ENDLIST, the row, the cleanup
                log.exception("live %s: stopping the encoder failed", session.id)
                session.playlist.end()
        keep = session.broadcast.record if keep is None else keep and session.broadcast.record
        if keep:
            session.release = await self._keep(session)
        session.state = "ended"
        await self.db.run(lambda db: _ended(db, session))
        await self._publish(session, ttl=self.settings.linger)
        await self._shared(lambda shared: shared.release(session.broadcast.artist, session.id))
        self._spawn(self._announce(session, update=True))
        self._spawn(self._linger(session))
        log.info("live %s: ended (%s)", session.id, reason)

    async def _keep(self, session: LiveSession) -> str | None:
        b = session.broadcast
        recording = Recording(session.recording, b.artist, b.title, b.id, b.started_at)
        try:
            return await asyncio.to_thread(make_draft, self.ffmpeg, self.content_dir, recording)
        except (RecordingError, OSError, TimeoutError) as exc:
            log.warning("live %s: the recording was not kept: %s", session.id, exc)
            return None

    async def _linger(self, session: LiveSession) -> None:
        await asyncio.sleep(self.settings.linger)
        self._forget(session)
        await asyncio.to_thread(shutil.rmtree, session.folder, True)

    def _forget(self, session: LiveSession) -> None:
        self.sessions.pop(session.id, None)
        if self.by_artist.get(session.broadcast.artist) == session.id:
            del self.by_artist[session.broadcast.artist]

    async def _announce(self, session: LiveSession, update: bool) -> None:
        if self.announce is None:
            return
        b = session.broadcast
        page = f"{self.base_url}/live/{b.artist}/"
        title = html.escape(b.title)
        content = (
            f'<p>Was live: {title}. <a href="{page}">{page}</a></p>'
            if update
            else f'<p>Live now: {title}. Listen at <a href="{page}">{page}</a></p>'
        )
        try:
            await self.announce(ArtistNote(b.artist, f"live-{b.id}", content, page, update))
        except Exception:  # the broadcast goes on without its announcement
            log.exception("live %s: the fediverse announcement failed", session.id)

    # --- with Redis: what the other processes see -------------------------------------------

    async def _claim(self, artist: str, session_id: str) -> None:
        if self.shared is None:
            return
        try:
            refused = await self.shared.claim(artist, session_id, self.settings.max_sessions)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)  # this process alone decides: the broadcast still starts
            return
        if refused is not None:
            raise LiveError(*refused)

    async def _publish(self, session: LiveSession, ttl: float = TTL) -> None:
        status, playlist = session.status(self.base_url), session.playlist.render()
        await self._shared(lambda shared: shared.publish(status, playlist, ttl))

    async def _share_segment(self, session: LiveSession, segment: Segment) -> None:
        playlist = session.playlist.render()
        await self._shared(lambda shared: shared.segment(session.id, segment.name, segment.data, playlist))

    async def _shared(self, work: Callable[[SharedLive], Coroutine[Any, Any, None]]) -> None:
        if self.shared is None:
            return
        try:
            await work(self.shared)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
        else:
            if self._redis_down:
                self._redis_down = False
                log.warning("live: Redis answers again; broadcasts are shared again")

    async def ask(self, question: Callable[[SharedLive], Awaitable[T]]) -> T | None:
        """What Redis knows of the other processes' broadcasts; None without Redis, or it away."""
        if self.shared is None:
            return None
        try:
            return await question(self.shared)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return None

    async def listen(self, session_id: str, listener: str) -> None:
        await self._shared(lambda shared: shared.listen(session_id, listener))

    def _redis_failed(self, exc: BaseException) -> None:
        if not self._redis_down:
            self._redis_down = True
            log.warning(
                "live: Redis unreachable (%s); other processes' listeners miss this one's broadcasts", exc
            )

    async def _heartbeat(self) -> None:
        """Every process's listeners counted, this one's sessions refreshed, the others' learnt."""
        assert self.shared is not None
        shared = self.shared
        for session in list(self.sessions.values()):
            if session.state == "live":
                session.listeners.shared = await shared.listeners(session.id)
                await self._publish(session)
        await shared.refresh(set(self.sessions))

    async def _watch(self) -> None:
        """End broadcasts whose broadcaster went quiet, or that ran too long; the Redis heartbeat."""
        every = max(0.05, min(1.0, self.settings.idle_timeout / 4))
        while True:
            await asyncio.sleep(every)
            if self.shared is not None:
                await self._shared(lambda _: self._heartbeat())
            now = self.clock()
            for session in list(self.sessions.values()):
                if session.state != "live":
                    continue
                if now - session.last_chunk > self.settings.idle_timeout:
                    self._spawn(self.end(session, "the broadcaster stopped sending"))
                elif now - session.started > self.settings.max_duration:
                    self._spawn(self.end(session, "the longest broadcast allowed"))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                await self.end(session, "the daemon stopped")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.shared is None:
            shutil.rmtree(self.root, ignore_errors=True)
        else:  # the other processes' sessions share the folder
            for session in list(self.sessions.values()):
                shutil.rmtree(session.folder, ignore_errors=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _insert(db: Database, b: Broadcast) -> None:
    with db.conn:
        db.execute(
            "INSERT INTO live_sessions (id, artist_slug, user_id, title, started_at) VALUES (?, ?, ?, ?, ?)",
            [b.id, b.artist, b.user_id, b.title, b.started_at.isoformat()],
        )


def _ended(db: Database, session: LiveSession) -> None:
    with db.conn:
        db.execute(
            "UPDATE live_sessions SET ended_at = ?, end_reason = ?, peak_listeners = ?, release_slug = ?"
            " WHERE id = ?",
            [_now(), session.end_reason, session.listeners.peak, session.release, session.id],
        )


def _close_orphans(db: Database, running: set[str]) -> None:
    """Sessions left open by a daemon that stopped, except those other processes run (`running`)."""
    keep = sorted(running)
    with db.conn:
        db.execute(
            "UPDATE live_sessions SET ended_at = ?, end_reason = 'the daemon restarted' WHERE ended_at IS NULL"
            f" AND id NOT IN ({','.join('?' * len(keep))})",
            [_now(), *keep],
        )


def history(db: Database, artists: list[str] | None, limit: int = 20) -> list[dict[str, object]]:
    """The latest broadcasts (of `artists`, or everyone's), for the dashboard."""
    where, args = (
        ("", [])
        if artists is None
        else (f"WHERE artist_slug IN ({','.join('?' * len(artists))})", list(artists))
    )
    return list(
        db.query(f"SELECT * FROM live_sessions {where} ORDER BY started_at DESC LIMIT {int(limit)}", args)
    )
