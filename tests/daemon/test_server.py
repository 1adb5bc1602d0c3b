"""`tunecamp serve` as a real process: startup, one JSON log line per request, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvloop
from serve_process import free_port, serve_command, wait_healthy

from tunecamp.daemon.server import event_loop

pytestmark = pytest.mark.slow


class Daemon:
    def __init__(self, process: subprocess.Popen[bytes], url: str, stderr: Path, stdout: Path) -> None:
        self.process, self.url, self.stderr_path, self.stdout_path = process, url, stderr, stdout

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def stdout(self) -> str:
        return self.stdout_path.read_text()


@pytest.fixture
def daemon(tmp_path: Path, site: Path) -> Iterator[Daemon]:
    (tmp_path / "content").mkdir()
    (site / "big.bin").write_bytes(os.urandom(64 * 1024 * 1024))
    port = free_port()
    env = {**os.environ, "TUNECAMP_BCRYPT_ROUNDS": "4", "TUNECAMP_SHUTDOWN_TIMEOUT": "20"}
    env.pop("SENTRY_DSN", None)
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            serve_command(tmp_path / "content", site, tmp_path / "data", port),
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}"
    if not wait_healthy(process, url, attempts=100):
        process.kill()
        raise AssertionError(f"the daemon did not start: {err.read_text()}")
    yield Daemon(process, url, err, out)
    if process.poll() is None:
        process.kill()
        process.wait()


def test_start_prints_next_steps_and_logs_one_json_line_per_request(daemon: Daemon) -> None:
    assert httpx.get(f"{daemon.url}/").status_code == 200
    assert httpx.get(f"{daemon.url}/missing?token=secret-in-query").status_code == 404
    assert "tunecamp user add NAME --role owner" in daemon.stdout()
    time.sleep(0.2)
    lines = [json.loads(line) for line in daemon.stderr().splitlines() if line.startswith("{")]
    requests = [x for x in lines if x["logger"] == "tunecamp.access"]
    home = next(x for x in requests if x["path"] == "/")
    assert home["method"] == "GET" and home["status"] == 200 and home["ms"] > 0
    missing = next(x for x in requests if x["path"] == "/missing")
    assert missing["status"] == 404
    # timed to the microsecond: uvloop's loop clock (what aiohttp times with) moves in whole ms
    assert any(x["ms"] != int(x["ms"]) for x in requests), [x["ms"] for x in requests]
    assert "secret-in-query" not in daemon.stderr()
    assert any("/admin/setup?token=" in x["message"] for x in lines)  # no account yet: the setup link


def test_sigterm_finishes_the_request_in_flight_then_exits(daemon: Daemon) -> None:
    port = int(daemon.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first = conn.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        time.sleep(0.3)  # we are not reading: the socket buffers fill and the handler waits on us
        daemon.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # the daemon no longer accepts new connections...
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{daemon.url}/health", timeout=2)
        assert daemon.process.poll() is None  # ...but is still sending us the file
        data = bytearray(first)
        while chunk := conn.recv(1 << 20):
            data += chunk
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    assert length == 64 * 1024 * 1024 and len(body) == length
    assert daemon.process.wait(timeout=30) == 0
    assert "database closed" in daemon.stderr()
    wal = Path(daemon.stderr_path.parent / "data" / "tunecamp.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed: a clean close


@pytest.mark.parametrize("public", ["content", "content/releases", ".", "data"])
def test_serve_refuses_a_public_folder_over_the_catalog_or_the_data(tmp_path: Path, public: str) -> None:
    """The original TuneCamp server deleted its users' music at start-up: here it cannot start so."""
    content = tmp_path / "content"
    (content / "releases" / "album").mkdir(parents=True)
    master = content / "releases" / "album" / "01 - Master.flac"
    master.write_bytes(b"fLaC the only copy")
    command = serve_command(content, tmp_path / public, tmp_path / "data", free_port())
    command.remove("--no-build")  # a build at start-up is what would replace the folder
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode != 0
    assert f"refusing to build into {(tmp_path / public).resolve()}" in result.stderr
    assert "TUNECAMP_PUBLIC_DIR" in result.stderr
    assert master.read_bytes() == b"fLaC the only copy"
    assert sorted(p.name for p in content.rglob("*")) == ["01 - Master.flac", "album", "releases"]


def test_a_busy_port_is_one_line_saying_how_to_pick_another(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        command = serve_command(tmp_path / "content", tmp_path / "public", tmp_path / "data", port)
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"--port {port + 123}" in result.stderr and "PORT=" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "TuneCamp is serving" not in result.stdout  # no banner for a server that never starts


def test_serve_runs_on_uvloop_where_it_is_installed() -> None:
    loop = event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
