"""Who is calling /rest: `u` with `p` (plain or enc:hex), `u` with token `t`+`s`, or `apiKey`.

The password these check is the user's Subsonic app password (app_passwords.py), never
the bcrypt account password. Failures count against the caller's address and the named
account with the login limiters (ratelimit.py); successes cost nothing there, since a
Subsonic app authenticates every single request. A successful check is remembered for a
few seconds (keyed by a hash of the exact credentials), so a busy app does not decrypt
and compare on every call; changing credentials through the daemon forgets them at once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tunecamp.daemon.app_passwords import CredentialError, PasswordBox, app_password, user_for_api_key
from tunecamp.daemon.keys import DB
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, client_address
from tunecamp.daemon.roles import DRAFTS_VIEW, LISTEN, grant
from tunecamp.daemon.subsonic_render import (
    CONFLICTING_AUTH,
    GENERIC,
    INVALID_API_KEY,
    MISSING_PARAMETER,
    NOT_AUTHORIZED,
    TOKEN_UNSUPPORTED,
    WRONG_CREDENTIALS,
    SubsonicError,
)
from tunecamp.daemon.users import User

CACHE_SECONDS = 5.0
CACHE_SIZE = 1000


@dataclass(frozen=True)
class Caller:
    user: User
    via: str  # password, token, apiKey

    @property
    def sees_drafts(self) -> bool:
        return grant(DRAFTS_VIEW, self.user.role) == "yes"


@dataclass
class AuthCache:
    entries: dict[str, tuple[Caller, float]] = field(default_factory=dict)

    def get(self, key: str) -> Caller | None:
        hit = self.entries.get(key)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, key: str, caller: Caller) -> None:
        if len(self.entries) >= CACHE_SIZE:
            now = time.monotonic()
            self.entries = {k: v for k, v in self.entries.items() if v[1] >= now}
            if len(self.entries) >= CACHE_SIZE:
                self.entries.clear()
        self.entries[key] = (caller, time.monotonic() + CACHE_SECONDS)

    def forget(self) -> None:
        self.entries.clear()


def decode_password(p: str) -> str | None:
    """`p` as sent: clear text, or "enc:" and the UTF-8 bytes in hex (either case)."""
    if p[:4].lower() != "enc:":
        return p
    try:
        return bytes.fromhex(p[4:]).decode("utf-8")
    except ValueError:
        return None


def token_matches(password: str, salt: str, token: str) -> bool:
    expected = hashlib.md5((password + salt).encode("utf-8")).hexdigest()  # the protocol's choice
    return hmac.compare_digest(expected, token.strip().lower())


def _cache_key(params: Any) -> str:
    parts = [str(params.get(k) or "") for k in ("apiKey", "u", "p", "t", "s")]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


async def authenticate(request: web.Request, params: Any, box: PasswordBox, cache: AuthCache) -> Caller:
    key = _cache_key(params)
    cached = cache.get(key)
    if cached is not None:
        return cached
    caller = await _check(request, params, box)
    if grant(LISTEN, caller.user.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, f"the {caller.user.role} role cannot listen")
    cache.put(key, caller)
    return caller


async def _check(request: web.Request, params: Any, box: PasswordBox) -> Caller:
    limits = request.app[LOGIN_LIMITS]
    address = client_address(request, limits.trust_proxy_hops)
    api_key, username = params.get("apiKey"), params.get("u")
    password, token, salt = params.get("p"), params.get("t"), params.get("s")
    db = request.app[DB]

    def refuse(code: int, message: str, account: str | None = None) -> SubsonicError:
        limits.by_address.hit(address)
        if account:
            limits.failed(account)
        return SubsonicError(code, message)

    if api_key is not None:
        if username is not None or password is not None or token is not None:
            raise SubsonicError(CONFLICTING_AUTH, "apiKey cannot be combined with u, p or t")
        _check_limits(limits, address, None)
        user = await db.run(lambda d: user_for_api_key(d, str(api_key)))
        if user is None:
            raise refuse(INVALID_API_KEY, "invalid API key")
        return Caller(user, "apiKey")

    if not username:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: u (or use apiKey)")
    if password is None and (token is None or salt is None):
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: p, or t and s")
    username = str(username)
    _check_limits(limits, address, username)
    found = await db.run(lambda d: app_password(d, username))
    if found is None:
        raise refuse(WRONG_CREDENTIALS, "wrong username or password", username)
    user, sealed = found
    if token is not None and salt is not None:
        if sealed is None:
            raise refuse(
                TOKEN_UNSUPPORTED,
                "token authentication is not supported for this user until they set a Subsonic "
                "password (or use an API key)",
                username,
            )
        secret = _open(box, user, sealed)
        if secret is None or not token_matches(secret, str(salt), str(token)):
            raise refuse(WRONG_CREDENTIALS, "wrong username or password", username)
        return Caller(user, "token")
    plain = decode_password(str(password))
    secret = _open(box, user, sealed) if sealed is not None else None
    if plain is None or secret is None or not hmac.compare_digest(plain.encode(), secret.encode()):
        message = "wrong username or password"
        if sealed is None:
            message += "; this user has no Subsonic password yet (set one in your settings)"
        raise refuse(WRONG_CREDENTIALS, message, username)
    return Caller(user, "password")


def _open(box: PasswordBox, user: User, sealed: str) -> str | None:
    try:
        return box.open(user.id, sealed)
    except CredentialError:
        return None


def _check_limits(limits: Any, address: str, account: str | None) -> None:
    wait = limits.by_address.peek(address)
    if account:
        wait = max(wait, limits.by_account.peek(account.lower()))
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise SubsonicError(
            GENERIC, f"too many failed sign-ins; try again in {seconds} s", {"Retry-After": str(seconds)}
        )
