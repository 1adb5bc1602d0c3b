"""getCoverArt and getAvatar: every advertised cover ID answers an image, resized once.

Covers come from the release's image file or the picture embedded in its audio; a release
without one gets a generated placeholder, so apps never show a broken image. A resized
cover is written to DATA_DIR/cache/subsonic-covers under a key of its source (path, size,
mtime) and the size asked for, and the most recent ones are kept in memory as well.
"""

from __future__ import annotations

import asyncio
import colorsys
import hashlib
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.library import Album, View
from tunecamp.daemon.subsonic.render import NOT_FOUND, SubsonicError
from tunecamp.daemon.users import get_user_by_name

MIN_SIZE, MAX_SIZE, PLACEHOLDER_SIZE = 16, 2048, 600
MEMORY_ITEMS = 256
CACHE_VERSION = 1


def _remembered(call: Call, key: str) -> bytes | None:
    data = call.state.covers.get(key)
    if data is not None:
        call.state.covers.move_to_end(key)
    return data


def _remember(call: Call, key: str, data: bytes) -> None:
    covers = call.state.covers
    covers[key] = data
    covers.move_to_end(key)
    while len(covers) > MEMORY_ITEMS:
        covers.popitem(last=False)


def placeholder(seed: str, text: str, size: int) -> bytes:
    """A gradient square with initials: stable for a seed, readable at any size."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] / 255
    top = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.45, 0.55))
    bottom = tuple(round(c * 255) for c in colorsys.hls_to_rgb((hue + 0.12) % 1, 0.25, 0.6))
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / max(1, size - 1)
        draw.line(
            [(0, y), (size, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    initials = "".join(word[0] for word in text.split()[:2] if word[:1].isalnum()).upper() or "♪"
    font = ImageFont.load_default(size=max(8, size // 3))
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def resize(data: bytes, size: int | None) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        picture = image.convert("RGB")
    if size is not None and max(picture.size) > size:
        picture.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _source_bytes(path: Path, embedded: bool) -> bytes | None:
    if embedded:
        from tunecamp.generator.catalog.tags import TagError, read_embedded_cover

        try:
            found = read_embedded_cover(path)
        except (TagError, OSError):
            return None
        return found[0] if found else None
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass(frozen=True)
class Cover:
    """Where a cover comes from, and what its placeholder shows when there is none."""

    source: Path | None  # an image file, or the audio file whose picture it is
    embedded: bool
    seed: str  # the placeholder's colours
    text: str  # the placeholder's words


def _render(cover: Cover, size: int | None, target: Path) -> bytes:
    """Runs in a worker thread: read, resize, store; a placeholder when the source fails."""
    data = _source_bytes(cover.source, cover.embedded) if cover.source is not None else None
    image: bytes | None = None
    if data is not None:
        try:
            image = resize(data, size)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            image = None
    if image is None:
        image = placeholder(cover.seed, cover.text, size or PLACEHOLDER_SIZE)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(image)
    os.replace(tmp, target)
    return image


def _album_source(call: Call, album: Album) -> tuple[Path | None, bool]:
    if not album.cover:
        return None, False
    return call.config.content_dir / album.cover, album.cover_embedded


async def _image(call: Call, cover: Cover, size: int | None) -> bytes:
    source = cover.source
    try:
        stat = source.stat() if source is not None else None
    except OSError:
        stat, source = None, None
        cover = replace(cover, source=None)
    identity = f"{CACHE_VERSION}|{source}|{stat.st_size if stat else ''}|{stat.st_mtime_ns if stat else ''}|{cover.seed}|{cover.text}|{size}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:32]
    cached = _remembered(call, key)
    if cached is not None:
        return cached
    target = call.config.data_dir / "cache" / "subsonic-covers" / f"{key}.jpg"
    try:
        data = await asyncio.to_thread(target.read_bytes)
    except OSError:
        data = await asyncio.to_thread(_render, cover, size, target)
    _remember(call, key, data)
    return data


def _cover_target(call: Call, view: View, raw: str) -> Cover:
    from tunecamp.daemon.subsonic.ids import parse

    item = parse(raw)
    if item is None:
        raise SubsonicError(NOT_FOUND, f"no cover art with ID {raw[:60]!r}")
    album: Album | None = None
    if item.kind == "album":
        album = view.albums.get(item.number)
    elif item.kind == "track" and item.number in view.tracks:
        album = view.albums[view.tracks[item.number].album_id]
    elif item.kind == "artist" and item.number in view.artist_albums:
        artist = view.library.artists[item.number]
        if artist.image:
            return Cover(call.config.content_dir / artist.image, False, f"artist:{artist.id}", artist.name)
        latest = view.artist_albums[artist.id][-1]
        path, embedded = _album_source(call, latest)
        return Cover(path, embedded, f"artist:{artist.id}", artist.name)
    elif item.kind == "playlist":
        return Cover(None, False, f"playlist:{item.number}", "Playlist")
    if album is None:
        raise SubsonicError(NOT_FOUND, f"no cover art with ID {raw[:60]!r}")
    path, embedded = _album_source(call, album)
    return Cover(path, embedded, f"album:{album.slug}", album.title)


def _image_response(data: bytes) -> web.Response:
    etag = hashlib.sha256(data).hexdigest()[:24]
    return web.Response(
        body=data,
        content_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400", "ETag": f'"{etag}"'},
    )


async def get_cover_art(call: Call) -> web.StreamResponse:
    view = await call.view()
    raw = call.required("id")
    size = call.integer("size")
    size = None if size is None or size <= 0 else max(MIN_SIZE, min(MAX_SIZE, size))
    return _image_response(await _image(call, _cover_target(call, view, raw), size))


async def get_avatar(call: Call) -> web.StreamResponse:
    name = call.required("username")
    found = await call.db(lambda d: get_user_by_name(d, name))
    if found is None:
        raise SubsonicError(NOT_FOUND, f"no user named {name[:64]!r}")
    return _image_response(await _image(call, Cover(None, False, f"user:{found.id}", found.username), 256))


ENDPOINTS: dict[str, Any] = {"getCoverArt": get_cover_art, "getAvatar": get_avatar}
