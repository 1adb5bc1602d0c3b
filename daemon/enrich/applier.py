"""Writing accepted proposals: release.yaml and track entries, the cover, lyrics beside the audio.

release.yaml goes through the catalog's text-preserving writer (meta_edit, as publishing), so the
artist's comments and order stay. A cover is a new `cover.<ext>` in the release folder (and, when
it replaces one release.yaml names, `cover:` points to it); synced lyrics are `<track>.lrc` and
plain ones `<track>.txt` beside the audio, which the build reads. Every file is written whole
(a temporary file, then renamed). Audio files are never opened for writing.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from tunecamp.daemon.enrich.fetch import ProviderError, image_type
from tunecamp.daemon.enrich.model import Proposal, ReleaseQuery
from tunecamp.generator.catalog.listing import AUDIO_EXTS
from tunecamp.generator.catalog.meta_edit import Edits, Value, write_values
from tunecamp.generator.catalog.publish import PublishError

FetchImage = Callable[[str], Awaitable[bytes | None]]
YAML_RELEASE = ("date", "genres", "label", "catalog_number", "credits")
YAML_TRACK = ("title", "isrc", "composer")


@dataclass
class Applied:
    written: list[str] = field(default_factory=list)  # what changed, one line each
    errors: list[str] = field(default_factory=list)


def _yaml_value(p: Proposal) -> Value:
    if p.field == "date" and isinstance(p.proposed, str) and len(p.proposed) == 10:
        return dt.date.fromisoformat(p.proposed)
    return p.proposed


async def apply(q: ReleaseQuery, proposals: list[Proposal], fetch_image: FetchImage) -> Applied:
    done = Applied()
    release: dict[str, Value] = {}
    tracks: dict[str, dict[str, Value]] = {}
    for p in proposals:
        if p.track is None and p.field in YAML_RELEASE:
            release[p.field] = _yaml_value(p)
        elif p.track is not None and p.field in YAML_TRACK:
            tracks.setdefault(p.track, {})[p.field] = _yaml_value(p)
    cover = next((p for p in proposals if p.field == "cover" and p.track is None), None)
    if cover is not None:
        name = await _cover(q, cover, fetch_image, done)
        if name and cover.overwrite:
            # release.yaml may name the old one, or an old cover.jpg would win over a new cover.png
            release["cover"] = name
    meta = q.folder / "release.yaml"
    edits = Edits(release, tracks)
    try:
        if write_values(meta, edits):
            done.written.append(f"{meta.name}: {', '.join(_keys(edits))}")
    except PublishError as exc:
        done.errors.append(str(exc))
    for p in proposals:
        if p.field == "lyrics" and p.track is not None and isinstance(p.proposed, str):
            _lyrics(q, p, done)
    return done


def _keys(edits: Edits) -> list[str]:
    return [*edits.release, *(f"{k} of {file}" for file, values in edits.tracks.items() for k in values)]


async def _cover(q: ReleaseQuery, p: Proposal, fetch_image: FetchImage, done: Applied) -> str | None:
    try:
        data = await fetch_image(str(p.proposed))
    except ProviderError as exc:
        done.errors.append(f"cover: {exc}")
        return None
    kind = image_type(data or b"")
    if data is None or kind is None:
        done.errors.append("cover: the image is gone or is not a JPEG, PNG or WebP")
        return None
    name = f"cover.{kind}"
    target = q.folder / name
    if target.exists() and not p.overwrite:
        done.errors.append(f"cover: {name} is there already; name `cover` in --overwrite to replace it")
        return None
    write_file(target, data)
    done.written.append(f"{name} ({len(data) // 1024} KB, {p.source})")
    return name


def _lyrics(q: ReleaseQuery, p: Proposal, done: Applied) -> None:
    audio = (q.folder / str(p.track)).resolve()
    if not audio.is_relative_to(q.folder.resolve()) or audio.suffix.lower() not in AUDIO_EXTS:
        done.errors.append(f"lyrics of {p.track}: not an audio file of this release")
        return
    synced = audio.with_suffix(".lrc")
    target = synced if p.extra == "synced" else audio.with_suffix(".txt")
    if target != synced and synced.exists():
        done.errors.append(f"lyrics of {p.track}: {synced.name} is read first; remove it to use plain lyrics")
        return
    if target.exists() and not p.overwrite:
        done.errors.append(f"lyrics of {p.track}: {target.name} is there already")
        return
    write_file(target, str(p.proposed).encode("utf-8"))
    done.written.append(f"{target.name} ({p.extra} lyrics, {p.source})")


def write_file(path: Path, data: bytes) -> None:
    """`data` in `path`, whole or not at all; never an audio file."""
    if path.suffix.lower() in AUDIO_EXTS:
        raise PublishError(f"{path}: enrichment never writes audio files")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
