"""Logs as one JSON object per line: one per request (method, path, status, duration), and the rest.

Structured lines are what log shippers and `jq` read; a person at a terminal gets short lines
instead, without the polls that answer fine (the live preview's event stream, `/health`), and the
one-time setup link in a box that stays readable (`TUNECAMP_LOG_FORMAT`: auto, console or json).
The query string is left out of request lines because tokens and passwords travel in it
(Subsonic's `p=`, `t=`).
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from time import perf_counter
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from rich.console import Console
from rich.panel import Panel

from tunecamp.daemon.users import current_user


class JsonFormatter(logging.Formatter):
    # one line per request: the encoder is made once, and the time written once a second (a
    # quarter of an API call's CPU went to its access line)
    _encode = json.JSONEncoder(ensure_ascii=False).encode
    _second = -1
    _stamp = ""

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            self._second = second
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encode(line)


class ConsoleFormatter(logging.Formatter):
    """The same fields as key=value, for a person watching a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        if getattr(record, "box", False):
            return boxed(record.getMessage())
        if record.name == "tunecamp.access":
            line = f"{stamp} {fields['method']} {fields['path']} {fields['status']} {fields['ms']} ms"
        else:
            extra = " ".join(f"{k}={v}" for k, v in fields.items())
            line = f"{stamp} {record.levelname.lower():7} {record.getMessage()}" + (
                f" {extra}" if extra else ""
            )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def boxed(text: str) -> str:
    """`text` framed, each line kept whole (a link broken over two lines cannot be clicked)."""
    width = max(len(line) for line in text.splitlines()) + 4
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=False, highlight=False).print(Panel(text, expand=False))
    return out.getvalue().rstrip("\n")


class QuietPolls(logging.Filter):
    """On a terminal, the requests that come back every few seconds by themselves and went fine."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record, "fields", {})
        if record.name != "tunecamp.access" or fields.get("status", 500) >= 400:
            return True
        return not str(fields.get("path", "")).startswith(QUIET_PATHS)


QUIET_PATHS = ("/health", "/_tunecamp/")


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """JSON lines for log collectors; short lines when a person watches the terminal."""
    # No line we write names the thread, the process or the calling line: not looking them up
    # for every record is a third of an access line's cost (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "console" or (fmt == "auto" and sys.stderr.isatty()):
        handler.setFormatter(ConsoleFormatter())
        handler.addFilter(QuietPolls())
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # ours replaces it


STARTED = web.RequestKey("started", float)


@web.middleware
async def timing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: when the daemon took the request up, for the access line's `ms`.

    aiohttp's own duration reads the event loop's clock, which uvloop keeps in whole milliseconds
    and moves once a loop turn: most API calls were logged as taking 0.0 ms."""
    request[STARTED] = perf_counter()
    return await handler(request)


class AccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        started = request.get(STARTED)
        seconds = perf_counter() - started if started is not None else time  # refused before any handler
        user = current_user(request) if isinstance(request, web.Request) else None
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "ms": round(seconds * 1000, 2),
            "remote": request.remote,
        }
        if user is not None:
            fields["user_id"] = user.id
        self.logger.info("%s %s %s", request.method, request.path, response.status, extra={"fields": fields})

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


ACCESS_LOGGER = logging.getLogger("tunecamp.access")
