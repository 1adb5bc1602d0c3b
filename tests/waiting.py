"""Waiting for something a background job does: polled, with a generous limit, never timed.

A job runs in its own time (another "process", a poll interval away), so a test waits for its
effect rather than for a fixed delay; the limit only turns a hang into a failure with a message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def until(check: Callable[[], Awaitable[object]], what: str, timeout: float = 60.0) -> None:
    """Return once `await check()` is truthy; fail after `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {timeout:g} s, for {what}")
        await asyncio.sleep(0.05)
