from __future__ import annotations

import json
import logging
import time

import aiohttp
import pytest
import uvloop
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from tunecamp.daemon.access_log import (
    ACCESS_LOGGER,
    AccessLogger,
    ConsoleFormatter,
    JsonFormatter,
    QuietPolls,
    configure_logging,
    timing_middleware,
)
from tunecamp.daemon.config import ConfigError, DaemonConfig


def _record(name: str, message: str, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, message, (), None)
    record.fields = fields
    return record


def test_json_lines_carry_the_request_fields() -> None:
    line = JsonFormatter().format(
        _record("tunecamp.access", "GET / 200", method="GET", path="/", status=200, ms=1.5)
    )
    data = json.loads(line)
    assert (data["method"], data["path"], data["status"], data["ms"]) == ("GET", "/", 200, 1.5)
    assert data["level"] == "info" and data["time"].endswith("Z") and "\n" not in line


def test_console_lines_are_short() -> None:
    access = _record("tunecamp.access", "GET / 200", method="GET", path="/x", status=404, ms=2.25)
    assert ConsoleFormatter().format(access).endswith("GET /x 404 2.25 ms")
    other = ConsoleFormatter().format(_record("tunecamp.builds", "build 3 ok"))
    assert other.endswith("info    build 3 ok")


def test_on_a_terminal_polls_that_went_fine_are_not_logged() -> None:
    quiet = QuietPolls()
    for path, status, shown in [
        ("/health", 200, False),
        ("/_tunecamp/events", 200, False),
        ("/health", 503, True),  # a failing health check is news
        ("/releases/x/", 200, True),
    ]:
        record = _record("tunecamp.access", "GET", method="GET", path=path, status=status, ms=1.0)
        assert quiet.filter(record) is shown, path
    assert quiet.filter(_record("tunecamp.builds", "build 3 ok"))


def test_the_setup_link_stands_whole_in_a_box() -> None:
    url = "http://127.0.0.1:8000/admin/setup?token=" + "x" * 64
    record = _record("tunecamp.onboarding", f"No account yet. Create the first Owner here:\n{url}\nor not")
    record.box = True
    text = ConsoleFormatter().format(record)
    assert any(line.strip("│ ") == url for line in text.splitlines())  # one line: clickable
    assert text.splitlines()[0].startswith("╭")


def test_log_format_setting() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    switches = logging.logThreads, logging.logProcesses, logging.logMultiprocessing, logging._srcfile
    try:
        configure_logging("info", "json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        configure_logging("info", "console")
        handler = root.handlers[0]
        assert isinstance(handler.formatter, ConsoleFormatter)
        assert any(isinstance(f, QuietPolls) for f in handler.filters)
        assert logging._srcfile is None and not logging.logThreads  # no caller or thread looked up
    finally:
        root.handlers[:], root.level = handlers, level
        logging.logThreads, logging.logProcesses, logging.logMultiprocessing, logging._srcfile = switches
    with pytest.raises(ConfigError, match="TUNECAMP_LOG_FORMAT"):
        DaemonConfig.from_env({"TUNECAMP_LOG_FORMAT": "xml"})


def test_under_uvloop_a_request_is_timed_to_the_microsecond(caplog: pytest.LogCaptureFixture) -> None:
    """uvloop's clock moves in whole milliseconds, once a loop turn: the duration aiohttp hands the
    access logger was 0.0 ms for any request answered within one turn."""

    async def busy(request: web.Request) -> web.Response:
        time.sleep(0.003)  # 3 ms of work without giving the loop a turn, as a CPU-bound call
        return web.Response(text="ok")

    async def serve_and_ask() -> None:
        app = web.Application(middlewares=[timing_middleware])
        app.router.add_get("/busy", busy)
        runner = web.AppRunner(app, access_log_class=AccessLogger, access_log=ACCESS_LOGGER)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(5):
                    async with session.get(f"http://127.0.0.1:{port}/busy") as response:
                        assert response.status == 200
        finally:
            await runner.cleanup()

    with caplog.at_level(logging.INFO, logger="tunecamp.access"):
        uvloop.run(serve_and_ask())
    ms = [r.fields["ms"] for r in caplog.records if r.name == "tunecamp.access"]
    assert len(ms) == 5
    assert all(3 <= m < 1000 for m in ms), ms
    assert any(m != int(m) for m in ms), ms  # not whole milliseconds


def test_a_request_refused_before_any_handler_keeps_aiohttps_duration() -> None:
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("tunecamp.test-access")
    logger.addHandler(handler := logging.Handler())
    handler.emit = records.append  # type: ignore[method-assign]
    logger.setLevel(logging.INFO)
    AccessLogger(logger, "").log(make_mocked_request("GET", "/x"), web.Response(status=400), 0.0123)
    assert records[0].fields["ms"] == 12.3  # type: ignore[attr-defined]
