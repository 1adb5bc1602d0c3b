"""Live reload: a real daemon on 127.0.0.1 (run as `web.run_app` runs it), a real catalog, the
real watcher and build worker, and clients reading the event stream."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from chromium import launch_options
from serve_process import free_port, serve_command, wait_healthy

from tunecamp.daemon.app import FEATURES, Feature, create_app
from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.site import feature as site_feature
from tunecamp.daemon.site.livereload import (
    EVENTS_PATH,
    LIVE_RELOAD,
    SCRIPT_PATH,
    LiveReload,
    inject,
    page_problems,
    script_tag,
)
from tunecamp.daemon.site.runs import BuildRun

WAIT = 90.0  # a hang guard for waits on the watcher and a build, never a speed requirement


@dataclass
class Daemon:
    app: web.Application
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(app: web.Application) -> Daemon:
    """The app served as `tunecamp serve` serves it: a runner that does not cancel handlers."""
    runner = web.AppRunner(app, shutdown_timeout=60)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return Daemon(app, runner, f"http://127.0.0.1:{port}")


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Daemon]]]:
    started: list[Daemon] = []

    async def run(config: DaemonConfig, features: tuple[Feature, ...] = FEATURES) -> Daemon:
        daemon = await start(create_app(config, features))
        started.append(daemon)
        return daemon

    yield run
    for daemon in started:
        await daemon.stop()


class Stream:
    """An EventSource, as far as a test needs one: events and comments, in order."""

    def __init__(self, session: aiohttp.ClientSession, response: aiohttp.ClientResponse) -> None:
        self.session, self.response = session, response

    @classmethod
    async def open(cls, url: str) -> Stream:
        session = aiohttp.ClientSession()
        response = await session.get(url + EVENTS_PATH, headers={"Accept": "text/event-stream"})
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return cls(session, response)

    async def _block(self) -> list[str]:
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.response.content.readline(), WAIT)
            if not raw:
                raise EOFError("the stream ended")
            line = raw.decode().rstrip("\n")
            if not line:
                if lines:
                    return lines
                continue
            lines.append(line)

    async def next(self) -> tuple[str, dict[str, Any]]:
        """The next event (comments and the retry field are skipped)."""
        while True:
            block = await self._block()
            fields = dict(line.split(": ", 1) for line in block if not line.startswith(":") and ": " in line)
            if "event" in fields:
                return fields["event"], json.loads(fields["data"])

    async def comment(self) -> str:
        while True:
            block = await self._block()
            comments = [line for line in block if line.startswith(":")]
            if comments:
                return comments[0]

    async def ended(self) -> bool:
        try:
            while await asyncio.wait_for(self.response.content.readline(), WAIT):
                pass
        except aiohttp.ClientPayloadError:
            pass
        return True

    async def close(self) -> None:
        self.response.close()
        await self.session.close()


async def until(check: Callable[[], bool]) -> None:
    for _ in range(int(WAIT * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition never became true")


async def get(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.read()


# --- the pure parts -----------------------------------------------------------------------


def test_the_script_goes_before_the_last_body_end() -> None:
    tag = b"<script>X</script>"
    page = b"<html><body><p>'</body>' in text</p></BODY >\n</html>"
    assert inject(page, tag) == b"<html><body><p>'</body>' in text</p>" + tag + b"</BODY >\n</html>"
    assert inject(b"<html><p>no body</p></html>", tag) == b"<html><p>no body</p>" + tag + b"</html>"
    assert inject(b"<p>a fragment", tag) == b"<p>a fragment" + tag
    assert inject(b"", tag) == tag


def _run(**kw: Any) -> BuildRun:
    return BuildRun(id=1, reason="test", requested_by=None, started_at=0.0, **kw)


def test_problems_shown_to_a_page_name_file_and_key_but_no_server_path(tmp_path: Path) -> None:
    content = tmp_path / "catalog"
    run = _run(state="failed")
    run.problems = [
        {"level": "warning", "path": str(content / "a.yaml"), "key": "x", "message": "just a warning"},
        {
            "level": "error",
            "path": str(content / "releases/tides/release.yaml"),
            "key": "date",
            "message": f"'someday' is not a date (see {content}/releases/tides)",
        },
        {"level": "error", "path": "/usr/share/theme/release.html", "key": None, "message": "boom"},
    ]
    shown = page_problems(run, content)
    assert shown == [
        {
            "path": "releases/tides/release.yaml",
            "key": "date",
            "message": "'someday' is not a date (see releases/tides)",
        },
        {"path": "release.html", "key": None, "message": "boom"},
    ]
    crashed = _run(state="failed", error=f"OSError: cannot write {content}/x\nTraceback ...")
    assert page_problems(crashed, content) == [
        {"path": "", "key": None, "message": "OSError: cannot write x"}
    ]


def test_what_each_finished_build_tells_the_pages(tmp_path: Path) -> None:
    hub = LiveReload(tmp_path)
    hub.build_finished(_run(state="skipped"))
    hub.build_finished(_run(state="ok", index_only=True))
    assert hub.status() == {"version": 0, "state": "ok", "problems": None}  # nothing to reload
    hub.build_finished(_run(state="ok", published=True))
    assert hub.version == 1
    broken = _run(state="failed", error="the build exited with 1")
    hub.build_finished(broken)
    assert hub.status()["state"] == "failed" and hub.version == 1  # the last good site stays
    hub.build_finished(_run(state="skipped"))  # content/ back as last published: the site is current
    assert hub.status() == {"version": 1, "state": "ok", "problems": None}
    hub.build_finished(_run(state="failed", published=True))  # a first site, with its problems
    assert hub.status()["state"] == "failed" and hub.version == 2
    assert script_tag(2) in hub.inject(b"<body></body>")


# --- through a real daemon ----------------------------------------------------------------


@pytest.mark.slow
async def test_a_save_reloads_a_broken_file_shows_where_and_the_fix_clears_it(
    serve: Callable[[DaemonConfig], Awaitable[Daemon]], site_config: DaemonConfig, tmp_path: Path
) -> None:
    daemon = await serve(replace(site_config, watch=True))
    await daemon.app[BUILDS].request("first build")
    await daemon.app[BUILDS].wait_idle()
    stream = await Stream.open(daemon.url)
    try:
        assert await stream.next() == ("status", {"version": 1, "state": "ok", "problems": None})
        release = site_config.content_dir / "releases/tides/release.yaml"
        original = release.read_text()

        release.write_text(original.replace("Morning Tides", "Evening Tides"))
        assert await stream.next() == ("reload", {"version": 2, "state": "ok", "problems": None})
        status, _, page = await get(f"{daemon.url}/releases/tides/")
        assert status == 200 and b"Evening Tides" in page and script_tag(2) in page

        release.write_text(original.replace("Morning Tides", "Broken Tides") + "date: someday\n")
        event, data = await stream.next()
        assert event == "build-error" and data["state"] == "failed" and data["version"] == 2
        assert {"path": "releases/tides/release.yaml", "key": "date"} in [
            {"path": p["path"], "key": p["key"]} for p in data["problems"]
        ]
        assert str(tmp_path) not in json.dumps(data)  # no server paths leave the daemon
        _, _, page = await get(f"{daemon.url}/releases/tides/")
        assert b"Evening Tides" in page and b"Broken Tides" not in page  # still the last good site

        late = await Stream.open(daemon.url)  # a page opened now learns of the failure at once
        try:
            event, data = await late.next()
            assert event == "status" and data["state"] == "failed" and data["problems"]
        finally:
            await late.close()

        release.write_text(original.replace("Morning Tides", "Mended Tides"))
        assert await stream.next() == ("reload", {"version": 3, "state": "ok", "problems": None})
        _, _, page = await get(f"{daemon.url}/releases/tides/")
        assert b"Mended Tides" in page
    finally:
        await stream.close()


async def test_pages_carry_the_script_only_while_watching(
    serve: Callable[[DaemonConfig], Awaitable[Daemon]], config: DaemonConfig, site: Path
) -> None:
    quiet = await serve(config)  # watch=False
    for path in ("/", "/releases/morning/"):
        status, _, body = await get(quiet.url + path)
        assert status == 200 and b"livereload" not in body
    assert (await get(quiet.url + EVENTS_PATH))[0] == 404
    assert (await get(quiet.url + SCRIPT_PATH))[0] == 404
    no_reload = await serve(replace(config, watch=True, live_reload=False))
    assert b"livereload" not in (await get(no_reload.url + "/"))[2]
    assert (await get(no_reload.url + EVENTS_PATH))[0] == 404

    on_disk = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    live = await serve(replace(config, watch=True))
    tag = script_tag(0)
    for path, file, status in (
        ("/", "index.html", 200),
        ("/releases/morning/", "releases/morning/index.html", 200),
        ("/no/such/page", "404.html", 404),
    ):
        code, kind, body = await get(live.url + path)
        assert code == status and kind == "text/html; charset=utf-8"
        assert body == (site / file).read_bytes() + tag  # the fixture's pages have no </body>
    for path in ("/style.css", "/catalog.json", "/artists/a/feed.rss", "/releases/morning/playlist.m3u8"):
        code, _, body = await get(live.url + path)
        assert code == 200 and body == (site / path.lstrip("/")).read_bytes()
    async with aiohttp.ClientSession() as session:
        async with session.get(live.url + "/style.css", headers={"Range": "bytes=0-3"}) as r:
            assert r.status == 206 and await r.read() == b"body"
        async with session.get(live.url + SCRIPT_PATH) as r:
            assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
            assert "EventSource" in await r.text()
        async with session.head(live.url + EVENTS_PATH) as r:
            assert r.status == 404  # never a stream: a HEAD would hold it open for nothing
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == on_disk  # public/ stays clean


async def test_many_clients_come_and_go_without_leaking(
    serve: Callable[..., Awaitable[Daemon]], config: DaemonConfig
) -> None:
    # the site feature alone: other features' background work (deliveries, exports) starts
    # tasks of its own whenever it likes, which this count of tasks must not see
    daemon = await serve(replace(config, watch=True), (site_feature.setup,))
    hub = daemon.app[LIVE_RELOAD]
    hub.max_clients = 40
    hub.heartbeat = 3600  # so a write to a gone client cannot be what notices it left
    baseline = len(asyncio.all_tasks())
    streams = [await Stream.open(daemon.url) for _ in range(40)]
    for stream in streams:
        assert (await stream.next())[0] == "status"
    assert len(hub.clients) == 40
    async with aiohttp.ClientSession() as session, session.get(daemon.url + EVENTS_PATH) as r:
        assert r.status == 503 and r.headers["Retry-After"]  # one too many

    hub.build_finished(_run(state="ok", published=True))  # every stream hears of a build
    for stream in streams:
        assert await stream.next() == ("reload", {"version": 1, "state": "ok", "problems": None})

    for stream in streams:
        await stream.close()
    await until(lambda: not hub.clients)
    await until(lambda: len(asyncio.all_tasks()) <= baseline)
    again = await Stream.open(daemon.url)  # the slots are free again
    assert (await again.next())[0] == "status"
    await again.close()


async def test_heartbeats_keep_a_quiet_stream_alive(
    serve: Callable[[DaemonConfig], Awaitable[Daemon]], config: DaemonConfig
) -> None:
    daemon = await serve(replace(config, watch=True))
    daemon.app[LIVE_RELOAD].heartbeat = 0.2
    stream = await Stream.open(daemon.url)
    try:
        assert (await stream.next())[0] == "status"
        assert await stream.comment() == ": keep-alive"
        assert await stream.comment() == ": keep-alive"
    finally:
        await stream.close()


async def test_shutdown_ends_the_streams_instead_of_waiting_for_them(
    config: DaemonConfig,
) -> None:
    daemon = await start(create_app(replace(config, watch=True)))  # shutdown_timeout=60
    streams = [await Stream.open(daemon.url) for _ in range(3)]
    for stream in streams:
        assert (await stream.next())[0] == "status"
    # with the streams left open, the runner would wait its whole shutdown_timeout here
    await asyncio.wait_for(daemon.stop(), 30)
    for stream in streams:
        assert await stream.ended()
        await stream.close()


# --- `tunecamp serve --watch`, as a process -----------------------------------------------


@pytest.fixture
def run_serve(tmp_path: Path, site: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], str]]]:
    (tmp_path / "content").mkdir(exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []

    def run(*flags: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        environ = {**os.environ, "TUNECAMP_SHUTDOWN_TIMEOUT": "60", **(env or {})}
        environ.pop("SENTRY_DSN", None)
        process = subprocess.Popen(
            serve_command(tmp_path / "content", site, tmp_path / f"data-{port}", port, *flags),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
            env=environ,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        if not wait_healthy(process, url, attempts=300):
            raise AssertionError("the daemon did not start")
        return process, url

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
async def test_serve_watch_flag_and_sigterm_with_open_streams(
    run_serve: Callable[..., tuple[subprocess.Popen[bytes], str]],
) -> None:
    _, url = run_serve("--no-watch", env={"TUNECAMP_WATCH": "true"})  # the flag wins
    assert b"livereload" not in (await get(url + "/"))[2]

    process, url = run_serve("--watch", env={"TUNECAMP_WATCH": "false"})
    assert script_tag(0) in (await get(url + "/"))[2]
    stream = await Stream.open(url)
    assert (await stream.next())[0] == "status"
    process.send_signal(signal.SIGTERM)
    # TUNECAMP_SHUTDOWN_TIMEOUT is 60: an end well before it means the stream did not hold it up
    assert await asyncio.wait_for(stream.ended(), 30)
    await stream.close()
    assert await asyncio.to_thread(process.wait, 30) == 0


# --- in a browser ---------------------------------------------------------------------------


@pytest.mark.slow
async def test_a_browser_page_follows_the_edits(
    serve: Callable[[DaemonConfig], Awaitable[Daemon]], site_config: DaemonConfig
) -> None:
    from playwright.async_api import async_playwright

    daemon = await serve(replace(site_config, watch=True))
    await daemon.app[BUILDS].request("first build")
    await daemon.app[BUILDS].wait_idle()
    hub = daemon.app[LIVE_RELOAD]
    release = site_config.content_dir / "releases/tides/release.yaml"
    original = release.read_text()
    timeout = WAIT * 1000

    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch_options())
        try:
            page = await browser.new_page(viewport={"width": 800, "height": 300})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{daemon.url}/releases/tides/")
            assert "Morning Tides" in await page.title()
            await until(lambda: len(hub.clients) == 1)  # the page is listening
            await page.evaluate("window.scrollTo(0, 120)")
            assert await page.evaluate("window.scrollY") == 120

            release.write_text(original.replace("Morning Tides", "Evening Tides"))
            await page.wait_for_function("document.title.includes('Evening Tides')", timeout=timeout)
            assert "Evening Tides" in await page.locator("h1").first.inner_text()
            assert await page.evaluate("window.scrollY") == 120  # read on from where you were

            release.write_text(original + "date: someday\n")
            overlay = page.locator("#tunecamp-build-problems")
            await overlay.wait_for(state="visible", timeout=timeout)
            where = await overlay.locator(".tunecamp-problem-where").all_inner_texts()
            assert "releases/tides/release.yaml [date]" in where
            assert "not a date" in await overlay.inner_text()
            assert "Evening Tides" in await page.title()  # the last good site, still

            release.write_text(original.replace("Morning Tides", "Mended Tides"))
            await page.wait_for_function("document.title.includes('Mended Tides')", timeout=timeout)
            await overlay.wait_for(state="detached", timeout=timeout)
            assert not errors
        finally:
            await browser.close()
