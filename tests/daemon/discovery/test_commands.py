"""`tunecamp discover`: one crawl now, from the settings `tunecamp serve` reads, in a real process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from .conftest import NodePeer


async def _discover(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tunecamp.daemon.cli",
        "discover",
        *args,
        cwd=tmp_path,
        env={**os.environ, "TUNECAMP_CONTENT_DIR": "", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_discover_crawls_now_and_lists_what_it_found(tmp_path: Path, node_peer: NodePeer) -> None:
    data = tmp_path / "data"
    env = {
        "TUNECAMP_DATA_DIR": str(data),
        "TUNECAMP_FEDERATION_SEEDS": node_peer.origin,
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "COLUMNS": "200",
    }
    code, out, err = await _discover(tmp_path, env)
    assert code == 0, err
    assert node_peer.origin in out and "Node Camp" in out
    assert "1 instance(s) reached, 0 origin(s) failed" in out
    network = json.loads((data / "network.json").read_text())
    assert [i["name"] for i in network["instances"]] == ["Node Camp"]
    assert (data / "tunecamp.db").is_file()


async def test_discover_without_seeds_says_how_to_give_one(tmp_path: Path) -> None:
    code, _out, err = await _discover(tmp_path, {"TUNECAMP_DATA_DIR": str(tmp_path / "data")})
    assert code == 1 and "TUNECAMP_FEDERATION_SEEDS" in err


async def test_discover_refuses_a_seed_that_is_not_an_origin(tmp_path: Path) -> None:
    code, _out, err = await _discover(
        tmp_path, {"TUNECAMP_DATA_DIR": str(tmp_path / "data")}, "--seed", "nope"
    )
    assert code == 1 and "'nope' is not an origin" in err


async def test_loopback_stays_closed_without_the_setting(tmp_path: Path, node_peer: NodePeer) -> None:
    env = {"TUNECAMP_DATA_DIR": str(tmp_path / "data"), "TUNECAMP_FEDERATION_SEEDS": node_peer.origin}
    code, out, err = await _discover(tmp_path, env)
    assert code == 0, err
    assert "0 instance(s) reached, 1 origin(s) failed" in out
    assert sum(node_peer.hits.values()) == 0
