"""`tunecamp serve`: build the site if it is missing or out of date, then run the daemon.

aiohttp's runner handles SIGINT and SIGTERM gracefully: it stops accepting, lets the
requests in flight finish (up to TUNECAMP_SHUTDOWN_TIMEOUT), then runs the cleanup
contexts, which stop a running build and close the database.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sqlite3
import subprocess

from aiohttp import web

from tunecamp.daemon.access_log import ACCESS_LOGGER, AccessLogger, configure_logging
from tunecamp.daemon.app import AFTER_BUILD, create_app
from tunecamp.daemon.builds import is_stale, worker_command
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.error_reporting import init_sentry

log = logging.getLogger("tunecamp.daemon")


def index_is_empty(config: DaemonConfig) -> bool:
    if not config.database_path.is_file():
        return True
    try:
        with sqlite3.connect(f"file:{config.database_path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM catalog_albums").fetchone()[0] == 0
    except sqlite3.Error:
        return True


def build_now(config: DaemonConfig) -> bool:
    """Run the build worker in the foreground, its output on the console; True when it published."""
    cmd = worker_command(
        config.content_dir,
        config.public_dir,
        config.data_dir,
        "--format",
        "text",
        "--serving-url",
        config.url,
        after_build=AFTER_BUILD,
    )
    if not config.build_transcode:
        cmd.append("--no-transcode")
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, check=False)
    return result.returncode == 0 or (config.public_dir / "index.html").is_file()


def banner(config: DaemonConfig) -> str:
    url = config.url
    return "\n".join(
        [
            f"TuneCamp is serving {config.public_dir}/ and the daemon at {url}/",
            f"  the site          {url}/",
            f"  admin dashboard   {url}/admin",
            f"  health            {url}/health",
            *(
                [
                    f"Watching {config.content_dir}/: every save rebuilds the site"
                    + (" and reloads its open pages." if config.live_reload else ".")
                ]
                if config.watch
                else []
            ),
            "Next steps:",
            "  create the first Owner:  tunecamp user add NAME --role owner"
            + (f"   (with TUNECAMP_DATA_DIR={config.data_dir})" if str(config.data_dir) != "data" else ""),
            "    (or open the one-time setup link logged below, if no account exists yet)",
            f"  publish a draft:         tunecamp publish SLUG -c {config.content_dir} (or in /admin)",
            "Stop with Ctrl+C.",
        ]
    )


def check_public_folder(config: DaemonConfig, *, building: bool) -> None:
    """Refuse to serve the catalog or the data folder as the site, and, when a build is about to
    replace it, a folder that holds something else than a TuneCamp site."""
    from tunecamp.generator.folders import Folders, UnsafeFolders, check_folders

    data = config.data_dir
    stores = (config.database_path, data / "cache", data / "private", data / "backups", data / "previews")
    try:
        check_folders(Folders.of(config.content_dir, config.public_dir, data, stores), force=not building)
    except UnsafeFolders as exc:
        raise SystemExit(f"{exc} (--public / TUNECAMP_PUBLIC_DIR)") from None


def check_port(host: str, port: int) -> None:
    """Say in one line that the port is taken, before building and printing the banner for nothing."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        socket.create_server((host or "0.0.0.0", port), family=family).close()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return  # anything else (a host that is not ours...) aiohttp reports in full
        raise SystemExit(
            f"port {port} on {host} is already in use (another TuneCamp, or another program); pick "
            f"another: `make demo PORT={port + 123}` or `tunecamp serve --port {port + 123}`"
        ) from None


def serve(config: DaemonConfig, *, build: bool = True) -> None:
    configure_logging(config.log_level, config.log_format)
    init_sentry(config.sentry_dsn, component="daemon")
    check_port(config.host, config.port)
    if not config.content_dir.is_dir():
        raise SystemExit(
            f"{config.content_dir} is not a folder; create a catalog with "
            f"`tunecamp init {config.content_dir}` or pass --content"
        )
    building = (
        build
        and config.build_on_start
        and (is_stale(config.content_dir, config.public_dir, config.data_dir) or index_is_empty(config))
    )
    check_public_folder(config, building=building)
    if building:
        print(f"Building {config.content_dir} into {config.public_dir}/ ...", flush=True)
        if not build_now(config):
            print(
                "The build failed and there is no site yet; the daemon starts anyway "
                "(see the problems above, then rebuild from /admin).",
                flush=True,
            )
    app = create_app(config)
    print(banner(config), flush=True)
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        shutdown_timeout=config.shutdown_timeout,
        access_log_class=AccessLogger,
        access_log=ACCESS_LOGGER,
        print=None,
        handle_signals=True,
        loop=event_loop(),
    )
    log.info("stopped")


def event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (Linux, macOS): measured at about a third less CPU per inbox
    POST than asyncio's own loop (docs/performance.md); asyncio's elsewhere (Windows)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
