"""Sentry, opt-in through SENTRY_DSN, for the daemon, its build worker and the CLI.

Nothing personal leaves the machine: `send_default_pii=False`, and `scrub` drops the
addresses, cookies, query strings and request bodies Sentry could still see, and every
value whose key looks like a secret (password, token, secret, authorization...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, cast

SENSITIVE = re.compile(
    r"pass|token|secret|auth|cookie|csrf|session|dsn|api.?key|salt|signature|email", re.IGNORECASE
)
FILTERED = "[Filtered]"


def _scrub_value(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, Mapping):
        return {
            k: FILTERED if isinstance(k, str) and SENSITIVE.search(k) else _scrub_value(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(v, depth + 1) for v in value]
    return value


def scrub(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """The event without personal data; used as Sentry's `before_send`."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    event.pop("server_name", None)
    clean: dict[str, Any] = _scrub_value(event)
    return clean


def _no_pii() -> dict[str, Any]:
    """send_default_pii=False, or its replacement `data_collection` on SDKs that deprecate it."""
    import inspect

    from sentry_sdk.consts import ClientConstructor

    if "data_collection" in inspect.signature(ClientConstructor.__init__).parameters:
        return {"data_collection": {"user_info": False, "http_bodies": [], "stack_frame_variables": False}}
    return {"send_default_pii": False}


def init_sentry(dsn: str | None, component: str) -> bool:
    """Start Sentry when a DSN is given; True when it did."""
    if not dsn:
        return False
    import sentry_sdk

    try:
        release = f"tunecamp@{version('tunecamp')}"
    except PackageNotFoundError:
        release = None
    sentry_sdk.init(
        dsn=dsn,
        before_send=cast(Any, scrub),
        release=release,
        traces_sample_rate=0.0,
        server_name="",
        include_local_variables=False,  # locals hold passwords and tokens in forms we cannot scrub by key
        **_no_pii(),
    )
    sentry_sdk.set_tag("component", component)
    return True
