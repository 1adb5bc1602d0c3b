"""The chat feature: rooms (the lobby, one per artist) over a WebSocket, history, moderation."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, DB, SECRET
from tunecamp.daemon.chat import dashboard, moderation, socket
from tunecamp.daemon.chat.access import origins_ctx
from tunecamp.daemon.chat.broadcast import LocalBroadcaster
from tunecamp.daemon.chat.service import CHAT, Chat, ChatSettings
from tunecamp.daemon.ratelimit import RateLimiter


async def chat_ctx(app: web.Application) -> AsyncIterator[None]:
    chat = app[CHAT]
    chat.secret = app[SECRET].value  # guests' names: a keyed hash of their address
    yield


async def close_sockets(app: web.Application) -> None:
    """At shutdown, before the server waits for its handlers: an open socket's would never end."""
    for _, close in list(app[CHAT].connections.values()):
        close("shutting down")


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    html.add_templates(app, "tunecamp.daemon.chat")
    # made here, not in chat_ctx, so a test can set its clock or heartbeat before the app starts
    app[CHAT] = Chat(
        app[DB],
        LocalBroadcaster(),
        ChatSettings.from_config(config),
        RateLimiter(config.chat_rate_user),
        RateLimiter(config.chat_rate_address),
    )
    app.cleanup_ctx.extend([origins_ctx, chat_ctx])
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/api/chat/ws", socket.websocket)
    app.router.add_get("/ws/chat", socket.websocket)  # the Node TuneCamp server's path, for its clients
    moderation.setup(app)
    dashboard.setup(app)
