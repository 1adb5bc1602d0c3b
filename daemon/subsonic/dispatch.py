"""The Subsonic/OpenSubsonic API under /rest: routing, parameters, auth and errors.

`/rest/getAlbum` and `/rest/getAlbum.view`, GET or form POST (the `formPost` extension;
the query string and the form are merged). Whatever goes wrong, the answer is a Subsonic
response in the format the client asked for (XML unless `f=json`/`jsonp`) with HTTP 200:
apps show an error body, but treat a 404 or a plain-text 500 as the server being down.
Spec endpoints this server does not implement answer error 0, unknown names error 70.
"""

from __future__ import annotations

import logging
from typing import Any

import sentry_sdk
from aiohttp import web

from tunecamp.daemon.bodies import MalformedBody, read_form
from tunecamp.daemon.db import DatabaseUnavailable
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.subsonic.auth import authenticate
from tunecamp.daemon.subsonic.call import SUBSONIC, Call, merge_params
from tunecamp.daemon.subsonic.endpoints import ENDPOINTS, SPEC_ENDPOINTS
from tunecamp.daemon.subsonic.render import (
    GENERIC,
    MISSING_PARAMETER,
    NOT_FOUND,
    SubsonicError,
    error_response,
    jsonp_problem,
    negotiate,
    respond,
)
from tunecamp.daemon.users import set_current_user

log = logging.getLogger("tunecamp.subsonic")


def endpoint_name(raw: str) -> str:
    return raw[: -len(".view")] if raw.endswith(".view") else raw


async def _params(request: web.Request) -> Any:
    form = None
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            form = await read_form(request)
        except MalformedBody as exc:
            raise SubsonicError(GENERIC, str(exc)) from None
    return merge_params(request.query, form)


@requires(PUBLIC)  # the caller is checked here, from the Subsonic parameters (auth.py)
async def dispatch(request: web.Request) -> web.StreamResponse:
    fmt = negotiate(request.query)  # until the form is read (it may be what fails)
    try:
        params = await _params(request)
        fmt = negotiate(params)
        if problem := jsonp_problem(params):
            raise SubsonicError(MISSING_PARAMETER, problem)
        name = endpoint_name(request.match_info["name"])
        endpoint = ENDPOINTS.get(name)
        if endpoint is None:
            if name in SPEC_ENDPOINTS:
                raise SubsonicError(GENERIC, f"{name} is not implemented by this server")
            raise SubsonicError(NOT_FOUND, f"unknown endpoint {name[:64]!r}")
        state = request.app[SUBSONIC]
        caller = await authenticate(request, params, state.box, state.auth_cache) if endpoint.auth else None
        if caller is not None:
            set_current_user(request, caller.user)  # for the access line's user_id
        result = await endpoint.handler(Call(request, params, fmt, caller, state))
        if isinstance(result, web.StreamResponse):
            return result
        return respond(result, fmt)
    except SubsonicError as exc:
        return error_response(exc, fmt)
    except DatabaseUnavailable as exc:
        return error_response(SubsonicError(GENERIC, f"database unavailable: {exc}"), fmt)
    except web.HTTPException as exc:  # e.g. a form body over the size limit
        return error_response(SubsonicError(GENERIC, f"{exc.status} {exc.reason}"), fmt)
    except (ConnectionResetError, ConnectionError):
        raise
    except Exception:
        log.exception("Subsonic %s failed", request.path)
        sentry_sdk.capture_exception()
        return error_response(SubsonicError(GENERIC, "internal error; it has been logged"), fmt)
