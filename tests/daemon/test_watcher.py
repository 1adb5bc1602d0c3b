"""Saving a file under content/ asks for a rebuild (through the real watcher and build queue)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.builds import BUILDS, BuildManager
from tunecamp.daemon.config import DaemonConfig

SCRIPT = (
    "import json, sys; print(json.dumps({'event': 'done', 'ok': True, 'published': True, 'args': sys.argv}))"
)


async def test_a_save_triggers_one_rebuild(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    config: DaemonConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands: list[tuple[bool, bool]] = []

    def command(self: BuildManager, index_only: bool, if_changed: bool = False) -> list[str]:
        commands.append((index_only, if_changed))
        return [sys.executable, "-c", SCRIPT]

    monkeypatch.setattr(BuildManager, "command", command)
    client = await aiohttp_client(create_app(replace(config, watch=True)))
    content: Path = config.content_dir
    for name in ("release.yaml", ".release.yaml.swp", "notes.md~"):
        (content / name).write_text("title: x\n")
    for _ in range(100):
        if commands and not client.app[BUILDS].busy:
            break
        await asyncio.sleep(0.1)
    assert commands and commands[0] == (False, True)  # a watcher build is skipped if nothing changed
    last = client.app[BUILDS].last
    assert last is not None and last.reason == "content changed: release.yaml"  # the editor junk is ignored
