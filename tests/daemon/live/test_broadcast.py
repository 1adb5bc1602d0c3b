"""A broadcast through the real endpoints: chunks in, one ffmpeg, a playlist whose segments decode."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml
from livestudio import SECONDS, Listener, chunks, probe_seconds, wait_for

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.live.api import HUB
from tunecamp.generator.catalog.scan import scan


def _concat(listener: Listener, folder: Path) -> Path:
    names = sorted(listener.segments)  # g<generation>-<n>.ts: in broadcast order
    path = folder / "all.ts"
    path.write_bytes(b"".join(listener.segments[n] for n in names))
    return path


async def test_a_broadcast_plays_as_segments_that_decode_to_its_length(
    live_config: DaemonConfig, make_studio: Any, webm: bytes, tmp_path: Path
) -> None:
    studio = await make_studio(dataclasses.replace(live_config, live_record=False))
    session = await studio.start("Night set")
    assert session["artist"] == "aurora" and session["live"] is True
    listener = Listener(studio.client, f"/live/{session['id']}/index.m3u8")
    await studio.broadcast(session["id"], webm, listener)
    ended = await studio.end(session["id"])
    assert ended["state"] == "ended" and ended["release"] is None  # not recorded: nothing kept
    final = await listener.poll()
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-TARGETDURATION:2" in final and "#EXT-X-DISCONTINUITY\n" not in final

    names = sorted(listener.segments)
    assert names == [f"g1-{n:05d}.ts" for n in range(len(names))]  # none missed, none twice
    for name in names:  # each segment decodes on its own, as a player that joins late needs
        (tmp_path / name).write_bytes(listener.segments[name])
        assert 0 < probe_seconds(tmp_path / name) <= 2.1
    assert abs(probe_seconds(_concat(listener, tmp_path)) - SECONDS) < 2.0  # within a segment


async def test_the_end_cleans_up_and_a_kept_recording_is_a_draft_release(
    live_config: DaemonConfig, make_studio: Any, webm: bytes
) -> None:
    studio = await make_studio(live_config)
    session = await studio.start("Harbour: live at dawn")
    listener = Listener(studio.client, f"/live/{session['id']}/index.m3u8")
    await studio.broadcast(session["id"], webm, listener, pieces=8)
    hub = studio.client.app[HUB]
    folder = hub.root / session["id"]
    assert any(folder.glob("*.ts"))
    ended = await studio.end(session["id"], keep=True)
    # asked at once: the files linger only half a second in these tests
    status = await (await studio.client.get("/api/live/status", params={"artist": "aurora"})).json()
    assert status["live"] is False  # ended: the page says so at once
    assert (await listener.poll()).rstrip().endswith("#EXT-X-ENDLIST")  # late listeners still finish

    slug = ended["release"]
    release = live_config.content_dir / "releases" / slug
    meta = yaml.safe_load((release / "release.yaml").read_text())
    assert meta["status"] == "draft" and meta["artist"] == "aurora"
    assert meta["title"] == "Harbour: live at dawn" and str(meta["date"]) == session["started_at"][:10]
    assert abs(probe_seconds(release / "01 - Live.opus") - SECONDS) < 0.5  # the whole broadcast
    assert not list(live_config.content_dir.glob("releases/.*"))  # no work folder left behind
    (live_config.content_dir / "catalog.yaml").write_text("title: T\nbase_url: http://127.0.0.1:8000\n")
    catalog, problems = scan(live_config.content_dir)  # what the next build sees
    draft = next(r for r in catalog.releases if r.slug == slug)
    assert (
        draft.status == "draft"
        and draft.title == "Harbour: live at dawn"
        and draft.artist_slugs == ("aurora",)
    )
    assert [t.title for t in draft.tracks] == ["Harbour: live at dawn"] and abs(
        draft.duration - SECONDS
    ) < 0.5
    assert not problems.errors, problems.errors

    await wait_for(lambda: _gone(studio, session["id"], folder), "the session's files were not cleaned up")
    assert (await studio.client.get(f"/live/{session['id']}/index.m3u8")).status == 404


async def _gone(studio: Any, session: str, folder: Path) -> bool:
    return not folder.exists() and session not in studio.client.app[HUB].sessions


async def test_ffmpeg_killed_mid_broadcast_restarts_and_the_playlist_goes_on(
    live_config: DaemonConfig, make_studio: Any, webm: bytes, tmp_path: Path
) -> None:
    studio = await make_studio(dataclasses.replace(live_config, live_record=False))
    session = await studio.start()
    listener = Listener(studio.client, f"/live/{session['id']}/index.m3u8")
    pieces = chunks(webm, 24)
    live = studio.client.app[HUB].sessions[session["id"]]
    for seq, piece in enumerate(pieces[:12]):
        assert (await studio.send(session["id"], piece, seq)).status == 200

    async def some_segments() -> bool:
        await listener.poll()
        return len(listener.segments) >= 2

    await wait_for(some_segments, "no segment before the kill")
    assert live.encoder is not None
    live.encoder.kill()
    await live.encoder.process.wait()  # type: ignore[union-attr]
    for seq, piece in enumerate(pieces[12:], start=12):
        assert (await studio.send(session["id"], piece, seq)).status == 200
        await listener.poll()
    ended = await studio.end(session["id"])
    assert ended["restarts"] == 1
    text = await listener.poll()
    lines = text.splitlines()
    first_after = next(i for i, line in enumerate(lines) if line.startswith("g2-"))
    assert lines[first_after - 2] == "#EXT-X-DISCONTINUITY"  # then its #EXTINF, then the segment
    assert any(n.startswith("g1-") for n in listener.segments) and any(
        n.startswith("g2-") for n in listener.segments
    )
    for name, data in listener.segments.items():
        (tmp_path / name).write_bytes(data)
        assert probe_seconds(tmp_path / name) > 0
    # the chunk ffmpeg was fed when it died is all that is lost
    assert abs(probe_seconds(_concat(listener, tmp_path)) - SECONDS) < 4.0
