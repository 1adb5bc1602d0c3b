"""Who may open the chat, from where: the caller's account, and the page's Origin.

The session cookie and `Authorization: Bearer` are read by the accounts' middleware for every
request (they arrive here as the current user). A browser cannot put a header on a WebSocket,
and a static site on another origin (a CDN) gets no SameSite=Strict cookie, so a page may also
send its token as `?token=`: it is checked by the token signer of the accounts feature, handed
over by `create_app` as TOKEN_USER (pinned algorithm, expiry, revocation).

A browser sends the page's Origin with every WebSocket handshake and never lets a page forge
it: a connection from a page of any other site than the daemon's own, the catalog's `base_url`
or TUNECAMP_CHAT_ORIGINS is refused, so a hostile page cannot talk in the chat as its visitor.
A client without Origin (an app, a script) has no visitor's cookie to ride on, and is let in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.chat.rules import Caller
from tunecamp.daemon.chat.service import CHAT
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.ratelimit import client_address
from tunecamp.daemon.users import User, current_user

TOKEN_USER: web.AppKey[Callable[[str], Awaitable[User | None]]] = web.AppKey("chat_token_user")
ORIGINS: web.AppKey[frozenset[str]] = web.AppKey("chat_origins")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def site_origin(content_dir: Path) -> str:
    """The static site's origin, from catalog.yaml's base_url; "" when it cannot be read."""
    try:
        data = yaml.safe_load((content_dir / "catalog.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    base = data.get("base_url") if isinstance(data, dict) else None
    return origin_of(base) if isinstance(base, str) else ""


def allowed_origins(config: DaemonConfig) -> frozenset[str]:
    found = {origin_of(config.url), site_origin(config.content_dir), *config.chat_origin_list}
    return frozenset(o for o in found if o)


async def origins_ctx(app: web.Application) -> AsyncIterator[None]:
    # read at start, not at import: catalog.yaml's base_url changes rarely, and a restart picks it up
    app[ORIGINS] = allowed_origins(app[CONFIG])
    yield


def check_origin(request: web.Request) -> str | None:
    """The page's Origin when it may talk to the chat (None: no Origin sent); else a 403."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    origin = origin.lower()
    if origin == f"{request.scheme}://{request.host}".lower() or origin in request.app[ORIGINS]:
        return origin
    # not echoed: a header's bytes need not be text (aiohttp hands undecodable ones over as surrogates)
    raise http_error(403, "the chat is not open to pages of this origin; see TUNECAMP_CHAT_ORIGINS")


async def caller_of(request: web.Request) -> Caller:
    user = current_user(request)
    token = request.query.get("token")
    if user is None and token:
        user = await request.app[TOKEN_USER](token)
        if user is None:
            raise http_error(401, "invalid or expired token; sign in again")
    address = client_address(request, request.app[CONFIG].trust_proxy_hops)
    return Caller(user, address, request.app[CHAT].guest_name(address))


def cors(response: web.StreamResponse, origin: str | None) -> web.StreamResponse:
    """Let an allowed page of another origin (the static site on a CDN) read the answer."""
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response
