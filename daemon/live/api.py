"""The broadcast API (start, chunks, end) and what listeners fetch (status, playlist, segments).

Starting and ending need a signed-in account that may broadcast for the artist (`may_broadcast`);
chunks come only from the account that started the session. The playlist is rendered from memory
and never cached (it changes every two seconds); a segment's name is never reused within a session,
so segments are cached. Listeners' requests carry `Access-Control-Allow-Origin: *`: the static
site, on a CDN of its own, plays from the daemon.

With Redis (several daemon processes) what listeners fetch of another process's broadcast comes
from Redis (live/shared.py); chunks and the end only reach the process that runs the broadcast,
and any other answers 421 (the proxy's routing, docs/live.md).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon import catalog_index
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import translate
from tunecamp.daemon.live.encoder import SEGMENT_NAME, EncoderFailed
from tunecamp.daemon.live.hub import END_REASONS, LiveError, LiveHub
from tunecamp.daemon.live.session import LiveSession
from tunecamp.daemon.ratelimit import client_address, retry_after
from tunecamp.daemon.roles import CONTENT_MANAGE, LISTEN, PUBLIC, grant, requires
from tunecamp.daemon.users import User, current_user
from tunecamp.generator.catalog.slugs import is_safe_slug

HUB = web.AppKey("live_hub", LiveHub)
MAX_TITLE = 200
LISTENER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SESSION_ID = re.compile(r"^[0-9a-f]{16}$")  # secrets.token_hex(8)
OPEN = {"Access-Control-Allow-Origin": "*"}
GONE = "no such live session (it ended, or never was)"
# a chunk or an end on a process that does not run the session: the proxy's routing (docs/live.md)
ELSEWHERE = (
    "this broadcast runs on another daemon process: the proxy must send one broadcaster's"
    " /api/live/ requests to one process (docs/live.md)"
)
UNCACHED = {**OPEN, "Cache-Control": "no-cache, no-store"}


def may_broadcast(user: User, artist: str) -> bool:
    """Owners and Managers for any artist; any other account for the artists linked to it."""
    return grant(CONTENT_MANAGE, user.role) == "yes" or artist in user.artists


async def broadcastable(request: web.Request, user: User) -> list[str]:
    """The artists `user` may go live as: every known one for Owners and Managers, else their own."""
    if grant(CONTENT_MANAGE, user.role) == "yes":
        return sorted(await request.app[DB].run(known_artists))
    return list(user.artists)


def known_artists(db: Database) -> set[str]:
    """The catalog index's artists, and those linked to an account (before the first build)."""
    linked = {r[0] for r in db.execute("SELECT DISTINCT artist_slug FROM user_artists").fetchall()}
    return set(catalog_index.artist_names(db)) | linked


async def _session(request: web.Request) -> LiveSession:
    """This process's session, for what only its owner can do (chunks, the end)."""
    hub = request.app[HUB]
    session_id = request.match_info["session"]
    session = hub.sessions.get(session_id)
    if session is None:
        if await hub.ask(lambda shared: shared.status(session_id)) is not None:
            raise http_error(421, ELSEWHERE)  # the operator's proxy routing: stays English
        raise http_error(404, translate(request, "no such live session (it ended, or never was)"))
    return session


def _owner(request: web.Request, session: LiveSession) -> None:
    user = current_user(request)
    if user is None or user.id != session.broadcast.user_id:
        raise http_error(
            403, translate(request, "only the account that started this session may send to it or end it")
        )


