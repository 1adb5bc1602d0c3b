"""`tunecamp serve` as a real subprocess on 127.0.0.1, for tests that need the whole process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(content: Path, public: Path, data: Path, port: int, *flags: str) -> list[str]:
    """The command line of a daemon serving an already built `public` (no build at start)."""
    return [
        sys.executable, "-c", "from tunecamp.daemon.cli import main; main()", "serve", "--no-build", *flags,
        "--content", str(content), "--public", str(public), "--data", str(data), "--port", str(port),
    ]  # fmt: skip


def wait_healthy(process: subprocess.Popen[bytes], url: str, attempts: int) -> bool:
    """True once `url`/health answers 200; False if the process exits or `attempts` run out."""
    for _ in range(attempts):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            return False
        time.sleep(0.1)
    return False
