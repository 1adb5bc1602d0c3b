"""The local actors' keys: made at start and for new actors, kept in the database only, exported public."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import connect
from tunecamp.daemon.federation import feature
from tunecamp.daemon.federation.feature import KEYS
from tunecamp.daemon.federation.signatures import SignedRequest, load_public, verify
from tunecamp.daemon.migrations import apply_migrations

from .conftest import BASE, NOTE_URL, Remote, manifest


def public_keys(config: DaemonConfig) -> dict[str, Any]:
    return json.loads((config.data_dir / "federation" / "public-keys.json").read_text())


async def test_every_actor_of_the_manifest_gets_a_key_at_start(
    daemon: TestClient, fed_config: DaemonConfig
) -> None:
    exported = public_keys(fed_config)
    assert sorted(exported["keys"]) == ["aurora", "daemon.example", "label", "quiet"]
    assert exported["keys"]["aurora"]["id"] == f"{BASE}/ap/artists/aurora.json#main-key"
    assert exported["keys"]["aurora"]["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in (fed_config.data_dir / "federation" / "public-keys.json").read_text()
    assert load_public(exported["keys"]["aurora"]["pem"]).key_size == 2048
    # the private keys are in the database, readable by the daemon's user only
    assert stat.S_IMODE(fed_config.database_path.stat().st_mode) == 0o600
    rows = await daemon.app[DB].run(lambda db: list(db.query("SELECT username, private_pem FROM fed_keys")))
    assert len(rows) == 4 and all("PRIVATE KEY" in r["private_pem"] for r in rows)


async def test_a_restart_keeps_the_keys(
    aiohttp_client: Callable[..., Awaitable[TestClient]], fed_config: DaemonConfig
) -> None:
    first = await aiohttp_client(create_app(fed_config))
    before = public_keys(fed_config)
    await first.close()
    await aiohttp_client(create_app(fed_config))
    assert public_keys(fed_config) == before


async def test_without_a_manifest_the_catalog_artists_get_keys(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    fed_config: DaemonConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (fed_config.public_dir / "ap" / "manifest.json").unlink()
    fed_config.data_dir.mkdir(parents=True)
    db = connect(fed_config.database_path)
    apply_migrations(db)
    db["catalog_artists"].insert(  # type: ignore[union-attr]
        {"slug": "aurora", "name": "Aurora", "source_dir": "artists/aurora", "updated_at": "2026-01-01"}
    )
    db.conn.commit()
    db.close()
    monkeypatch.setattr(feature, "WATCH_SECONDS", 0.05)
    client = await aiohttp_client(create_app(fed_config))
    for _ in range(100):  # made in the background: a daemon that does not federate yet starts at once
        await asyncio.sleep(0.05)
        if (fed_config.data_dir / "federation" / "public-keys.json").exists():
            break
    made = await client.app[DB].run(
        lambda db: [r["username"] for r in db.query("SELECT username FROM fed_keys")]
    )
    assert made == ["aurora"]
    assert public_keys(fed_config)["keys"] == {}  # no actor id before the first build: nothing to publish

    # the build writes the manifest: the new actors get keys, the known ones their ids
    (fed_config.public_dir / "ap" / "manifest.json").write_text(json.dumps(manifest()))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(public_keys(fed_config)["keys"]) == 4:
            break
    exported = public_keys(fed_config)
    assert sorted(exported["keys"]) == ["aurora", "daemon.example", "label", "quiet"]
    assert exported["keys"]["aurora"]["id"] == f"{BASE}/ap/artists/aurora.json#main-key"
    assert client.app[KEYS].key_id("label") == f"{BASE}/ap/label.json#main-key"


async def test_rotation_makes_a_new_key(daemon: TestClient) -> None:
    keys = daemon.app[KEYS]
    before = await keys.ensure("aurora")
    after = await keys.rotate("aurora")
    assert after.public_pem != before.public_pem and after.key_id == before.key_id


async def test_fetches_of_remote_actors_are_signed_by_the_instance_actor(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("fan")
    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE_URL))).status == 202
    headers = remote.fetch_headers[-1]
    assert f'keyId="{BASE}/ap/instance.json#main-key"' in headers["Signature"]
    assert headers["User-Agent"].startswith("TuneCamp/")
    pem = public_keys(daemon.app[CONFIG])["keys"]["daemon.example"]["pem"]

    async def resolve(key_id: str, refresh: bool) -> Any:
        return load_public(pem)

    url = remote.fetches[-1]
    assert await verify(SignedRequest("GET", (url,), headers, b""), resolve)


def test_nothing_private_in_the_public_folder(fed_public: Path) -> None:
    assert not list(fed_public.rglob("*key*"))
