"""Errors as clear 4xx/5xx answers: JSON for the API, never a bare 500 traceback.

Bad input is the client's problem and says what was wrong; an unexpected exception is
logged, sent to Sentry (when enabled) and answered as a short 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sentry_sdk
from aiohttp import web
from aiohttp.typedefs import Handler

from tunecamp.daemon.db import DatabaseUnavailable

log = logging.getLogger("tunecamp.daemon")


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status, headers=headers)


def wants_json(request: web.Request) -> bool:
    return request.path.startswith(("/api/", "/health")) or "application/json" in request.headers.get(
        "Accept", ""
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if not wants_json(request):
            if exc.content_type == "application/json":  # an API-style error met by a browser page
                message = json.loads(exc.text or "{}").get("error", exc.reason)
                return web.Response(
                    status=exc.status,
                    text=f"{exc.status} {exc.reason}: {message}\n",
                    headers={k: v for k, v in exc.headers.items() if k.lower() == "retry-after"},
                )
            raise
        if exc.content_type == "application/json":
            raise
        keep = ("retry-after", "allow", "www-authenticate", "location")
        headers = {k: v for k, v in exc.headers.items() if k.lower() in keep}
        text = exc.text or ""
        message = exc.reason if not text or text.startswith(f"{exc.status}:") else text
        return json_error(exc.status, message, headers)
    except DatabaseUnavailable as exc:
        return json_error(503, f"database unavailable: {exc}")
    except ConnectionResetError:  # the client hung up mid-response: nothing to answer, nothing to report
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        sentry_sdk.capture_exception()
        return json_error(500, "internal error; it has been logged")


def http_error(status: int, message: str, **headers: str) -> web.HTTPException:
    """An HTTP error with a JSON body naming what was wrong."""
    exc_class: type[web.HTTPException] = _ERRORS.get(status, web.HTTPBadRequest)
    return exc_class(
        text=json.dumps({"error": message, "status": status}),
        content_type="application/json",
        headers=headers or None,
    )


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    413: web.HTTPRequestEntityTooLarge,
    422: web.HTTPUnprocessableEntity,
    429: web.HTTPTooManyRequests,
    503: web.HTTPServiceUnavailable,
}


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body, or a 400 that says what is wrong with it."""
    if request.content_type != "application/json":
        raise http_error(400, "send a JSON body with Content-Type: application/json")
    raw = await request.read()  # over client_max_size: aiohttp answers 413
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise http_error(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise http_error(400, "expected a JSON object")
    return data


def text_field(data: dict[str, Any], key: str, *, max_length: int = 1024) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise http_error(400, f"{key!r}: a non-empty string is required")
    if len(value) > max_length:
        raise http_error(400, f"{key!r}: at most {max_length} characters")
    return value
