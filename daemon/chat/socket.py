"""The chat's WebSocket, at /api/chat/ws and /ws/chat (the path the Node TuneCamp server's clients use).

One socket is in one room at a time. The client sends JSON frames (docs/community.md):
join {room, since?}, message {room, text}, history {room, before? | after?}, report {id, reason?},
delete {id} (moderators), leave, ping. The server answers joined, history, message, deleted,
reported, left, pong and error {reason, message}.

Each socket has its own writer: the broadcaster hands it the event's text (serialised once for
the whole room) through a bounded queue, so a slow reader never holds up the room; one that
falls QUEUE events behind is closed and resumes with `since` when it comes back. The server
pings every `heartbeat` seconds (aiohttp's heartbeat) and drops a socket that does not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tunecamp.daemon.bodies import MalformedBody, parse_json
from tunecamp.daemon.chat.access import caller_of, check_origin
from tunecamp.daemon.chat.broadcast import Unsubscribe
from tunecamp.daemon.chat.rules import Caller, ChatError, check_room, message_id
from tunecamp.daemon.chat.service import CHAT, MAX_PAGE, PAGE, Chat
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.ratelimit import retry_after
from tunecamp.daemon.roles import CHAT_MODERATE, PUBLIC, grant, requires

QUEUE = 1000
MAX_FRAME = 64 * 1024
# Below this much unsent data a frame is written at once (a write that never waits: the transport
# pauses at 64 KiB, and a message is at most 10,000 characters); above it the socket's queue takes it.
DIRECT_BELOW = 16 * 1024


class Connection:
    def __init__(self, chat: Chat, caller: Caller, ws: web.WebSocketResponse, transport: Any) -> None:
        self.chat, self.caller, self.ws = chat, caller, ws
        self.room: str | None = None
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE)
        self._unsubscribe: Unsubscribe | None = None
        self._code = WSCloseCode.OK
        self._transport = transport
        self._busy = False  # a frame is being written: what comes next waits in the queue, in order

    async def deliver(self, text: str) -> None:
        """The broadcaster's way in: written at once when nothing is waiting, else queued.

        Writing at once from the publishing task spares a task switch per socket and message
        (a thousand per message in a full room); a socket that has fallen behind is queued instead,
        so it never holds up the room.
        """
        if self.queue.empty() and not self._busy and not self.ws.closed and self._fast():
            self._busy = True
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                pass  # gone: its handler ends and unsubscribes it
            finally:
                self._busy = False
            return
        self.enqueue(text)

    def _fast(self) -> bool:
        transport = self._transport
        return (
            transport is not None
            and not transport.is_closing()
            and transport.get_write_buffer_size() < DIRECT_BELOW
        )

    def enqueue(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.drop()

    def drop(self) -> None:
        """A reader QUEUE frames behind: cut, not closed politely (a close frame would wait behind
        everything it has not read). It reconnects and resumes with `since`."""
        self.leave()
        if self._transport is not None:
            self._transport.abort()

    def send(self, event: dict[str, Any]) -> None:
        self.enqueue(json.dumps(event, ensure_ascii=False, separators=(",", ":")))

    def close(self, reason: str) -> None:
        if reason == "banned":
            self.send(ChatError("banned", "you are banned from this chat").event())
        self._code = {
            "shutting down": WSCloseCode.GOING_AWAY,
            "resync": WSCloseCode.SERVICE_RESTART,
            "bye": WSCloseCode.OK,
        }.get(reason, WSCloseCode.POLICY_VIOLATION)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)  # the writer closes the socket after what is queued

    async def writer(self) -> None:
        while (text := await self.queue.get()) is not None:
            if self.ws.closed:
                return
            self._busy = True
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return
            finally:
                self._busy = False
        await self.ws.close(code=self._code)

    def leave(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe, self.room = None, None

    @property
    def moderator(self) -> bool:
        user = self.caller.user
        return user is not None and grant(CHAT_MODERATE, user.role) == "yes"

    async def handle(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ChatError("bad_request", 'a JSON object with a "type"')
        kind = data["type"]
        if kind in ("join", "history", "report"):
            wait = self.chat.by_socket.take(f"socket:{id(self)}", self.chat.clock())
            if wait:
                raise ChatError("rate", "slow down", retry_after=retry_after(wait))
        if kind == "ping":
            self.send({"type": "pong"})
        elif kind == "join":
            await self.join(check_room(data.get("room")), data.get("since"))
        elif kind == "leave":
            room = self.room
            self.leave()
            self.send({"type": "left", "room": room})
        elif kind == "message":
            await self.chat.post(self.caller, self.joined(data.get("room")), data.get("text"))
        elif kind == "history":
            await self.page(self.joined(data.get("room")), data.get("before"), data.get("after"))
        elif kind == "report":
            await self.chat.report(self.caller, message_id(data.get("id")), data.get("reason", ""))
            self.send({"type": "reported", "id": data["id"]})
        elif kind == "delete":
            if not self.moderator:
                raise ChatError("forbidden", "only moderators delete messages")
            if not await self.chat.delete(message_id(data.get("id")), self.caller.user):
                raise ChatError("not_found", f"no message {data['id']}")
        else:
            raise ChatError("bad_request", f"unknown type {kind[:40]!r}")

    def joined(self, room: Any) -> str:
        if self.room is None or room != self.room:
            raise ChatError("not_joined", "join the room first")
        return self.room

    async def join(self, room: str, since: Any) -> None:
        if not self.chat.can_read(self.caller):
            raise ChatError("sign_in", "sign in to read the chat")
        if since is not None:
            since = message_id(since, "since") if since != 0 else 0
        self.leave()
        self.room = room
        self._unsubscribe = self.chat.broadcaster.subscribe(room, self.deliver)
        self.send(
            {
                "type": "joined",
                "room": room,
                "user": self.caller.name if self.caller.user or self.chat.can_post(self.caller) else None,
                "guest": self.caller.user is None,
                "can_post": self.chat.can_post(self.caller),
                "moderator": self.moderator,
                "max_length": self.chat.settings.max_length,
            }
        )
        # subscribed first, then the history: a message posted in between is sent twice at worst
        # (clients skip ids they have), never lost
        await self.page(room, None, since, limit=MAX_PAGE if since is not None else PAGE)

    async def page(self, room: str, before: Any, after: Any, limit: int = PAGE) -> None:
        before = message_id(before, "before") if before is not None else None
        after = (message_id(after, "after") if after != 0 else 0) if after is not None else None
        messages, more = await self.chat.history(room, before=before, after=after, limit=limit)
        self.send(
            {
                "type": "history",
                "room": room,
                "messages": [m.event() for m in messages],
                "more": more,
                "direction": "newer" if after is not None else "older",
            }
        )


@requires(PUBLIC)  # reading may need an account (TUNECAMP_CHAT_READ_ANONYMOUS): told on join
async def websocket(request: web.Request) -> web.StreamResponse:
    check_origin(request)
    caller = await caller_of(request)
    chat = request.app[CHAT]
    open_here = sum(1 for other, _ in chat.connections.values() if other.address == caller.address)
    if open_here >= chat.settings.sockets_per_address:
        raise http_error(
            429, f"{open_here} chat connections from this address already", **{"Retry-After": "30"}
        )
    ws = web.WebSocketResponse(heartbeat=chat.settings.heartbeat, max_msg_size=MAX_FRAME)
    if not ws.can_prepare(request).ok:
        return web.json_response({"error": "a WebSocket upgrade is expected here", "status": 400}, status=400)
    await ws.prepare(request)
    connection = Connection(chat, caller, ws, request.transport)
    writer = asyncio.create_task(connection.writer())
    chat.connections[id(connection)] = (caller, connection.close)
    try:
        if await chat.banned(caller):  # a muted caller may read; a banned one may not
            connection.close("banned")
            return ws
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                connection.send(ChatError("bad_request", "text frames of JSON only").event())
                continue
            try:
                await connection.handle(parse_json(frame.data.encode()))
            except MalformedBody as exc:
                connection.send(ChatError("bad_request", str(exc)).event())
            except ChatError as exc:
                connection.send(exc.event())
    finally:
        chat.connections.pop(id(connection), None)
        connection.leave()
        connection.close("bye")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(writer, 5)
    return ws
