"""One zip per release and download format: the tracks, the cover, liner notes and extras.

Zips are deterministic (sorted members, fixed timestamps and permissions), so the same
inputs give the same bytes and the cache can key them by their members' keys alone.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.media.cache import AudioCache, key
from tunecamp.generator.media.images import MIME_EXT, Picture
from tunecamp.generator.media.plan import Product, ReleasePlan, TrackPlan

ZIP_VERSION = 1
_EPOCH = (1980, 1, 1, 0, 0, 0)
_STORED_EXTS = frozenset(
    [
        ".flac",
        ".mp3",
        ".m4a",
        ".ogg",
        ".opus",
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".gif",
        ".zip",
        ".pdf",
        ".mp4",
        ".mkv",
        ".webm",
    ]
)


@dataclass(frozen=True)
class Member:
    name: str  # path inside the zip, "/"-separated
    source: Path
    content_key: str  # the cache key or content hash of `source`: what makes the zip's key


def safe_name(text: str, limit: int = 120) -> str:
    """A file name any OS accepts: no separators, control or reserved characters."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", text).strip().strip(".")
    return text[:limit].rstrip() or "untitled"


def track_name(number: int, title: str, ext: str, disc: int | None = None) -> str:
    """'03 - Night Drive.flac', or '2-03 - Night Drive.flac' on a multi-disc release."""
    prefix = f"{disc}-{number:02d}" if disc else f"{number:02d}"
    return safe_name(f"{prefix} - {title}", 150) + f".{ext}"


def zip_key(fmt: str, members: Iterable[Member]) -> str:
    return key("zip", ZIP_VERSION, fmt, sorted((m.name, m.content_key) for m in members))


def unique_names(members: list[Member]) -> list[Member]:
    """Rename later duplicates ('x.txt' -> 'x (2).txt'), case-insensitively as Windows sees them."""
    seen: set[str] = set()
    out = []
    for m in members:
        name, n = m.name, 1
        while name.casefold() in seen:
            n += 1
            stem, dot, ext = m.name.rpartition(".")
            name = f"{stem} ({n}).{ext}" if dot and "/" not in ext else f"{m.name} ({n})"
        seen.add(name.casefold())
        out.append(Member(name, m.source, m.content_key))
    return out


def write_zip(members: Iterable[Member], target: Path) -> None:
    """Write the zip to `target` (a temp file; the caller commits it)."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as zf:
        for m in sorted(members, key=lambda m: m.name):
            info = zipfile.ZipInfo(m.name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            stored = Path(m.name).suffix.lower() in _STORED_EXTS
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with m.source.open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)


def release_extras(rp: ReleasePlan, cover: Picture | None, cache: AudioCache) -> list[Member]:
    """What every zip of a release holds besides the tracks: the cover, liner notes, extras/."""
    members = []
    if cover is not None:
        ext = MIME_EXT.get(cover.manifest["mime"], cover.original.suffix.lstrip(".") or "bin")
        members.append(Member(f"cover.{ext}", cover.original, cover.content_hash))
    notes = rp.release.source_dir / "notes.md"
    if notes.is_file():
        members.append(Member("notes.md", notes, cache.source_hash(notes)))
    for extra in rp.release.extras:
        members.append(Member(f"extras/{safe_name(extra.name)}", extra, cache.source_hash(extra)))
    return members


FileLookup = Callable[[TrackPlan, Product], "tuple[str, Path] | None"]


def zip_plan(rp: ReleasePlan, files: FileLookup, extras: list[Member]) -> dict[str, list[Member]]:
    """The members of each format's zip, under one folder; a format with no track has no zip.

    `files` gives a track's tagged file in a format (cache key, path), None when it failed.
    """
    if not rp.zip_visibility or not rp.tracks:
        return {}
    root = safe_name(", ".join(rp.tracks[0].tags.album_artists) + " - " + rp.release.title)
    multi_disc = any(tp.track.disc > 1 for tp in rp.tracks)
    plan = {}
    for fmt in rp.zip_formats:
        tracks = []
        for tp in rp.zip_members():
            found = files(tp, Product(fmt))
            if found:
                name = track_name(
                    tp.track.number, tp.track.title, fmt.ext, tp.track.disc if multi_disc else None
                )
                tracks.append(Member(name, found[1], found[0]))
        if tracks:
            plan[fmt.name] = [
                Member(f"{root}/{m.name}", m.source, m.content_key) for m in unique_names([*tracks, *extras])
            ]
    return plan