@requires(LISTEN)
async def start(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    data = await read_json(request)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise http_error(400, translate(request, "title: the broadcast's title, as text"))
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise http_error(400, translate(request, "title: at most %(max)s characters", max=MAX_TITLE))
    allowed = await broadcastable(request, user)
    artist = data.get("artist", allowed[0] if len(allowed) == 1 else None)
    if not isinstance(artist, str) or not is_safe_slug(artist):
        raise http_error(
            400,
            translate(
                request,
                "artist: the slug of the artist going live (one of: %(artists)s)",
                artists=", ".join(allowed),
            ),
        )
    if artist not in allowed or not may_broadcast(user, artist):
        raise http_error(
            403,
            translate(request, "artist: your account may not broadcast as %(artist)s", artist=repr(artist)),
        )
    record = data.get("record", True)
    if not isinstance(record, bool):
        raise http_error(400, translate(request, "record: true or false"))
    hub = request.app[HUB]
    try:
        session = await hub.start(user.id, artist, title, record)
    except LiveError as exc:
        raise http_error(exc.status, str(exc)) from None
    return web.json_response(session.status(hub.base_url), status=201)


async def _read_chunk(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise http_error(413, f"a chunk has at most {limit} bytes")
    parts, size = [], 0
    while part := await request.content.read(64 * 1024):
        size += len(part)
        if size > limit:
            raise http_error(413, f"a chunk has at most {limit} bytes")
        parts.append(part)
    if not size:
        raise http_error(400, translate(request, "an empty chunk: send the recorder's bytes as the body"))
    return b"".join(parts)


def _seq(request: web.Request) -> int | None:
    raw = request.query.get("seq")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise http_error(400, "seq: the chunk's number, 0 for the first")
    return int(raw)


def _ended(request: web.Request, session: LiveSession) -> str:
    reason = session.end_reason
    shown = translate(request, END_REASONS[reason]) if reason in END_REASONS else reason
    return translate(request, "the session has ended (%(reason)s)", reason=shown)


@requires(LISTEN)
async def chunk(request: web.Request) -> web.Response:
    session = await _session(request)
    _owner(request, session)
    if session.state != "live":
        raise http_error(409, _ended(request, session))
    seq = _seq(request)
    hub = request.app[HUB]
    assert session.limiter is not None
    wait = session.limiter.take("chunks", hub.clock())
    if wait > 0:
        seconds = retry_after(wait)
        raise http_error(
            429,
            translate(request, "too many chunks; try again in %(seconds)s s", seconds=seconds),
            **{"Retry-After": str(seconds)},
        )
    data = await _read_chunk(request, hub.settings.max_chunk)
    failed: EncoderFailed | None = None
    async with session.lock:  # chunks go to ffmpeg in the order they are numbered
        if session.state != "live":
            raise http_error(409, _ended(request, session))
        if seq is not None and seq < session.next_seq:
            return web.json_response({"seq": seq, "duplicate": True})
        if seq is not None and seq > session.next_seq:
            raise http_error(
                409,
                translate(
                    request,
                    "seq: expected chunk %(expected)s, got %(seq)s",
                    expected=session.next_seq,
                    seq=seq,
                ),
            )
        try:
            await session.feed(data)
        except EncoderFailed as exc:
            failed = exc
    if failed is not None:  # ended outside the lock: the end waits for chunks in flight
        await hub.end(session, str(failed))
        raise http_error(409, translate(request, "the session has ended: %(error)s", error=failed))
    return web.json_response({"seq": session.next_seq - 1, "listeners": session.listeners.count(hub.clock())})


@requires(LISTEN)
async def end(request: web.Request) -> web.Response:
    session = await _session(request)
    _owner(request, session)
    keep: Any = None
    if request.can_read_body and request.content_type == "application/json":
        keep = (await read_json(request)).get("keep")
        if keep is not None and not isinstance(keep, bool):
            raise http_error(400, "keep: true or false (keep the recording as a draft release)")
    hub = request.app[HUB]
    await hub.end(session, "the artist ended it", keep)
    return web.json_response(session.status(hub.base_url))


@requires(PUBLIC)
async def session_status(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    session_id = request.match_info["session"]
    session = hub.sessions.get(session_id)
    status = session.status(hub.base_url) if session else await hub.ask(lambda s: s.status(session_id))
    if status is None:
        raise http_error(404, translate(request, GONE))
    return web.json_response(status, headers=UNCACHED)


@requires(PUBLIC)
async def artist_status(request: web.Request) -> web.Response:
    """What the artist's static page polls: is the artist live, and where to listen."""
    artist = request.query.get("artist", "")
    if not is_safe_slug(artist):
        raise http_error(400, "artist: an artist's slug, like aurora-lane")
    hub = request.app[HUB]
    session = hub.current(artist)
    status = session.status(hub.base_url) if session else await _current_elsewhere(hub, artist)
    if status is None or status["state"] == "ended":
        body: dict[str, Any] = {"artist": artist, "live": False}
    else:
        body = {**status, "session": status["id"]}
    return web.json_response(body, headers=UNCACHED)


async def _current_elsewhere(hub: LiveHub, artist: str) -> dict[str, Any] | None:
    """The status of the artist's broadcast on another process (with Redis), if any."""
    session_id = await hub.ask(lambda shared: shared.current(artist))
    return await hub.ask(lambda shared: shared.status(session_id)) if session_id else None


def _listener(request: web.Request) -> str:
    given = request.query.get("listener", "")
    if LISTENER_ID.match(given):
        return "id:" + given
    where = client_address(request, request.app[CONFIG].trust_proxy_hops)
    agent = request.headers.get("User-Agent", "")[:300]
    return hashlib.sha256(f"{where}\0{agent}".encode()).hexdigest()[:24]


@requires(PUBLIC)
async def playlist(request: web.Request) -> web.StreamResponse:
    """/live/<session>/index.m3u8, or /live/<artist>/index.m3u8: a link to whatever the artist plays now."""
    hub = request.app[HUB]
    key = request.match_info["slug"]
    session = hub.sessions.get(key)
    if session is not None:
        session.listeners.hit(_listener(request), hub.clock())
        text: str | None = session.playlist.render()
    else:  # another process's session (with Redis), or an artist's slug
        text = await hub.ask(lambda shared: shared.playlist(key)) if SESSION_ID.match(key) else None
    if text is None:
        current = hub.current(key) if is_safe_slug(key) else None
        current_id = current.id if current else None
        if current_id is None and is_safe_slug(key):
            current_id = await hub.ask(lambda shared: shared.current(key))
        if current_id is None:
            raise http_error(404, "not live")
        raise web.HTTPFound(f"/live/{current_id}/index.m3u8", headers=UNCACHED)
    await hub.listen(key, _listener(request))  # counted by every process (with Redis)
    return web.Response(text=text, content_type="application/vnd.apple.mpegurl", headers=UNCACHED)


@requires(PUBLIC)
async def segment(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    key, name = request.match_info["slug"], request.match_info["name"]
    data: bytes | None = None
    if SEGMENT_NAME.match(name):
        session = hub.sessions.get(key)
        if session is not None:
            found = session.playlist.find(name)
            data = found.data if found else None
        elif SESSION_ID.match(key):  # another process's session (with Redis)
            data = await hub.ask(lambda shared: shared.segment_data(key, name))
    if data is None:
        raise http_error(404, "no such segment (it may have scrolled out of the playlist)")
    headers = {**OPEN, "Cache-Control": "public, max-age=3600, immutable"}
    return web.Response(body=data, content_type="video/mp2t", headers=headers)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/live/sessions", start)
    r.add_get("/api/live/sessions/{session}", session_status)
    r.add_post("/api/live/sessions/{session}/chunks", chunk)
    r.add_post("/api/live/sessions/{session}/end", end)
    r.add_get("/api/live/status", artist_status)
