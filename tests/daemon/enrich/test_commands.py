"""`tunecamp enrich`, the real command in a process of its own, against the loopback providers."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from pathlib import Path

import yaml
from clirun import tunecamp_command

from .conftest import Providers


def _env(providers: Providers, tmp_path: Path) -> dict[str, str]:
    o = providers.origin
    return {
        **os.environ,
        "TUNECAMP_CONTENT_DIR": "",
        "TUNECAMP_DATA_DIR": str(tmp_path / "data"),
        "TUNECAMP_MUSICBRAINZ_URL": f"{o}/ws/2",
        "TUNECAMP_MUSICBRAINZ_INTERVAL": "0",
        "TUNECAMP_COVERART_URL": f"{o}/caa",
        "TUNECAMP_DISCOGS_URL": f"{o}/discogs",
        "TUNECAMP_ITUNES_URL": f"{o}/itunes",
        "TUNECAMP_LYRICS_URL": f"{o}/ovh",
        "TUNECAMP_LRCLIB_URL": f"{o}/lrclib",
        "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "true",
        "TUNECAMP_OUTBOUND_TIMEOUT": "0.5",
        "COLUMNS": "220",
    }


async def _enrich(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        tunecamp_command(),
        "enrich",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_enrich_shows_the_diff_then_applies_it(
    tmp_path: Path, content: Path, providers: Providers
) -> None:
    env = _env(providers, tmp_path)
    meta = content / "releases/tides/release.yaml"
    before = meta.read_bytes()
    code, out, err = await _enrich(env, "-c", str(content), "tides")
    assert code == 0, err
    assert "Quiet Records" in out and "QR-042" in out and "kept (the artist's)" in out
    assert "answered: coverart, discogs, lrclib, lyricsovh, musicbrainz" in out
    assert "Nothing written" in out and meta.read_bytes() == before  # no --apply: nothing changes

    audio = hashlib.sha256((content / "releases/tides/01 - First Light.flac").read_bytes()).hexdigest()
    code, out, err = await _enrich(env, "-c", str(content), "tides", "--apply", "--only", "label,lyrics")
    assert code == 0, err
    assert "wrote release.yaml: label" in out and "from the cache" in out
    data = yaml.safe_load(meta.read_text())
    assert data["label"] == "Quiet Records" and "catalog_number" not in data  # --only
    assert (content / "releases/tides/01 - First Light.lrc").is_file()
    assert (
        hashlib.sha256((content / "releases/tides/01 - First Light.flac").read_bytes()).hexdigest() == audio
    )

    with sqlite3.connect(tmp_path / "data" / "tunecamp.db") as db:
        runs = db.execute("SELECT trigger, releases, applied FROM enrich_runs ORDER BY id").fetchall()
    assert runs == [("command", '["tides"]', 0), ("command", '["tides"]', 3)]


async def test_enrich_names_what_is_wrong(tmp_path: Path, content: Path, providers: Providers) -> None:
    env = _env(providers, tmp_path)
    code, _, err = await _enrich(env, "-c", str(content), "--only", "label,colour")
    assert code == 2 and "--only" in err and "colour" in err
    code, _, err = await _enrich(env, "-c", str(content), "--provider", "spotify")
    assert code == 2 and "spotify" in err
    code, _, err = await _enrich(env, "-c", str(content), "nope")
    assert code == 1 and "no release with the slug 'nope'" in err
    code, _, err = await _enrich({**env, "TUNECAMP_MUSICBRAINZ_URL": "ftp://x"}, "-c", str(content))
    assert code == 1 and "TUNECAMP_MUSICBRAINZ_URL" in err
    code, _, err = await _enrich(
        {**env, "TUNECAMP_MUSICBRAINZ_URL": "https://musicbrainz.org/ws/2"}, "-c", str(content)
    )
    assert code == 1 and "TUNECAMP_MUSICBRAINZ_INTERVAL=0: 1 to 60 seconds" in err
    assert not providers.seen


async def test_without_the_loopback_setting_nothing_is_reached(
    tmp_path: Path, content: Path, providers: Providers
) -> None:
    env = {**_env(providers, tmp_path), "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK": "false"}
    code, out, err = await _enrich(env, "-c", str(content), "tides", "--provider", "musicbrainz,itunes")
    assert code == 0, err
    assert "musicbrainz: " in out and "loopback" in out and "answered: none" in out
    assert not providers.seen
