"""How the browser tests start headless Chromium: the system build, quiet and offline.

Import with `from chromium import launch_options` (tests/ is on pytest's pythonpath); works for
both the sync and the async Playwright API: `p.chromium.launch(**launch_options())`.
"""

from __future__ import annotations

from typing import Any

EXECUTABLE = "/usr/bin/chromium"
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch_options(*extra_args: str) -> dict[str, Any]:
    """Keyword arguments for `BrowserType.launch`, with `extra_args` after the shared ones."""
    return {"executable_path": EXECUTABLE, "args": [*ARGS, *extra_args]}
