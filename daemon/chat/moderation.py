"""Moderation over JSON: history pages, reports, deleting, muting and banning (`chat.moderate`).

Curators and up moderate (roles.py, `chat.moderate`). A mute or ban names an account (`user`,
by name), an address (`address`, for guests), or a message (`message`: its author, the account
or, for a guest, the address it posted from). Nobody sanctions an account of their own rank or
above: a Curator cannot mute a Manager.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.bodies import read_json
from tunecamp.daemon.chat import store
from tunecamp.daemon.chat.access import caller_of, check_origin, cors
from tunecamp.daemon.chat.rules import ChatError, check_room, message_id
from tunecamp.daemon.chat.service import CHAT, PAGE, Target
from tunecamp.daemon.db import row_id
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.roles import CHAT_MODERATE, LISTEN, PUBLIC, requires
from tunecamp.daemon.users import User, current_user, get_user, get_user_by_name

STATUS = {"sign_in": 401, "forbidden": 403, "banned": 403, "muted": 403, "not_found": 404, "rate": 429}


def refusal(exc: ChatError) -> web.HTTPException:
    extra = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else {}
    return http_error(STATUS.get(exc.reason, 400), str(exc), **extra)


def _query_id(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "0":
        return None if raw is None else 0
    found = row_id(raw)
    if found is None:
        raise http_error(400, f"{name}: a message id")
    return found


@requires(PUBLIC)
async def messages(request: web.Request) -> web.StreamResponse:
    """GET /api/chat/rooms/{room}/messages?before=ID|after=ID&limit=N: one page, oldest first."""
    origin = check_origin(request)
    chat = request.app[CHAT]
    try:
        room = check_room(request.match_info["room"])
    except ChatError as exc:
        raise refusal(exc) from None
    if not chat.can_read(await caller_of(request)):
        raise http_error(401, "sign in to read the chat")
    limit_text = request.query.get("limit", str(PAGE))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 200:
        raise http_error(400, "limit: 1 to 200")
    before, after = _query_id(request, "before"), _query_id(request, "after")
    if before is not None and after is not None:
        raise http_error(400, "before or after, not both")
    page, more = await chat.history(room, before=before, after=after, limit=int(limit_text))
    body = {"room": room, "messages": [m.event() for m in page], "more": more}
    return cors(web.json_response(body, headers={"Cache-Control": "no-store"}), origin)


@requires(LISTEN)  # a guest (when guests may post) reports over the WebSocket
async def report(request: web.Request) -> web.Response:
    data = await read_json(request)
    try:
        target = message_id(row_id(request.match_info["message_id"]) or 0)
        added = await request.app[CHAT].report(await caller_of(request), target, data.get("reason", ""))
    except ChatError as exc:
        raise refusal(exc) from None
    return web.json_response({"reported": target, "new": added}, status=202)


def _moderator(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # the route's permission needs an account
    return user


async def resolve_target(request: web.Request, data: Any) -> Target:
    """Whom a mute or ban is for, from `user`, `address` or `message`; refuses one's peers and betters."""
    reason = str(data.get("reason") or "")[:500]
    minutes = data.get("minutes")
    if minutes not in (None, ""):
        try:
            minutes = float(minutes)
        except (TypeError, ValueError):
            raise http_error(400, "minutes: a number") from None
        if not 0 < minutes <= 525_600:
            raise http_error(400, "minutes: more than 0, at most a year")
    else:
        minutes = None
    db = request.app[DB]
    user: User | None = None
    address: str | None = None
    if isinstance(data.get("user"), str) and data["user"]:
        name = data["user"]
        user = await db.run(lambda d: get_user_by_name(d, name))
        if user is None:
            raise http_error(404, f"user: no account {name[:64]!r}")
    elif isinstance(data.get("address"), str) and data["address"].strip():
        address = data["address"].strip()[:64]
    elif data.get("message") not in (None, ""):
        found_id = row_id(str(data["message"]))
        found = await db.run(lambda d: store.get_message(d, found_id)) if found_id else None
        if found is None:
            raise http_error(404, f"message: no message {str(data['message'])[:20]}")
        if found["user_id"] is not None:
            user = await db.run(lambda d: get_user(d, found["user_id"]))
        address = None if user is not None else str(found["address"])
        if user is None and found["user_id"] is not None:
            raise http_error(404, "message: its author's account is gone")
    else:
        raise http_error(400, "user, address or message: whom to mute or ban")
    if user is not None and not _moderator(request).outranks(user.role):
        raise http_error(403, f"user: {user.username} is a {user.role}; only a higher role sanctions them")
    return Target(user.id if user else None, address, reason, minutes)


@requires(CHAT_MODERATE)
async def api_delete(request: web.Request) -> web.Response:
    found = row_id(request.match_info["message_id"])
    if found is None or not await request.app[CHAT].delete(found, _moderator(request)):
        raise http_error(404, "no such message (or it is deleted already)")
    return web.json_response({"deleted": found})


@requires(CHAT_MODERATE)
async def api_sanction(request: web.Request) -> web.Response:
    data = await read_json(request)
    kind = data.get("kind")
    if kind != "mute" and kind != "ban":
        raise http_error(400, 'kind: "mute" or "ban"')
    target = await resolve_target(request, data)
    sanction_id = await request.app[CHAT].sanction(kind, target, _moderator(request))
    return web.json_response({"id": sanction_id, "kind": kind}, status=201)


@requires(CHAT_MODERATE)
async def api_lift(request: web.Request) -> web.Response:
    found = row_id(request.match_info["sanction_id"])
    if found is None or not await request.app[CHAT].lift(found):
        raise http_error(404, "no such sanction in force")
    return web.json_response({"lifted": found})


@requires(CHAT_MODERATE)
async def api_queue(request: web.Request) -> web.Response:
    chat = request.app[CHAT]
    now = chat.clock()
    reports, sanctions = await chat.db.run(lambda db: (store.open_reports(db), store.sanctions(db, now)))
    return web.json_response({"reports": reports, "sanctions": sanctions})


@requires(CHAT_MODERATE)
async def api_resolve(request: web.Request) -> web.Response:
    found = row_id(request.match_info["report_id"])
    if found is None or not await request.app[CHAT].resolve(found, _moderator(request)):
        raise http_error(404, "no such open report")
    return web.json_response({"resolved": found})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/chat/rooms/{room}/messages", messages)
    r.add_post("/api/chat/messages/{message_id}/report", report)
    r.add_delete("/api/chat/messages/{message_id}", api_delete)
    r.add_post("/api/chat/sanctions", api_sanction)
    r.add_delete("/api/chat/sanctions/{sanction_id}", api_lift)
    r.add_get("/api/chat/moderation", api_queue)
    r.add_post("/api/chat/reports/{report_id}/resolve", api_resolve)
