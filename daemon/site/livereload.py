"""Live reload for the preview server: pages follow the rebuilds, broken builds show why.

While the daemon watches content/ (`TUNECAMP_WATCH`, and `TUNECAMP_LIVE_RELOAD`), every
HTML page served from public/ gets a small script as it is served (the files on disk stay
as built). The script listens to a server-sent event stream: after a published build the
page re-renders itself; after a failed one it shows an overlay naming the file and key of
each error, while the server goes on serving the last good site.

The stream is public, so it carries only the build status and the problems' messages,
with paths made relative to the content folder. Nothing of it exists when not watching.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.site.manager import MANAGER
from tunecamp.daemon.site.public import PAGE_FILTER
from tunecamp.daemon.site.runs import BuildRun

log = logging.getLogger("tunecamp.livereload")

EVENTS_PATH = "/_tunecamp/events"
SCRIPT_PATH = "/_tunecamp/livereload.js"
HEARTBEAT = 15.0  # seconds; proxies close streams that stay silent for long (nginx: 60 s)
POLL = 1.0  # how often a quiet stream checks that its client is still there
MAX_CLIENTS = 200
MAX_PROBLEMS = 50
MAX_QUEUED = 8  # a client that stops reading keeps only its latest messages
RETRY_MS = 1000  # how soon EventSource reconnects after the daemon went away

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)


def enabled(config: DaemonConfig) -> bool:
    return config.watch and config.live_reload


def script_tag(version: int) -> bytes:
    return (
        f'<script src="{SCRIPT_PATH}" data-events="{EVENTS_PATH}" data-version="{version}" defer></script>'
    ).encode()


def inject(html: bytes, tag: bytes) -> bytes:
    """`html` with `tag` before its last </body> (or </html>), else at its end."""
    for closing in (_BODY_END, _HTML_END):
        ends = [m.start() for m in closing.finditer(html)]
        if ends:
            return html[: ends[-1]] + tag + html[ends[-1] :]
    return html + tag


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _relative(text: str, root: str) -> str:
    return text.replace(root + "/", "").replace(root, ".")


def page_problems(run: BuildRun, content_dir: Path) -> list[dict[str, str | None]]:
    """The errors of a failed build as the page shows them: no absolute paths of the server."""
    root = str(content_dir.resolve())
    problems: list[dict[str, str | None]] = []
    for p in run.problems:
        if p.get("level") != "error":
            continue
        path = str(p.get("path") or "")
        shown = _relative(path, root)
        if shown.startswith("/"):  # outside content/ (a theme file, a temp folder): its name says enough
            shown = Path(shown).name
        key = p.get("key")
        problems.append(
            {
                "path": shown,
                "key": str(key) if key else None,
                "message": _relative(str(p.get("message") or ""), root),
            }
        )
    if not problems:  # the worker itself failed: its one-line error is all there is
        message = (run.error or "the build failed").splitlines()[0]
        problems.append({"path": "", "key": None, "message": _relative(message, root)})
    return problems[:MAX_PROBLEMS]


@dataclass(eq=False)
class Client:
    pending: list[bytes] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def send(self, message: bytes) -> None:
        self.pending.append(message)
        del self.pending[:-MAX_QUEUED]
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()


class LiveReload:
    """The build status the pages follow, and the streams that carry it."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.version = 0  # published builds since the daemon started; pages carry theirs
        self.problems: list[dict[str, str | None]] | None = None  # the last build failed
        self.clients: set[Client] = set()
        self.heartbeat = HEARTBEAT
        self.max_clients = MAX_CLIENTS

    def inject(self, html: bytes) -> bytes:
        return inject(html, script_tag(self.version))

    def status(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "state": "failed" if self.problems else "ok",
            "problems": self.problems,
        }

    def build_finished(self, run: BuildRun) -> None:
        if run.index_only:
            return
        if run.state == "failed":
            self.problems = page_problems(run, self.content_dir)
            if run.published:  # a first site, published in spite of its problems
                self.version += 1
            self._broadcast(sse("build-error", self.status()))
        elif run.published or (run.state == "skipped" and self.problems):
            # skipped after a failure: content/ is back as last published, so the site is current
            self.problems = None
            if run.published:
                self.version += 1
            self._broadcast(sse("reload", self.status()))

    def _broadcast(self, message: bytes) -> None:
        for client in self.clients:
            client.send(message)

    def close(self) -> None:
        for client in self.clients:
            client.close()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        if len(self.clients) >= self.max_clients:
            raise web.HTTPServiceUnavailable(
                text="too many live-reload clients\n", headers={"Retry-After": "10"}
            )
        client = Client()
        self.clients.add(client)
        try:
            response = web.StreamResponse(
                headers={
                    "Content-Type": "text/event-stream; charset=utf-8",
                    "Cache-Control": "no-cache, no-transform",
                    "X-Accel-Buffering": "no",  # nginx: pass each event on as it comes
                    "X-Content-Type-Options": "nosniff",
                }
            )
            await response.prepare(request)
            await response.write(f"retry: {RETRY_MS}\n\n".encode() + sse("status", self.status()))
            await self._pump(request, response, client)
        except ConnectionError:
            pass  # the client went away
        finally:
            self.clients.discard(client)
        return response

    async def _pump(self, request: web.Request, response: web.StreamResponse, client: Client) -> None:
        loop = asyncio.get_running_loop()
        last_write = loop.time()
        while not client.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(POLL, self.heartbeat)):
                    await client.wake.wait()
            client.wake.clear()
            # aiohttp does not cancel a handler whose client left; the transport says so
            if request.transport is None or request.transport.is_closing():
                return
            messages, client.pending = client.pending, []
            if messages:
                await response.write(b"".join(messages))
                last_write = loop.time()
            elif loop.time() - last_write >= self.heartbeat:
                await response.write(b": keep-alive\n\n")
                last_write = loop.time()


LIVE_RELOAD = web.AppKey("live_reload", LiveReload)


@requires(PUBLIC)
async def events(request: web.Request) -> web.StreamResponse:
    return await request.app[LIVE_RELOAD].stream(request)


@requires(PUBLIC)
async def client_script(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[_SCRIPT],
        headers={
            "Content-Type": "text/javascript; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


_SCRIPT = web.AppKey("live_reload_script", bytes)


async def live_reload_ctx(app: web.Application) -> AsyncIterator[None]:
    hub = LiveReload(app[CONFIG].content_dir)
    app[LIVE_RELOAD] = hub
    app[PAGE_FILTER] = hub.inject
    builds = app[MANAGER]
    builds.listeners.append(hub.build_finished)
    yield
    builds.listeners.remove(hub.build_finished)
    hub.close()


async def end_streams(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for the requests in flight: streams never end by themselves."""
    if LIVE_RELOAD in app:
        app[LIVE_RELOAD].close()


def setup(app: web.Application) -> None:
    if not enabled(app[CONFIG]):
        return
    app[_SCRIPT] = (
        importlib.resources.files("tunecamp.daemon.site").joinpath("assets", "livereload.js").read_bytes()
    )
    app.router.add_get(EVENTS_PATH, events, allow_head=False)
    app.router.add_get(SCRIPT_PATH, client_script)
    app.cleanup_ctx.append(live_reload_ctx)
    app.on_shutdown.append(end_streams)
