"""Subsonic responses: one tree of plain values, written as XML, JSON or JSONP (elements.py).

A response body is a dict: scalars are attributes (XML) or fields (JSON); a dict is one
child element; a list is repeated child elements (a JSON array, however many items, so a
one-item list is never collapsed into an object); a list of scalars is elements holding
text; the key "value" is an element's text. None is never written: unknown values are
left out, not sent as "" or 0. An empty dict is an empty container: `{}` in JSON.
Errors are answered with HTTP 200, in the format the client asked for.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tunecamp.daemon.subsonic.elements import json_text, xml_element

API_VERSION = "1.16.1"
SERVER_TYPE = "tunecamp"
NAMESPACE = "http://subsonic.org/restapi"
XML_TYPE = "text/xml"
JSON_TYPE = "application/json"
JSONP_TYPE = "application/javascript"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")


@functools.cache
def server_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tunecamp")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


# Error codes of the Subsonic API.
GENERIC = 0
MISSING_PARAMETER = 10
CLIENT_TOO_OLD = 20
SERVER_TOO_OLD = 30
WRONG_CREDENTIALS = 40
TOKEN_UNSUPPORTED = 41
AUTH_UNSUPPORTED = 42
CONFLICTING_AUTH = 43
INVALID_API_KEY = 44
NOT_AUTHORIZED = 50
NOT_FOUND = 70


class SubsonicError(Exception):
    """Answered as a Subsonic error body (HTTP 200) in the requested format."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Format:
    kind: str = "xml"  # xml, json, jsonp
    callback: str | None = None


def negotiate(params: Any) -> Format:
    """The response format from `f` (and `callback`); unknown formats get XML, as Subsonic does."""
    f = str(params.get("f") or "xml").lower()
    if f == "json":
        return Format("json")
    if f == "jsonp":
        callback = params.get("callback")
        if not callback or not _CALLBACK.match(str(callback)) or len(str(callback)) > 128:
            return Format("json")  # never echo an unsafe callback; the error below says why
        return Format("jsonp", str(callback))
    return Format("xml")


def jsonp_problem(params: Any) -> str | None:
    if str(params.get("f") or "").lower() != "jsonp":
        return None
    callback = params.get("callback")
    if not callback:
        return "f=jsonp needs a callback parameter"
    if not _CALLBACK.match(str(callback)) or len(str(callback)) > 128:
        return "callback must be a JavaScript identifier (letters, digits, _, $ and dots)"
    return None


def iso(value: str | dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and Z, as the original server writes dates."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _iso_text(value)
    return _iso(value)


@functools.lru_cache(maxsize=1 << 16)
def _iso_text(value: str) -> str | None:
    # the same stored dates (plays, stars, created) are written in answer after answer
    try:
        return _iso(dt.datetime.fromisoformat(value))
    except ValueError:
        return None


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


_ENVELOPE = frozenset(("status", "version", "type", "serverVersion", "openSubsonic"))


def _envelope(status: str) -> dict[str, Any]:
    return {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": server_version(),
        "openSubsonic": True,
    }


@functools.cache
def _json_head(status: str) -> str:
    """The answer up to the envelope's last member: the same in every answer of that status."""
    return '{"subsonic-response":' + json_text(_envelope(status))[:-1]


def to_json(body: dict[str, Any], status: str = "ok") -> str:
    # the envelope is written once, not merged into each body and written again (a twentieth of a
    # ping's CPU); a body naming one of its members overrides it, as the merge did
    if _ENVELOPE.isdisjoint(body):
        members = json_text(body)[1:-1]
        return f"{_json_head(status)},{members}}}}}" if members else f"{_json_head(status)}}}}}"
    return json_text({"subsonic-response": {**_envelope(status), **body}})


def to_xml(body: dict[str, Any], status: str = "ok") -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    # the namespace on the root only
    xml_element("subsonic-response", {"xmlns": NAMESPACE, **_envelope(status), **body}, out)
    return "".join(out)


# --- responses ----------------------------------------------------------------------


def respond(
    body: dict[str, Any], fmt: Format, status: str = "ok", headers: dict[str, str] | None = None
) -> web.Response:
    if fmt.kind == "xml":
        text, content_type = to_xml(body, status), XML_TYPE
    elif fmt.kind == "jsonp":
        text, content_type = f"{fmt.callback}({to_json(body, status)});", JSONP_TYPE
    else:
        text, content_type = to_json(body, status), JSON_TYPE
    # "replace": a file name with undecodable bytes must not turn an answer into a 500
    data = text.encode("utf-8", "replace")
    return web.Response(body=data, content_type=content_type, charset="utf-8", headers=headers)


def error_response(error: SubsonicError, fmt: Format) -> web.Response:
    body = {"error": {"code": error.code, "message": error.message}}
    return respond(body, fmt, status="failed", headers=error.headers or None)
