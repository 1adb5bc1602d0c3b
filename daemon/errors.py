"""Errors as clear 4xx/5xx answers: JSON for the API, never a bare 500 traceback.

Bad input is the client's problem and says what was wrong: a body that cannot be decoded
(bodies.py) is a 400, a name in the URL too long for the file system a 414. An unexpected
exception is logged, sent to Sentry (when enabled) and answered as a short 500.
"""

from __future__ import annotations

import errno
import json
import logging
from typing import Any

import sentry_sdk
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from tunecamp.daemon.bodies import MalformedBody
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
        return _error_answer(request, exc)
    except MalformedBody as exc:
        return _error_answer(request, http_error(400, str(exc)))
    except DatabaseUnavailable as exc:
        return json_error(503, f"database unavailable: {exc}")
    except ConnectionResetError:  # the client hung up mid-response: nothing to answer, nothing to report
        raise
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
            # a file name taken from the URL is longer than the file system allows: no such file
            # can exist, and the request (not the server) is at fault
            return _error_answer(request, http_error(414, "a name in the path is too long"))
        log.exception("unhandled error on %s %s", request.method, request.path)
        sentry_sdk.capture_exception()
        return json_error(500, "internal error; it has been logged")


def _error_answer(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    if not wants_json(request):
        if exc.content_type == "application/json":  # an API-style error met by a browser page
            message = json.loads(exc.text or "{}").get("error", exc.reason)
            return web.Response(
                status=exc.status,
                text=f"{exc.status} {exc.reason}: {message}\n",
                headers={k: v for k, v in exc.headers.items() if k.lower() == "retry-after"},
            )
        raise exc
    if exc.content_type == "application/json":
        raise exc
    keep = ("retry-after", "allow", "www-authenticate", "location")
    headers = {k: v for k, v in exc.headers.items() if k.lower() in keep}
    text = exc.text or ""
    message = exc.reason if not text or text.startswith(f"{exc.status}:") else text
    return json_error(exc.status, message, headers)


class ProtocolLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's connection logger, but a request it could not parse is one INFO line.

    aiohttp answers such a request (a bad Content-Length, bytes not allowed in a path) with
    a 400 itself, and would log an ERROR with its parser's traceback: noise on any server
    that internet scanners reach, and not a fault of ours.
    """

    def log(self, level: int, msg: object, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        if isinstance(exc_info, HttpProcessingError):
            level, msg, args = logging.INFO, f"{msg}: malformed request: %s", (*args, exc_info.message)
            exc_info = None
        super().log(level, msg, *args, exc_info=exc_info, **kwargs)


def protocol_log() -> ProtocolLog:
    return ProtocolLog(logging.getLogger("aiohttp.server"))


def http_error(status: int, message: str, **headers: str) -> web.HTTPException:
    """An HTTP error with a JSON body naming what was wrong."""
    text = json.dumps({"error": message, "status": status})
    if status == 413:  # aiohttp's 413 insists on the sizes, which only its default text (replaced) shows
        return web.HTTPRequestEntityTooLarge(
            0, 0, text=text, content_type="application/json", headers=headers or None
        )
    exc_class: type[web.HTTPException] = _ERRORS.get(status, web.HTTPBadRequest)
    return exc_class(text=text, content_type="application/json", headers=headers or None)


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    413: web.HTTPRequestEntityTooLarge,
    414: web.HTTPRequestURITooLong,
    421: web.HTTPMisdirectedRequest,  # live: a broadcast that runs on another daemon process
    422: web.HTTPUnprocessableEntity,
    429: web.HTTPTooManyRequests,
    503: web.HTTPServiceUnavailable,
}


def text_field(data: dict[str, Any], key: str, *, max_length: int = 1024) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise http_error(400, f"{key!r}: a non-empty string is required")
    if len(value) > max_length:
        raise http_error(400, f"{key!r}: at most {max_length} characters")
    return value
