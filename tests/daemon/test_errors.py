from __future__ import annotations

import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from tunecamp.daemon.errors import _ERRORS, error_middleware, http_error


async def test_a_client_hanging_up_is_not_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise ConnectionResetError("Cannot write to closing transport")

    with caplog.at_level(logging.ERROR), pytest.raises(ConnectionResetError):
        await error_middleware(make_mocked_request("GET", "/rest/stream"), handler)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_real_bug_is_logged_and_answered_500(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR):
        response = await error_middleware(make_mocked_request("GET", "/api/x"), handler)
    assert response.status == 500
    assert any("unhandled error on GET /api/x" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("status", sorted(_ERRORS))
def test_every_status_it_knows_makes_a_json_error(status: int) -> None:
    exc = http_error(status, "what was wrong", **{"Retry-After": "3"})
    assert exc.status == status and exc.headers["Retry-After"] == "3"
    assert exc.text is not None and json.loads(exc.text) == {"error": "what was wrong", "status": status}
