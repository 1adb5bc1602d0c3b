from __future__ import annotations

import json
import logging

import pytest

from tunecamp.daemon.access_log import ConsoleFormatter, JsonFormatter, QuietPolls, configure_logging
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
    try:
        configure_logging("info", "json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        configure_logging("info", "console")
        handler = root.handlers[0]
        assert isinstance(handler.formatter, ConsoleFormatter)
        assert any(isinstance(f, QuietPolls) for f in handler.filters)
    finally:
        root.handlers[:], root.level = handlers, level
    with pytest.raises(ConfigError, match="TUNECAMP_LOG_FORMAT"):
        DaemonConfig.from_env({"TUNECAMP_LOG_FORMAT": "xml"})
