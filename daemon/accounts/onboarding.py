"""The first Owner, without a default password: a one-time setup link printed at first start.

While the instance has no account, each start prints a fresh link (valid a day, usable
once); opening it lets whoever runs the server choose the Owner's name and password.
`tunecamp user add NAME --role owner` does the same from a shell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from tunecamp.daemon.accounts.sessions import issue_token, set_session_cookie
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.bodies import read_form
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.html import render
from tunecamp.daemon.ratelimit import LOGIN_LIMITS
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.users import (
    User,
    UserError,
    check_password,
    check_username,
    count_users,
    create_user,
    hash_password,
)

log = logging.getLogger("tunecamp.setup")
TTL = 24 * 3600
SETUP_URL = web.AppKey("setup_url", str)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_setup_token(db: Database, now: float | None = None) -> str | None:
    """A fresh token (older unused ones are dropped), or None when accounts exist."""
    now = time.time() if now is None else now
    with db.atomic():
        if count_users(db):
            return None
        token = secrets.token_urlsafe(24)
        db.execute("DELETE FROM setup_tokens WHERE used_at IS NULL")
        db.execute(
            "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
            [_digest(token), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), now + TTL],
        )
    return token


def token_valid(db: Database, token: str, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    row = db.execute(
        "SELECT expires_at, used_at FROM setup_tokens WHERE token_hash = ?", [_digest(token)]
    ).fetchone()
    return bool(row) and row[1] is None and row[0] > now and count_users(db) == 0


def redeem(db: Database, token: str, username: str, password_hash: str) -> User:
    """Create the Owner and burn the token, in one transaction."""
    with db.atomic():
        if not token_valid(db, token):
            raise UserError("this setup link is used, expired or no longer needed")
        db.execute(
            "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ?",
            [dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), _digest(token)],
        )
        return create_user(db, username, password_hash, "owner")


async def announce(app: web.Application) -> None:
    """At start: print the setup link if the instance has no account yet."""
    try:
        token = await app[DB].run(new_setup_token)
    except Exception as exc:  # no database: /health says so, nothing to announce
        log.warning("no setup link: %s", exc)
        return
    if token:
        url = f"{app[CONFIG].url}/admin/setup?token={token}"
        app[SETUP_URL] = url
        log.warning(
            "No account yet. Create the first Owner here (valid 24 h, once):\n%s\n"
            "or run `tunecamp user add NAME --role owner`",
            url,
            extra={"box": True, "fields": {"setup_url": url}},
        )


def _page(request: web.Request, **context: Any) -> web.Response:
    return render(request, "accounts/setup.html", **context)


@requires(PUBLIC)
async def setup_form(request: web.Request) -> web.Response:
    token = request.query.get("token", "")
    valid = bool(token) and await request.app[DB].run(lambda db: token_valid(db, token))
    if not valid:
        raise http_error(404, "this setup link is used, expired or no longer needed")
    return _page(request, token=token, error=None, username="")


@requires(PUBLIC)
async def setup_submit(request: web.Request) -> web.StreamResponse:
    await request.app[LOGIN_LIMITS].check(request, None)
    form = await read_form(request)
    token, username = str(form.get("token", "")), str(form.get("username", "")).strip()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    try:
        check_username(username)
        check_password(password)
        if password != again:
            raise UserError("the two passwords differ")
    except UserError as exc:
        return _page(request, token=token, error=str(exc), username=username)
    hashed = await hash_password(password, request.app[CONFIG].bcrypt_rounds)
    try:
        user = await request.app[DB].run(lambda db: redeem(db, token, username, hashed))
    except UserError as exc:
        raise http_error(404, str(exc)) from None
    log.info("first Owner %s created through the setup link", user.username)
    response = web.HTTPSeeOther("/admin")
    set_session_cookie(response, request, issue_token(request.app, user)[0])
    raise response


def setup(app: web.Application) -> None:
    app.on_startup.append(announce)
    app.router.add_get("/admin/setup", setup_form)
    app.router.add_post("/admin/setup", setup_submit)
