"""The load client shared by the HTTP benches: N concurrent keep-alive connections for a fixed time.

Imported as `from load import ...`: bench/ is on sys.path because the benches run as scripts.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp


@dataclass(frozen=True)
class Result:
    target: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A helper process (a load generator, fake servers) for the length of the block, quiet."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def speed_gauge() -> float:
    """Milliseconds this process takes for `sum(range(10**6))`, the best of 5: how fast a core is
    right now. On a shared machine it moves by the hour; it tells a slow hour from a slow change."""
    import timeit

    return min(timeit.repeat("sum(range(10**6))", number=20, repeat=5)) * 1000 / 20


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


def waited_seconds(pid: int) -> float:
    """Seconds a process's main thread has spent ready to run but waiting for a core (from /proc):
    what other work on the machine took from it."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def wait_quiet(pid: int, timeout: float = 120, window: float = 1.0) -> float:
    """Wait until a process spends under 2% of a core for `window` seconds (its startup work done:
    a daemon makes the catalog's artists their signing keys in the background), and return how
    long that took. Measuring before would count that work in the first numbers."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(window)
        if cpu_seconds(pid) - before < 0.02 * window:
            return time.monotonic() - started
    raise SystemExit(f"process {pid} stayed busy for {timeout:g} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


HELLO = """
from aiohttp import web
async def hello(request):
    return web.Response(text="Hello, world")
app = web.Application()
app.router.add_get("/{{tail:.*}}", hello)
web.run_app(app, host="127.0.0.1", port={port}, print=None, access_log=None, loop={loop})
"""
LOOPS = {"asyncio": "None", "uvloop": "__import__('uvloop').new_event_loop()"}


@contextmanager
def hello_world(loop: str = "asyncio") -> Iterator[tuple[str, int]]:
    """A bare aiohttp app answering every GET "Hello, world", as a process of its own: the baseline
    an HTTP bench measures beside the daemon (`loop`: asyncio's own, or uvloop as the daemon
    runs): (its URL, its process ID)."""
    port = free_port()
    with process([sys.executable, "-c", HELLO.format(port=port, loop=LOOPS[loop])]) as server:
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/", timeout=30)
        yield url, server.pid


def wait_ready(url: str, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:g} s")


def not_ok(status: int, body: bytes) -> bool:
    """The default failure check: anything but 200."""
    return status != 200


async def drive(
    urls: list[str],
    concurrency: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    failed: Callable[[int, bytes], bool] = not_ok,
) -> tuple[list[float], int]:
    """Each worker cycles through `urls` from its own offset: (latencies in seconds, errors)."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop:
                url = urls[i % len(urls)]
                i += 1
                start = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        body = await response.read()
                        if failed(response.status, body):
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - start)

        await asyncio.gather(*(worker(n * 7) for n in range(concurrency)))
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def measure(
    name: str,
    urls: list[str],
    concurrency: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    failed: Callable[[int, bytes], bool] = not_ok,
) -> Result:
    await drive(urls, concurrency, min(0.5, seconds / 4), headers, failed)  # warm up connections and caches
    started = time.perf_counter()
    latencies, errors = await drive(urls, concurrency, seconds, headers, failed)
    elapsed = time.perf_counter() - started
    return Result(name, concurrency, len(latencies), errors, elapsed, percentile(latencies, 0.5),
                  percentile(latencies, 0.99))  # fmt: skip


def write_section(path: Path, heading: str, script: str, body: str, note: str = "") -> None:
    """Replace (or add) the "## {heading}" section of a Markdown file, leaving the others.

    The section opens with `note`, by default a line naming `script`.
    """
    text = path.read_text() if path.exists() else "# Performance\n"
    note = note or f"Numbers from `{script}` (its docstring says what is measured)."
    section = f"## {heading}\n\n{note}\n\n{body}\n"
    if re.search(rf"^## {re.escape(heading)}$", text, re.M):
        pattern = rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)"
        # a function, not a replacement string: a backslash in the body must stay a backslash
        text = re.sub(pattern, lambda _: section + "\n", text, flags=re.M | re.S).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)
