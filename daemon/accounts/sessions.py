"""Sessions: who is calling (Bearer token or the dashboard's cookie), and signing in.

API clients send `Authorization: Bearer <token>`. The dashboard keeps the same token in
an HttpOnly SameSite=Strict cookie; because a browser sends cookies by itself, a request
that changes something and is authenticated by the cookie must also carry the session's
CSRF token (form field `csrf` or header `X-CSRF-Token`) and, when the browser sends an
Origin, come from this site. Bearer requests need neither: no browser adds them unasked. `create_app` installs the middleware
and the signer for every app, whatever features it composes; the routes that sign in are the
API's (api.py) and the dashboard's pages (pages.py).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from tunecamp.daemon.accounts.tokens import Claims, InvalidToken, Signer
from tunecamp.daemon.appkeys import CONFIG, DB, SECRET
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.grants import looks_like_grant
from tunecamp.daemon.ratelimit import LOGIN_LIMITS
from tunecamp.daemon.roles import takes_plain_forms
from tunecamp.daemon.users import User, credentials, current_user, get_user, set_current_user, verify_password

COOKIE = "tunecamp_session"
DEVICE_COOKIE = "tunecamp_device"
DEVICE_TTL = 180 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CLAIMS_KEY = web.RequestKey("claims", Claims)


SIGNER = web.AppKey("signer", Signer)


async def signer_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SIGNER] = Signer(app[SECRET].value)
    yield


def current_claims(request: web.Request) -> Claims | None:
    claims = request.get(_CLAIMS_KEY)
    return claims if isinstance(claims, Claims) else None


async def authenticate(app: web.Application, token: str) -> tuple[User, Claims]:
    claims = app[SIGNER].verify(token)
    user = await app[DB].run(lambda db: get_user(db, claims.user_id))
    if user is None or user.token_generation != claims.generation:
        raise InvalidToken("the token has been revoked; sign in again")
    return user, claims


def issue_token(app: web.Application, user: User) -> tuple[str, int]:
    ttl = app[CONFIG].token_ttl
    now = int(time.time())
    return app[SIGNER].issue(user.id, user.token_generation, ttl, now), now + ttl


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    set_current_user(request, None)
    if request.path.startswith("/rest/"):
        # Subsonic apps sign in with their own parameters (subsonic/auth.py); a proxy's Basic
        # auth header or the dashboard's cookie must not turn their calls into 401/403 pages
        return await handler(request)
    if request.path == "/health":  # needs no caller: no credential, however broken, may fail it
        return await handler(request)
    header = request.headers.get("Authorization")
    if header is not None and looks_like_grant(header.partition(" ")[2].strip()):
        return await handler(request)  # a download grant, checked by the download routes (grants.py)
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise http_error(401, "use Authorization: Bearer <token>")
        try:
            user, claims = await authenticate(request.app, token.strip())
        except InvalidToken as exc:
            raise http_error(401, str(exc), **{"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    elif cookie := request.cookies.get(COOKIE):
        try:
            user, claims = await authenticate(request.app, cookie)
        except InvalidToken:
            return await handler(request)  # a stale cookie is just being signed out
        if request.method not in SAFE_METHODS:
            try:
                await _check_csrf(request, claims)
            except web.HTTPForbidden:
                if not takes_plain_forms(request):
                    raise
                return await handler(request)  # a static page's form: served as anonymous (roles.plain_form)
    else:
        return await handler(request)
    set_current_user(request, user)
    request[_CLAIMS_KEY] = claims
    return await handler(request)


async def _check_csrf(request: web.Request, claims: Claims) -> None:
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        config_url = request.app[CONFIG].url
        if origin != config_url:
            raise http_error(403, "cross-site request refused")
    candidate = request.headers.get("X-CSRF-Token")
    if candidate is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await read_form(request)  # cached: the handler can read it again
        value = form.get("csrf")
        candidate = value if isinstance(value, str) else None
    if not candidate or not request.app[SIGNER].check_csrf(claims.token_id, candidate):
        raise http_error(403, "missing or wrong CSRF token; reload the page")


def csrf_token(request: web.Request) -> str:
    claims = current_claims(request)
    return request.app[SIGNER].csrf_token(claims.token_id) if claims else ""


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    config = request.app[CONFIG]
    response.set_cookie(
        COOKIE,
        token,
        max_age=config.token_ttl,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=config.url.startswith("https://"),
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


def sign_in_proof(request: web.Request, username: str) -> str | None:
    """How this client proved itself for `username`, if it did: a session of it, or a known device."""
    user, claims = current_user(request), current_claims(request)
    if user is not None and claims is not None and user.username.lower() == username.lower():
        return f"session:{claims.token_id}"
    mark = request.cookies.get(DEVICE_COOKIE)
    device = request.app[SIGNER].known_device(username, mark) if mark else None
    return f"device:{device}" if device else None


def remember_device(response: web.StreamResponse, request: web.Request, user: User) -> None:
    """After a successful sign-in, this browser is a known device of the account (ratelimit.py)."""
    signer = request.app[SIGNER]
    mark = request.cookies.get(DEVICE_COOKIE)
    if mark and signer.known_device(user.username, mark):
        return
    response.set_cookie(
        DEVICE_COOKIE,
        signer.device_mark(user.username, secrets.token_urlsafe(12)),
        max_age=DEVICE_TTL,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG].url.startswith("https://"),
    )


async def check_login(request: web.Request, username: str, password: str) -> User:
    """The user for these credentials, or a 401/429; rate-limited as ratelimit.py explains."""
    limits = request.app[LOGIN_LIMITS]
    proof = sign_in_proof(request, username)
    await limits.check(request, username, proof)
    await limits.slow_down(username, proof)
    rounds = request.app[CONFIG].bcrypt_rounds
    found = await request.app[DB].run(lambda db: credentials(db, username))
    ok = await verify_password(password, found[1] if found else None, rounds)
    if not ok or found is None:
        await limits.failed(request, username, proof)
        raise http_error(401, "wrong username or password")
    return found[0]
