"""Signing in: who is calling (Bearer token or the dashboard's cookie), and /api/auth/*.

API clients send `Authorization: Bearer <token>`. The dashboard keeps the same token in
an HttpOnly SameSite=Strict cookie; because a browser sends cookies by itself, a request
that changes something and is authenticated by the cookie must also carry the session's
CSRF token (form field `csrf` or header `X-CSRF-Token`) and, when the browser sends an
Origin, come from this site. Bearer requests need neither: no browser adds them unasked.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from tunecamp.daemon.bodies import read_form, read_json
from tunecamp.daemon.errors import http_error, text_field
from tunecamp.daemon.keys import CONFIG, DB
from tunecamp.daemon.ratelimit import LOGIN_LIMITS
from tunecamp.daemon.roles import ACCOUNT, PUBLIC, requires
from tunecamp.daemon.tokens import Claims, InvalidToken, Signer
from tunecamp.daemon.users import (
    User,
    UserError,
    check_password,
    credentials,
    current_user,
    get_user,
    hash_password,
    revoke_tokens,
    set_current_user,
    set_password_hash,
    verify_password,
)

COOKIE = "tunecamp_session"
DEVICE_COOKIE = "tunecamp_device"
DEVICE_TTL = 180 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CLAIMS_KEY = web.RequestKey("claims", Claims)


@dataclass(frozen=True)
class Auth:
    signer: Signer
    secret_source: str  # environment, file or generated


AUTH = web.AppKey("auth", Auth)


def current_claims(request: web.Request) -> Claims | None:
    claims = request.get(_CLAIMS_KEY)
    return claims if isinstance(claims, Claims) else None


async def authenticate(app: web.Application, token: str) -> tuple[User, Claims]:
    claims = app[AUTH].signer.verify(token)
    user = await app[DB].run(lambda db: get_user(db, claims.user_id))
    if user is None or user.token_generation != claims.generation:
        raise InvalidToken("the token has been revoked; sign in again")
    return user, claims


def issue_token(app: web.Application, user: User) -> tuple[str, int]:
    ttl = app[CONFIG].token_ttl
    now = int(time.time())
    return app[AUTH].signer.issue(user.id, user.token_generation, ttl, now), now + ttl


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    set_current_user(request, None)
    if request.path.startswith("/rest/"):
        # Subsonic apps sign in with their own parameters (subsonic_auth.py); a proxy's Basic
        # auth header or the dashboard's cookie must not turn their calls into 401/403 pages
        return await handler(request)
    if request.path == "/health":  # needs no caller: no credential, however broken, may fail it
        return await handler(request)
    header = request.headers.get("Authorization")
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
            await _check_csrf(request, claims)
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
    if not candidate or not request.app[AUTH].signer.check_csrf(claims.token_id, candidate):
        raise http_error(403, "missing or wrong CSRF token; reload the page")


def csrf_token(request: web.Request) -> str:
    claims = current_claims(request)
    return request.app[AUTH].signer.csrf_token(claims.token_id) if claims else ""


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
    device = request.app[AUTH].signer.known_device(username, mark) if mark else None
    return f"device:{device}" if device else None


def remember_device(response: web.StreamResponse, request: web.Request, user: User) -> None:
    """After a successful sign-in, this browser is a known device of the account (ratelimit.py)."""
    signer = request.app[AUTH].signer
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
    limits.check(request, username, proof)
    await limits.slow_down(username, proof)
    rounds = request.app[CONFIG].bcrypt_rounds
    found = await request.app[DB].run(lambda db: credentials(db, username))
    ok = await verify_password(password, found[1] if found else None, rounds)
    if not ok or found is None:
        limits.failed(request, username, proof)
        raise http_error(401, "wrong username or password")
    return found[0]


def _me(request: web.Request) -> User:
    user = current_user(request)
    assert user is not None  # the route's permission requires one
    return user


def token_body(request: web.Request, user: User) -> dict[str, Any]:
    token, expires = issue_token(request.app, user)
    return {"token": token, "token_type": "Bearer", "expires_at": expires, "user": user.as_json()}


@requires(PUBLIC)
async def login(request: web.Request) -> web.Response:
    data = await read_json(request)
    user = await check_login(
        request, text_field(data, "username", max_length=64), text_field(data, "password", max_length=1024)
    )
    response = web.json_response(token_body(request, user))
    remember_device(response, request, user)
    return response


@requires(ACCOUNT)
async def me(request: web.Request) -> web.Response:
    return web.json_response({"user": _me(request).as_json()})


@requires(ACCOUNT)
async def logout_all(request: web.Request) -> web.Response:
    user = _me(request)
    await request.app[DB].run(lambda db: revoke_tokens(db, user.id))
    response = web.json_response({"ok": True, "revoked": "every token of this account"})
    clear_session_cookie(response)
    return response


@requires(ACCOUNT)
async def change_password(request: web.Request) -> web.Response:
    user = _me(request)
    data = await read_json(request)
    current, new = text_field(data, "current_password"), text_field(data, "new_password")
    await check_login(request, user.username, current)
    try:
        check_password(new)
    except UserError as exc:
        raise http_error(400, f"new_password: {exc}") from None
    hashed = await hash_password(new, request.app[CONFIG].bcrypt_rounds)
    await request.app[DB].run(lambda db: set_password_hash(db, user.id, hashed))
    fresh = await request.app[DB].run(lambda db: get_user(db, user.id))
    assert fresh is not None
    return web.json_response(token_body(request, fresh))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/auth/login", login)
    app.router.add_get("/api/auth/me", me)
    app.router.add_post("/api/auth/logout-all", logout_all)
    app.router.add_post("/api/auth/password", change_password)
