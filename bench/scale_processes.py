"""The processes bench/scale.py runs: a redis-server, `tunecamp serve` and `tunecamp worker` on one
data folder, their CPU time read from /proc (the scaling figure on a shared machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from load import cpu_seconds, free_port, wait_ready  # bench/ is on sys.path: this file runs as a script

TUNECAMP = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process so far (0 once it is gone)."""
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


@dataclass
class Processes:
    """What one configuration runs; stopped together, their CPU time summed."""

    folder: Path
    env: dict[str, str]
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        child = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        self.children.append(child)
        return child

    def serve(self, name: str) -> str:
        """A web process; returns its base URL once /health answers."""
        port = free_port()
        command = [*TUNECAMP, "serve", "--no-build", "--content", str(self.folder / "content"),
                   "--public", str(self.folder / "public"), "--port", str(port)]  # fmt: skip
        self.start(command, name)
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/health", timeout=300)  # a loaded machine starts slowly
        return url

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        return self.start([*TUNECAMP, "worker", "--content", str(self.folder / "content")], name)

    def cpu(self) -> float:
        return sum(cpu_s(child.pid) for child in self.children)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)


@contextmanager
def processes(folder: Path, env: dict[str, str]) -> Iterator[Processes]:
    running = Processes(folder, env)
    try:
        yield running
    finally:
        running.stop()


@dataclass(frozen=True)
class Redis:
    url: str
    pid: int


@contextmanager
def redis_server(folder: Path) -> Iterator[Redis]:
    """A redis-server on a loopback port, nothing written to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: `apt-get install redis-server`")
    port = free_port()
    child = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        import redis

        client = redis.Redis(port=port)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield Redis(f"redis://127.0.0.1:{port}/0", child.pid)
    finally:
        child.terminate()
        child.wait(10)


def daemon_env(folder: Path, redis_url: str = "", **settings: str) -> dict[str, str]:
    """The environment of every TuneCamp process of one configuration (one data folder)."""
    for name in ("content", "public", "data"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "public" / "index.html").write_text("<h1>bench</h1>")
    env = {
        **os.environ,
        "TUNECAMP_DATA_DIR": str(folder / "data"),
        "TUNECAMP_PUBLIC_DIR": str(folder / "public"),
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_LIVE_RELOAD": "false",
        "TUNECAMP_LOG_LEVEL": "warning",
        "TUNECAMP_REDIS_URL": redis_url,
        **settings,
    }
    env.pop("SENTRY_DSN", None)
    return env
