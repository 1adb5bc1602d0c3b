"""Who may do what: the role matrix as data, and the one place that enforces it.

Every route declares the permission it needs with `@requires(...)`; `access_middleware`
reads that declaration from the matched route and answers 401/403 before the handler
runs. A route without a declaration makes `create_app` fail (`check_routes`), so nothing
is reachable by accident. docs/roles.md shows the same matrix; a test keeps them equal
and walks every route with every role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from tunecamp.daemon.errors import http_error
from tunecamp.daemon.users import ROLES, current_user

Grant = Literal["yes", "assigned", "no"]
ANYONE = "anyone"  # a visitor who is not signed in
COLUMNS = (ANYONE, *reversed(ROLES))  # anyone, listener, curator, manager, owner

PUBLIC = "public"
ACCOUNT = "account"
LISTEN = "listen"
DRAFTS_VIEW = "drafts.view"
CONTENT_MANAGE = "content.manage"
BUILDS_VIEW = "builds.view"
BUILDS_RUN = "builds.run"
USERS_MANAGE = "users.manage"
MODERATION = "moderation"
CHAT_MODERATE = "chat.moderate"
REPLIES = "replies"
FEDERATION = "federation"
JOBS = "jobs"
SETTINGS = "settings"


def _row(anyone: Grant, listener: Grant, curator: Grant, manager: Grant, owner: Grant) -> dict[str, Grant]:
    return dict(zip(COLUMNS, (anyone, listener, curator, manager, owner), strict=True))


# permission -> (what it covers, who has it)
MATRIX: dict[str, tuple[str, dict[str, Grant]]] = {
    PUBLIC: ("the site, /health, signing in", _row("yes", "yes", "yes", "yes", "yes")),
    ACCOUNT: ("own account: profile, password, sign out everywhere", _row("no", "yes", "yes", "yes", "yes")),
    LISTEN: ("listen, buy, chat, playlists, stars", _row("no", "yes", "yes", "yes", "yes")),
    DRAFTS_VIEW: ("see drafts and preview them", _row("no", "no", "yes", "yes", "yes")),
    CONTENT_MANAGE: ("promote, unpublish and edit releases", _row("no", "no", "assigned", "yes", "yes")),
    BUILDS_VIEW: ("see rebuilds, their progress and log", _row("no", "no", "yes", "yes", "yes")),
    BUILDS_RUN: ("start a rebuild", _row("no", "no", "no", "yes", "yes")),
    USERS_MANAGE: (
        "manage users below Owner, roles, artist assignments",
        _row("no", "no", "no", "yes", "yes"),
    ),
    MODERATION: ("moderate chat and remote content", _row("no", "no", "no", "yes", "yes")),
    CHAT_MODERATE: (
        "delete chat messages, mute and ban in chat, see chat reports",
        _row("no", "no", "yes", "yes", "yes"),
    ),
    REPLIES: (
        "approve or reject fediverse replies to releases, block their authors",
        _row("no", "no", "assigned", "yes", "yes"),
    ),
    FEDERATION: ("follow, block and deliver to other servers", _row("no", "no", "no", "yes", "yes")),
    JOBS: ("see the background jobs, retry failed ones", _row("no", "no", "no", "yes", "yes")),
    SETTINGS: ("instance settings, keys, payments", _row("no", "no", "no", "no", "yes")),
}

ScopeResolver = Callable[[web.Request], Awaitable[set[str]]]
ACCESS_ATTR = "__tunecamp_access__"
H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])


@dataclass(frozen=True)
class Access:
    permission: str
    scope: ScopeResolver | None = None  # the artist slugs a request is about, for "assigned" grants


def requires(permission: str, *, scope: ScopeResolver | None = None) -> Callable[[H], H]:
    """Declare the permission a route handler needs (read by `access_middleware`)."""
    if permission not in MATRIX:
        raise ValueError(f"unknown permission {permission!r}")
    if scope is None and "assigned" in MATRIX[permission][1].values():
        raise ValueError(f"{permission!r} is granted per artist: give the route a scope resolver")

    def mark(handler: H) -> H:
        setattr(handler, ACCESS_ATTR, Access(permission, scope))
        return handler

    return mark


def guarded(handler: Handler, permission: str) -> Handler:
    """`handler` as a new route handler needing `permission`.

    The declaration is an attribute of the function, so one handler that serves two routes
    under different permissions (one's own page and the managers' one) needs one wrapper each.
    """

    async def wrapper(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    return requires(permission)(wrapper)


PLAIN_FORM_ATTR = "__tunecamp_plain_form__"


def plain_form(handler: H) -> H:
    """Mark a POST route that pages of the static site post to, without a CSRF token.

    The static site cannot carry the session's CSRF token (the redeem box of a release page).
    A request to such a route that the dashboard cookie would sign in, but which has no valid CSRF
    token, is served as anonymous instead of refused: it can do nothing a stranger could not.
    """
    setattr(handler, PLAIN_FORM_ATTR, True)
    return handler


def takes_plain_forms(request: web.Request) -> bool:
    return bool(getattr(request.match_info.handler, PLAIN_FORM_ATTR, False))


def grant(permission: str, role: str | None) -> Grant:
    return MATRIX[permission][1][role or ANYONE]


def access_of(handler: object) -> Access | None:
    return getattr(handler, ACCESS_ATTR, None)


async def decide(request: web.Request, access: Access) -> web.HTTPException | None:
    """None when allowed, else the 401/403 to answer."""
    user = current_user(request)
    given = grant(access.permission, user.role if user else None)
    if given == "yes":
        return None
    if user is None:
        return http_error(401, "sign in first", **{"WWW-Authenticate": 'Bearer realm="tunecamp"'})
    if given == "assigned" and access.scope is not None:
        artists = await access.scope(request)
        if artists & set(user.artists):
            return None
        return http_error(403, f"{access.permission}: only for the artists assigned to you")
    return http_error(403, f"{access.permission}: not allowed for the {user.role} role")


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:  # 404/405 from the router: nothing to protect
        return await handler(request)
    access = access_of(match.handler)
    if access is None:  # check_routes makes this unreachable; fail closed all the same
        raise web.HTTPForbidden(text="route without an access declaration")
    refusal = await decide(request, access)
    if refusal is not None:
        if refusal.status == 401 and request.method == "GET" and request.path.startswith("/admin"):
            raise web.HTTPFound(f"/admin/login?next={quote(request.path_qs)}")  # a page, not an API
        raise refusal
    return await handler(request)


def route_table(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, path template, permission) of every route."""
    rows = []
    for route in app.router.routes():
        access = access_of(route.handler)
        info = route.resource.canonical if route.resource is not None else "?"
        rows.append((route.method, info, access.permission if access else "-"))
    return rows


def check_routes(app: web.Application) -> None:
    missing = [f"{m} {p}" for m, p, perm in route_table(app) if perm == "-"]
    if missing:
        raise RuntimeError(f"routes without @requires(...): {', '.join(missing)}")


def account_change_refusal(actor_role: str, target_role: str | None, new_role: str | None) -> str | None:
    """Why `actor_role` may not create/change/delete an account (None when it may).

    Only an Owner touches Owners: a Manager manages every account below Owner and cannot
    grant the Owner role. `target_role` is None for a new account, `new_role` None when
    the role is not being changed.
    """
    if actor_role == "owner":
        return None
    if grant(USERS_MANAGE, actor_role) != "yes":
        return f"the {actor_role} role does not manage accounts"
    if target_role == "owner":
        return "only an Owner can change or delete an Owner"
    if new_role == "owner":
        return "only an Owner can grant the Owner role"
    return None
