"""The chat's operations, shared by the WebSocket (socket.py), the JSON API and the dashboard.

`Chat` holds the settings, the rate limits, the broadcaster and the clock; everything that
writes goes through the database thread and then out through the broadcaster, so an event
reaches subscribers only after its row is committed. Time comes from `clock` (Unix seconds):
a test moves it to see a mute expire.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tunecamp.daemon.chat import store
from tunecamp.daemon.chat.broadcast import Broadcaster
from tunecamp.daemon.chat.rules import Caller, ChatError, clean_text
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.db import Db
from tunecamp.daemon.ratelimit import Limiter, RateLimiter, retry_after
from tunecamp.daemon.users import User

PAGE = 50
MAX_PAGE = 200
CONTROL = "!control"  # a room no client can join (rules.check_room): moderation events for every process


@dataclass(frozen=True)
class ChatSettings:
    read_anonymous: bool
    guest_posting: bool
    max_length: int
    mute_seconds: float
    sockets_per_address: int = 20
    heartbeat: float = 30.0  # seconds between the server's pings; a socket that misses a pong is dropped

    @classmethod
    def from_config(cls, config: DaemonConfig) -> ChatSettings:
        return cls(
            config.chat_read_anonymous,
            config.chat_guest_posting,
            config.chat_max_length,
            config.chat_mute_minutes * 60.0,
            config.chat_sockets_per_address,
        )


@dataclass
class Chat:
    db: Db
    broadcaster: Broadcaster
    settings: ChatSettings
    by_user: Limiter
    by_address: Limiter
    # joins, history pages and reports each cost a query: 30 per socket, refilled over 10 s
    by_socket: RateLimiter = field(default_factory=lambda: RateLimiter(Rate(30, 10)))
    secret: bytes = b""
    clock: Callable[[], float] = time.time
    # open sockets, so a ban closes the banned one's at once: closer(reason) per connection
    connections: dict[int, tuple[Caller, Callable[[str], None]]] = field(default_factory=dict)

    def guest_name(self, address: str) -> str:
        digest = hmac.new(self.secret, b"chat-guest:" + address.encode(), hashlib.sha256).hexdigest()
        return f"guest-{digest[:6]}"

    def can_post(self, caller: Caller) -> bool:
        return caller.user is not None or self.settings.guest_posting

    def can_read(self, caller: Caller) -> bool:
        return caller.user is not None or self.settings.read_anonymous

    async def history(
        self, room: str, *, before: int | None = None, after: int | None = None, limit: int = PAGE
    ) -> tuple[list[store.Message], bool]:
        """A page of history, and whether there is more beyond it (older, or newer after `after`)."""
        limit = max(1, min(limit, MAX_PAGE))
        rows = await self.db.run(
            lambda db: store.history(db, room, limit=limit + 1, before=before, after=after)
        )
        more = len(rows) > limit
        if more:
            rows = rows[:limit] if after is not None else rows[1:]
        return rows, more

    async def post(self, caller: Caller, room: str, text: Any) -> store.Message:
        if not self.can_post(caller):
            raise ChatError("sign_in", "sign in to post in the chat")
        clean = clean_text(text, self.settings.max_length)
        now = self.clock()
        wait = max(await self.by_user.peek(caller.key, now), await self.by_address.peek(caller.address, now))
        if wait:
            raise ChatError(
                "rate", f"slow down: try again in {retry_after(wait)} s", retry_after=retry_after(wait)
            )
        await self.by_user.hit(caller.key, now)
        await self.by_address.hit(caller.address, now)
        await self.check_standing(caller, now)
        user_id = caller.user.id if caller.user else None
        new = store.NewMessage(room, user_id, caller.name, caller.address, clean, now)
        message = await self.db.run(lambda db: store.add_message(db, new))
        await self.broadcaster.publish(room, message.event())
        return message

    async def held(self, caller: Caller, now: float) -> list[dict[str, Any]]:
        """The mutes and bans on the caller's account or address."""
        user_id = caller.user.id if caller.user else None
        return await self.db.run(lambda db: store.active_sanctions(db, user_id, caller.address, now))

    async def banned(self, caller: Caller) -> bool:
        return any(s["kind"] == "ban" for s in await self.held(caller, self.clock()))

    async def check_standing(self, caller: Caller, now: float) -> None:
        """Refuse a banned or muted caller (its account or its address)."""
        held = await self.held(caller, now)
        if any(s["kind"] == "ban" for s in held):
            raise ChatError("banned", "you are banned from this chat")
        if held:
            until = held[0]["until"]
            raise ChatError("muted", f"you are muted until {store.iso(until)}", until=store.iso(until))

    async def delete(self, message_id: int, by: User | None) -> bool:
        now = self.clock()
        room = await self.db.run(lambda db: store.delete_message(db, message_id, by.id if by else None, now))
        if room is None:
            return False
        await self.broadcaster.publish(room, {"type": "deleted", "id": message_id, "room": room})
        return True

    async def sanction(self, kind: store.Kind, target: Target, by: User | None) -> int:
        now = self.clock()
        minutes = target.minutes
        until = now + (minutes * 60.0 if minutes else self.settings.mute_seconds) if kind == "mute" else None
        row = store.Sanction(
            kind, target.user_id, target.address, target.reason, now, by.id if by else None, until
        )
        sanction_id = await self.db.run(lambda db: store.add_sanction(db, row))
        if kind == "ban":  # the banned one's sockets close on every process
            await self.broadcaster.publish(
                CONTROL, {"type": "ban", "user_id": target.user_id, "address": target.address}
            )
        return sanction_id

    async def control(self, text: str) -> None:
        """An event of the control room (a ban), from this process or another: applied to this one's sockets."""
        event = json.loads(text)
        if event.get("type") != "ban":
            return
        user_id, address = event.get("user_id"), event.get("address")
        for caller, close in list(self.connections.values()):
            hit = user_id is not None and caller.user is not None and caller.user.id == user_id
            if hit or (address is not None and caller.address == address):
                close("banned")

    def resync(self) -> None:
        """Events may have been missed (Redis was away): every socket reconnects and joins with `since`."""
        for _, close in list(self.connections.values()):
            close("resync")

    async def lift(self, sanction_id: int) -> bool:
        now = self.clock()
        return await self.db.run(lambda db: store.lift_sanction(db, sanction_id, now))

    async def report(self, caller: Caller, message_id: int, reason: Any) -> bool:
        if not self.can_post(caller):
            raise ChatError("sign_in", "sign in to report a message")
        if not isinstance(reason, str) or len(reason) > 500:
            raise ChatError("bad_request", "reason: text of at most 500 characters")
        now = self.clock()
        wait = await self.by_user.hit(caller.key, now)
        if wait:
            raise ChatError(
                "rate", f"slow down: try again in {retry_after(wait)} s", retry_after=retry_after(wait)
            )
        found = await self.db.run(lambda db: store.get_message(db, message_id))
        if found is None or found["deleted_at"] is not None:
            raise ChatError("not_found", f"no message {message_id}")
        clean = clean_text(reason, 500) if reason.strip() else ""
        return await self.db.run(lambda db: store.add_report(db, message_id, caller.key, clean, now))

    async def resolve(self, report_id: int, by: User | None) -> bool:
        now = self.clock()
        return await self.db.run(lambda db: store.resolve_report(db, report_id, by.id if by else None, now))


@dataclass(frozen=True)
class Target:
    """Whom a mute or ban is for: an account or an address (a guest's), never both."""

    user_id: int | None = None
    address: str | None = None
    reason: str = ""
    minutes: float | None = None  # a mute's length; None: the instance's default


CHAT = web.AppKey("chat", Chat)
