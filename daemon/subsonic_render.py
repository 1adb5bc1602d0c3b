"""Subsonic responses: one tree of plain values, written as XML, JSON or JSONP.

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
import json
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

API_VERSION = "1.16.1"
SERVER_TYPE = "tunecamp"
NAMESPACE = "http://subsonic.org/restapi"
XML_TYPE = "text/xml"
JSON_TYPE = "application/json"
JSONP_TYPE = "application/javascript"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _envelope(status: str) -> dict[str, Any]:
    return {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": server_version(),
        "openSubsonic": True,
    }


# --- JSON ---------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value if v is not None]
    return value


def to_json(body: dict[str, Any], status: str = "ok") -> str:
    root = {**_envelope(status), **body}
    return json.dumps({"subsonic-response": _clean(root)}, ensure_ascii=False, separators=(",", ":"))


# --- XML ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return _XML_INVALID.sub("", str(value))


def _element(name: str, node: dict[str, Any], out: list[str]) -> None:
    attrs: list[str] = []
    children: list[tuple[str, Any]] = []
    text: str | None = None
    for key, value in node.items():
        if value is None:
            continue
        if key == "value" and not isinstance(value, dict | list):
            text = _text(value)
        elif isinstance(value, dict | list | tuple):
            children.append((key, value))
        else:
            attrs.append(f" {key}={quoteattr(_text(value))}")
    out.append(f"<{name}{''.join(attrs)}")
    if not children and text is None:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(escape(text))
    for key, value in children:
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, dict):
                _element(key, item, out)
            elif item is not None:
                out.append(f"<{key}>{escape(_text(item))}</{key}>")
    out.append(f"</{name}>")


def to_xml(body: dict[str, Any], status: str = "ok") -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    root = {**_envelope(status), **body}
    _element("subsonic-response", root, out)
    # the namespace goes on the root only; attributes added after the element name
    out[1] = out[1].replace("<subsonic-response", f'<subsonic-response xmlns="{NAMESPACE}"', 1)
    return "".join(out)


# --- responses ----------------------------------------------------------------------


def respond(
    body: dict[str, Any], fmt: Format, status: str = "ok", headers: dict[str, str] | None = None
) -> web.Response:
    if fmt.kind == "xml":
        return web.Response(
            text=to_xml(body, status), content_type=XML_TYPE, charset="utf-8", headers=headers
        )
    text = to_json(body, status)
    if fmt.kind == "jsonp":
        return web.Response(
            text=f"{fmt.callback}({text});", content_type=JSONP_TYPE, charset="utf-8", headers=headers
        )
    return web.Response(text=text, content_type=JSON_TYPE, charset="utf-8", headers=headers)


def error_response(error: SubsonicError, fmt: Format) -> web.Response:
    body = {"error": {"code": error.code, "message": error.message}}
    return respond(body, fmt, status="failed", headers=error.headers or None)
