"""The Fedify peer (tests/peers/fedify/peer.mjs, @fedify/fedify on Node) as the tests drive it:
started on a free loopback port, called through its /control/ endpoints."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

PEER_DIR = Path(__file__).resolve().parent / "peers" / "fedify"


@dataclass
class Peer:
    url: str
    process: subprocess.Popen[str]

    async def call(self, what: str, headers: dict[str, str] | None = None, **args: Any) -> Any:
        async with aiohttp.ClientSession(headers=headers) as session:
            if what == "inbox":
                async with session.get(f"{self.url}/control/inbox") as r:
                    return await r.json()
            async with session.post(f"{self.url}/control/{what}", json=args) as r:
                data = await r.json()
                assert r.status == 200, data
                return data

    async def wait_for(
        self, kind: str, match: Callable[[dict[str, Any]], bool] = lambda a: True, timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for activity in (await self.call("inbox"))["received"]:
                if activity.get("type") == kind and match(activity):
                    return activity
            await asyncio.sleep(0.1)
        raise AssertionError(f"the peer received no {kind}: {await self.call('inbox')}")


def start_peer(*args: str) -> Peer:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the Fedify peer needs Node 20 or later")
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        pytest.fail(f"the Fedify peer is not installed: run `npm ci` in {PEER_DIR} (make test does)")
    process = subprocess.Popen(
        ["node", "peer.mjs", *args], cwd=PEER_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        pytest.fail(f"the Fedify peer did not start: {line}{process.stdout.read()}")
    return Peer(f"http://127.0.0.1:{line.split()[1]}", process)
