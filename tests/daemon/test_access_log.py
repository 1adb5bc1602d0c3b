from __future__ import annotations

import json
import logging

from tunecamp.daemon.access_log import ConsoleFormatter, JsonFormatter


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
