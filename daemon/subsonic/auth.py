"""Who is calling /rest: `u` with `p` (plain or enc:hex), `u` with token `t`+`s`, or `apiKey`.

The password these check is the user's Subsonic app password (credentials.py), never
the bcrypt account password. Failures count against the caller's address, and against the
named account at that address, with the login limiters (ratelimit.py); successes cost
nothing there, since a Subsonic app authenticates every single request, and they prove the
credentials and the account at that address, which then skip the limits others filled.
A successful check is remembered for a few seconds (keyed by a hash of the exact
credentials), so a busy app does not decrypt and compare on every call; the opened app password
is remembered for 30 s by username, so an app that sends a fresh salt each time (as it should)
costs an MD5 and no trip to the database thread. Changing credentials through the daemon forgets
both at once.

An unknown user, a user without a Subsonic password and a wrong password get the same
error 40 and message, after the same work (a decryption that fails), so the answers tell
nobody which accounts exist.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.ratelimit import LOGIN_LIMITS, LoginLimits, retry_after
from tunecamp.daemon.roles import DRAFTS_VIEW, LISTEN, grant
from tunecamp.daemon.subsonic.credentials import CredentialError, PasswordBox, app_password, user_for_api_key
from tunecamp.daemon.subsonic.render import (
    CONFLICTING_AUTH,
    GENERIC,
    INVALID_API_KEY,
    MISSING_PARAMETER,
    NOT_AUTHORIZED,
    WRONG_CREDENTIALS,
    SubsonicError,
)
from tunecamp.daemon.users import User

CACHE_SECONDS = 5.0
SECRET_SECONDS = 30.0  # a change made elsewhere (the CLI, a role) shows within this
CACHE_SIZE = 1000
WRONG = (
    "wrong username or password (apps sign in with the account's Subsonic password, "
    "set under Subsonic & apps in the dashboard, or with an API key)"
)
# Well-formed, the size of a sealed password, and sealed by no key: opening it costs what opening
# a real one does, for the users that have none (and the names that are no user).
_NOTHING_SEALED = "v1:" + "A" * 64


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
    # username -> (user, opened app password, until): an app sending a fresh salt with every
    # request (as the Subsonic docs ask) misses `entries` every time, and would otherwise wait
    # for the database thread and open the sealed password on each call
    secrets: dict[str, tuple[User, str, float]] = field(default_factory=dict)

    def secret(self, username: str) -> tuple[User, str] | None:
        hit = self.secrets.get(username)
        if hit is None or hit[2] < time.monotonic():
            return None
        return hit[0], hit[1]

    def put_secret(self, username: str, user: User, secret: str) -> None:
        if len(self.secrets) >= CACHE_SIZE:
            self.secrets.clear()
        self.secrets[username] = (user, secret, time.monotonic() + SECRET_SECONDS)

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
        self.secrets.clear()


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
    candidate = token.strip().lower()
    # compare_digest raises TypeError on non-ASCII text, and a token is hex
    return candidate.isascii() and hmac.compare_digest(expected, candidate)


def _cache_key(params: Any) -> str:
    parts = [str(params.get(k) or "") for k in ("apiKey", "u", "p", "t", "s")]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


async def authenticate(request: web.Request, params: Any, box: PasswordBox, cache: AuthCache) -> Caller:
    key = _cache_key(params)
    cached = cache.get(key)
    if cached is not None:
        return cached
    caller = await _check(request, params, box, key, cache)
    if grant(LISTEN, caller.user.role) != "yes":
        raise SubsonicError(NOT_AUTHORIZED, f"the {caller.user.role} role cannot listen")
    cache.put(key, caller)
    return caller


async def _check(
    request: web.Request, params: Any, box: PasswordBox, credential: str, cache: AuthCache
) -> Caller:
    limits = request.app[LOGIN_LIMITS]
    address = limits.address(request)
    api_key, username = params.get("apiKey"), params.get("u")
    password, token, salt = params.get("p"), params.get("t"), params.get("s")
    db = request.app[DB]

    async def refuse(code: int, message: str, account: str | None = None) -> SubsonicError:
        await limits.app_failed(address, account, credential)
        return SubsonicError(code, message)

    if api_key is not None:
        if username is not None or password is not None or token is not None:
            raise SubsonicError(CONFLICTING_AUTH, "apiKey cannot be combined with u, p or t")
        await _wait(limits, address, None, credential)
        keyed = await db.run(lambda d: user_for_api_key(d, str(api_key)))
        if keyed is None:
            raise await refuse(INVALID_API_KEY, "invalid API key")
        await limits.app_proved(address, keyed.username, credential)
        return Caller(keyed, "apiKey")

    if not username:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: u (or use apiKey)")
    if password is None and (token is None or salt is None):
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: p, or t and s")
    username = str(username)
    await _wait(limits, address, username, credential)
    opened = cache.secret(username)
    secret: str | None
    user: User | None
    if opened is not None:
        user, secret = opened
    else:
        found = await db.run(lambda d: app_password(d, username))
        user, sealed = found if found is not None else (None, None)
        secret = _open(box, user.id if user else 0, sealed or _NOTHING_SEALED)
    if token is not None and salt is not None:
        ok = token_matches(secret or "", str(salt), str(token))
        via = "token"
    else:
        plain = decode_password(str(password))
        ok = plain is not None and hmac.compare_digest(plain.encode(), (secret or "").encode())
        via = "password"
    if user is None or secret is None or not ok:
        raise await refuse(WRONG_CREDENTIALS, WRONG, username)
    await limits.app_proved(address, username, credential)
    cache.put_secret(username, user, secret)
    return Caller(user, via)


def _open(box: PasswordBox, user_id: int, sealed: str) -> str | None:
    try:
        return box.open(user_id, sealed)
    except CredentialError:
        return None


async def _wait(limits: LoginLimits, address: str, account: str | None, credential: str) -> None:
    wait = await limits.app_wait(address, account, credential)
    if wait > 0:
        seconds = retry_after(wait)
        raise SubsonicError(
            GENERIC, f"too many failed sign-ins; try again in {seconds} s", {"Retry-After": str(seconds)}
        )
