"""A kept recording becomes a draft release folder in the catalog: the audio and a release.yaml.

The browser's webm/opus bytes are written as they arrive (recording.webm), so the recording is
whole even when the HLS encoder was restarted mid-broadcast. At the end they are remuxed, not
re-encoded, into an Ogg Opus file (`-c:a copy`: a few seconds for an hour), tagged with the
broadcast's title, and the folder is moved into releases/ in one rename, so a build never sees it
half made. Without a `status` the generator takes a release for a draft; it is written anyway, so
the artist sees what to change to publish it, from the dashboard or the release.yaml.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

RELEASES = "releases"
TRACK = "01 - Live.opus"


class RecordingError(RuntimeError):
    """The recording could not be made into a release; the message says why."""


@dataclass(frozen=True)
class Recording:
    source: Path  # recording.webm
    artist: str
    title: str
    session: str
    started: dt.datetime


def release_slug(recording: Recording) -> str:
    return f"{recording.artist}-live-{recording.started:%Y-%m-%d}-{recording.session[:6]}"


def release_yaml(recording: Recording) -> str:
    head = (
        f"# Recorded live by TuneCamp on {recording.started:%Y-%m-%d %H:%M} UTC.\n"
        "# A draft: publish it from the dashboard, or write status: published here.\n"
    )
    data = {
        "status": "draft",
        "title": recording.title,
        "artist": recording.artist,
        "date": recording.started.date().isoformat(),
    }
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def make_draft(ffmpeg: str, content_dir: Path, recording: Recording) -> str:
    """Write the draft release (blocking: run it in a thread); returns its slug."""
    if not recording.source.is_file() or recording.source.stat().st_size == 0:
        raise RecordingError("nothing was recorded")
    slug = release_slug(recording)
    releases = content_dir / RELEASES
    final = releases / slug
    if final.exists():
        raise RecordingError(f"{final} exists already")
    work = releases / f".{slug}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        source = ["-hide_banner", "-loglevel", "error", "-y", "-i", str(recording.source), "-vn"]
        tags = ["-metadata", f"title={recording.title}", "-metadata", f"artist={recording.artist}"]
        command = [ffmpeg, *source, "-c:a", "copy", *tags, str(work / TRACK)]
        result = subprocess.run(
            command,
            capture_output=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RecordingError(f"ffmpeg could not remux the recording: {result.stderr.decode()[-300:]}")
        (work / "release.yaml").write_text(release_yaml(recording), encoding="utf-8")
        work.rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return slug
