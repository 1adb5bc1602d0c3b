"""Several TuneCamp processes on loopback, as deploy/ runs them: `tunecamp serve` web processes and
`tunecamp worker`s sharing one data folder (SQLite WAL) and one redis-server, behind nginx or HAProxy
rendered from the shipped configs (tests/proxy_configs.py).

`cluster` (a fixture) hands a `Cluster`; each process writes its output into a log file of the test's
folder, and at teardown the logs' tails are printed, which pytest shows only when the test failed.
Every process is stopped (SIGTERM, then SIGKILL) whatever happened, in its own session so its
children (ffmpeg) go with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import proxy_configs
import pytest
from proxy_configs import Ports
from serve_process import free_port

TUNECAMP = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
WAIT = 90.0  # seconds for a process to answer: generous, the machine may be loaded
TAIL = 60  # log lines shown per process when a test fails


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        state = "running" if self.popen.poll() is None else f"exited {self.popen.returncode}"
        return f"--- {self.name} ({state}), last {TAIL} lines of {self.log} ---\n" + "\n".join(lines[-TAIL:])


@dataclass
class Cluster:
    folder: Path
    env: dict[str, str]  # every TuneCamp process's environment (settings), on top of this one's
    processes: list[Process] = field(default_factory=list)

    @property
    def content(self) -> Path:
        return self.folder / "content"

    @property
    def public(self) -> Path:
        return self.folder / "public"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def start(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> Process:
        log = self.folder / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv, env={**os.environ, **self.env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.folder,
            )  # fmt: skip
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def tunecamp(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> Process:
        return self.start(name, [*TUNECAMP, *args], env)

    def serve(self, name: str, port: int | None = None, env: Mapping[str, str] | None = None) -> Process:
        """A web process on the shared folders (the site is built beforehand: no build at start)."""
        port = port or free_port()
        process = self.tunecamp(
            name, "serve", "--no-build", "--content", str(self.content), "--public", str(self.public),
            "--data", str(self.data), "--host", "127.0.0.1", "--port", str(port), env=env,
        )  # fmt: skip
        process.port = port
        return process

    def worker(self, name: str, env: Mapping[str, str] | None = None) -> Process:
        return self.tunecamp(
            name, "worker", "--content", str(self.content), "--data", str(self.data), env=env
        )  # fmt: skip

    def nginx(self, ports: Ports) -> Process:
        folder = self.folder / "nginx"
        config = proxy_configs.write_nginx(ports, self.public, folder)
        process = self.start("nginx", proxy_configs.nginx_command(config, folder))
        process.port = ports.listen
        return process

    def haproxy(self, ports: Ports) -> Process:
        config = proxy_configs.write_haproxy(ports, self.folder / "haproxy")
        process = self.start("haproxy", proxy_configs.haproxy_command(config))
        process.port = ports.listen
        return process

    def wait_http(self, process: Process, path: str = "/health") -> None:
        """Until `path` answers 200 through `process`'s port; fails with the logs if it exits first."""
        deadline = time.monotonic() + WAIT
        last = ""
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited with {process.popen.returncode}\n{self.logs()}")
            try:
                response = httpx.get(process.url + path, timeout=5)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        pytest.fail(f"{process.name}: {path} did not answer 200 within {WAIT:.0f} s ({last})\n{self.logs()}")

    def running(self, process: Process) -> None:
        """Fails with the logs when `process` (a worker: no port to ask) has exited."""
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited with {process.popen.returncode}\n{self.logs()}")

    def stop(self, process: Process, kill: bool = False) -> None:
        if process.popen.poll() is None:
            with _gone():
                os.killpg(process.popen.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.popen.wait(30)
            except subprocess.TimeoutExpired:
                with _gone():
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(30)

    def stop_all(self) -> None:
        for process in reversed(self.processes):  # the proxy first, redis last
            self.stop(process)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


class _gone:
    """Ignores a process (group) that has exited already."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is ProcessLookupError


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str) -> Iterator[Cluster]:
    """An empty cluster on the test's folder and Redis database; the test starts its processes."""
    for folder in ("content", "public", "data"):
        (tmp_path / folder).mkdir()
    env = {
        "TUNECAMP_REDIS_URL": redis_url,
        "TUNECAMP_TRUST_PROXY_HOPS": "1",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_LIVE_RELOAD": "false",
        "TUNECAMP_BCRYPT_ROUNDS": "4",
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "TUNECAMP_LOG_FORMAT": "console",
        "TUNECAMP_SHUTDOWN_TIMEOUT": "5",
    }
    running = Cluster(tmp_path, env)
    try:
        yield running
    finally:
        running.stop_all()
        print(running.logs())  # shown by pytest only for a failed test
