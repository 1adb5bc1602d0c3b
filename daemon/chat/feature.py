"""The chat feature: rooms (the lobby, one per artist) over a WebSocket, history, moderation."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import CONFIG, DB, SECRET
from tunecamp.daemon.chat import dashboard, moderation, socket
from tunecamp.daemon.chat.access import origins_ctx
from tunecamp.daemon.chat.broadcast import LocalBroadcaster
from tunecamp.daemon.chat.redis_broadcast import RedisBroadcaster
from tunecamp.daemon.chat.service import CHAT, CONTROL, Chat, ChatSettings
from tunecamp.daemon.redis_link import REDIS
from tunecamp.daemon.shared_limits import limit_source
from tunecamp.generator.site.i18n import N_

# A sanction's kind (chat_sanctions.kind) as the moderation page shows it
SANCTION_KINDS = {"mute": N_("muted"), "ban": N_("banned")}


async def chat_ctx(app: web.Application) -> AsyncIterator[None]:
    chat = app[CHAT]
    chat.secret = app[SECRET].value  # guests' names: a keyed hash of their address
    fanout: RedisBroadcaster | None = None
    if REDIS in app:  # several processes: events fan out through Redis (redis_link.py)
        fanout = RedisBroadcaster(app[REDIS], on_resume=chat.resync)
        await fanout.start()
        chat.broadcaster = fanout
    stop_control = chat.broadcaster.subscribe(CONTROL, chat.control)
    yield
    stop_control()
    if fanout is not None:
        await fanout.close()


async def close_sockets(app: web.Application) -> None:
    """At shutdown, before the server waits for its handlers: an open socket's would never end."""
    for _, close in list(app[CHAT].connections.values()):
        close("shutting down")


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    limits = limit_source(app)
    html.add_templates(app, "tunecamp.daemon.chat")
    html.add_labels(app, "chat.sanction", SANCTION_KINDS)
    # made here, not in chat_ctx, so a test can set its clock or heartbeat before the app starts
    app[CHAT] = Chat(
        app[DB],
        LocalBroadcaster(),
        ChatSettings.from_config(config),
        limits.bucket("chat-user", config.chat_rate_user),
        limits.bucket("chat-address", config.chat_rate_address),
    )
    app.cleanup_ctx.extend([origins_ctx, chat_ctx])
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/api/chat/ws", socket.websocket)
    app.router.add_get("/ws/chat", socket.websocket)  # the Node TuneCamp server's path, for its clients
    moderation.setup(app)
    dashboard.setup(app)
