"""Covers and artist pictures in a fixed set of widths, JPEG and WebP, ready for srcset.

A picture is decoded once per content: the variants and a small manifest (sizes, keys)
go to the media cache, so a later build reads the manifest and never opens the image.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blurhash
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from tunecamp.generator.catalog.model import Image
from tunecamp.generator.catalog.tags import TagError, read_embedded_cover
from tunecamp.generator.media.cache import AudioCache, key
from tunecamp.generator.media.model import ImageSet, ImageVariant
from tunecamp.generator.media.tagwrite import Cover
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problems

IMAGE_VERSION = 1
WIDTHS = (160, 320, 640, 1280)
DEFAULT_WIDTH = 640  # the <img src> fallback, and the picture embedded in audio tags
MAX_PIXELS = 80_000_000  # beyond this a "cover" is a decompression bomb, not a picture
JPEG = {"quality": 85, "optimize": True, "progressive": True}
WEBP = {"quality": 80, "method": 4}
MIME_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
_PIL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class ImageError(Exception):
    """A picture Pillow cannot use; the message is one line."""


@dataclass(frozen=True)
class Rendered:
    width: int
    height: int
    mime: str
    variants: tuple[tuple[int, int, str, bytes], ...]  # width, height, mime, bytes


def render_variants(data: bytes) -> Rendered:
    """Every width of WIDTHS not larger than the picture (or its own width), as JPEG and WebP."""
    try:
        with PILImage.open(io.BytesIO(data)) as im:
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{width}x{height} pixels is too large for a cover (limit {MAX_PIXELS:,})")
            mime = _PIL_MIME.get(im.format or "", "application/octet-stream")
            im.draft("RGB", (max(WIDTHS), max(WIDTHS)))  # JPEG: decode at a reduced scale when it can
            if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # EXIF orientation: turned a quarter
                width, height = height, width
            base = _flatten(ImageOps.exif_transpose(im))
            widths = sorted({min(w, base.width) for w in WIDTHS}, reverse=True)
            variants: list[tuple[int, int, str, bytes]] = []
            for w in widths:
                h = max(1, round(base.height * w / base.width))
                scaled = (
                    base
                    if w == base.width
                    else base.resize((w, h), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
                )
                for fmt, opts, out_mime in (("JPEG", JPEG, "image/jpeg"), ("WEBP", WEBP, "image/webp")):
                    buf = io.BytesIO()
                    scaled.save(buf, fmt, **opts)
                    variants.append((w, h, out_mime, buf.getvalue()))
    except ImageError:
        raise
    except PILImage.DecompressionBombError:
        raise ImageError(f"the picture is too large for a cover (limit {MAX_PIXELS:,} pixels)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"cannot read the picture: {exc}".splitlines()[0]) from None
    return Rendered(width, height, mime, tuple(variants))


def _flatten(im: PILImage.Image) -> PILImage.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def manifest_key(content_hash: str) -> str:
    return key("image", IMAGE_VERSION, WIDTHS, JPEG, WEBP, content_hash)


def cached_picture(cache: AudioCache, content_hash: str) -> dict[str, Any] | None:
    """The manifest of a picture already rendered, when all its variants are still there."""
    manifest = cache.read_json(manifest_key(content_hash))
    try:
        if manifest and all(cache.path(v[3], _suffix(v[2])).is_file() for v in manifest["variants"]):
            return dict(manifest)
    except (KeyError, IndexError, TypeError):
        pass
    return None


def picture(cache: AudioCache, content_hash: str, load: Callable[[], bytes]) -> dict[str, Any]:
    """Render (or find in the cache) the variants of the picture whose bytes `load` returns."""
    found = cached_picture(cache, content_hash)
    if found:
        return found
    rendered = render_variants(load())
    variants = []
    for w, h, mime, data in rendered.variants:
        variant_key = key("image-variant", manifest_key(content_hash), w, mime)
        cache.put_bytes(variant_key, _suffix(mime), data)
        variants.append([w, h, mime, variant_key])
    manifest = {
        "width": rendered.width,
        "height": rendered.height,
        "mime": rendered.mime,
        "variants": variants,
    }
    cache.put_json(manifest_key(content_hash), manifest)
    return manifest


def picture_keys(manifest: dict[str, Any], content_hash: str) -> set[str]:
    return {manifest_key(content_hash), *(v[3] for v in manifest["variants"])}


def _suffix(mime: str) -> str:
    return "." + MIME_EXT.get(mime, "bin")


def image_set(
    manifest: dict[str, Any],
    cache: AudioCache,
    site_path: Callable[[int | None, str], str],
    description: str | None,
    original: Path,
) -> tuple[ImageSet, list[Output]]:
    """The ImageSet and its Outputs; `site_path(width, ext)` names files (width None: the original)."""
    outputs: list[Output] = []
    variants: list[ImageVariant] = []
    for w, h, mime, variant_key in manifest["variants"]:
        path = site_path(w, MIME_EXT[mime])
        variants.append(ImageVariant(path, w, h, mime))
        outputs.append(Output(path, source=cache.path(variant_key, _suffix(mime)), owned=True))
    default_width = max((v.width or 0) for v in variants if (v.width or 0) <= DEFAULT_WIDTH) or min(
        v.width or 0 for v in variants
    )
    variants.sort(key=lambda v: (not (v.mime == "image/jpeg" and v.width == default_width), v.mime, v.width))
    ext = MIME_EXT.get(manifest["mime"], original.suffix.lstrip(".").lower() or "bin")
    original_path = site_path(None, ext)
    outputs.append(Output(original_path, source=original))
    original_variant = ImageVariant(original_path, manifest["width"], manifest["height"], manifest["mime"])
    return ImageSet(tuple(variants), description, original_variant), outputs


@dataclass(frozen=True)
class Picture:
    """A cover or artist image as the cache holds it."""

    manifest: dict[str, Any]
    content_hash: str
    original: Path  # the file in content/, or an embedded cover's bytes in the cache
    original_key: str | None = None

    @property
    def keys(self) -> set[str]:
        extra = {self.original_key} if self.original_key else set()
        return picture_keys(self.manifest, self.content_hash) | extra

    @property
    def tag_cover_key(self) -> str:
        """The JPEG variant at the default width: small enough to embed in every transcode."""
        return str(self._tag_variant()[3])

    def _tag_variant(self) -> list[Any]:
        jpegs = [v for v in self.manifest["variants"] if v[2] == "image/jpeg"]
        return min(jpegs, key=lambda v: (v[0] > DEFAULT_WIDTH, abs(v[0] - DEFAULT_WIDTH)))

    def tag_cover(self, cache: AudioCache) -> Cover:
        w, h, mime, variant_key = self._tag_variant()
        return Cover(cache.path(variant_key, _suffix(mime)).read_bytes(), mime, w, h)

    def image_set(
        self, cache: AudioCache, site_path: Callable[[int | None, str], str], description: str | None
    ) -> tuple[ImageSet, list[Output]]:
        return image_set(self.manifest, cache, site_path, description, self.original)


BLURHASH_VERSION = 1
BLURHASH_SIZE = 32  # pixels a side
BLURHASH_COMPONENTS = (4, 3)  # what Mastodon computes for its own attachments


def _smallest_jpeg(pic: Picture) -> list[Any] | None:
    jpegs = [v for v in pic.manifest["variants"] if v[2] == "image/jpeg"]
    return min(jpegs, key=lambda v: v[0]) if jpegs else None


def blurhash_key(pic: Picture) -> str:
    """Where a picture's BlurHash is kept in the cache (`tunecamp cache gc` keeps it)."""
    smallest = _smallest_jpeg(pic)
    return key("blurhash", BLURHASH_VERSION, BLURHASH_COMPONENTS, smallest[3] if smallest else None)


def cover_blurhash(pic: Picture, cache: AudioCache, problems: Problems) -> str | None:
    """The BlurHash of a picture, from its smallest JPEG variant, computed once per content."""
    smallest = _smallest_jpeg(pic)
    if smallest is None:
        return None
    bkey = blurhash_key(pic)
    found = cache.read_json(bkey)
    if isinstance(found, dict) and isinstance(found.get("blurhash"), str):
        return str(found["blurhash"])
    try:
        with PILImage.open(cache.path(smallest[3], _suffix(smallest[2]))) as im:
            small = im.convert("RGB")
            small.thumbnail((BLURHASH_SIZE, BLURHASH_SIZE))  # a blur needs few pixels: fast in pure Python
        w, h, data = small.width, small.height, small.tobytes()
        rows = [[tuple(data[(y * w + x) * 3 : (y * w + x) * 3 + 3]) for x in range(w)] for y in range(h)]
        x, y = BLURHASH_COMPONENTS
        value = str(blurhash.encode(rows, components_x=x, components_y=y))
    except (OSError, ValueError) as exc:
        problems.warning(pic.original, f"no BlurHash for this picture: {exc}")
        return None
    cache.put_json(bkey, {"blurhash": value})
    return value


def load_picture(image: Image, cache: AudioCache, render: bool = True) -> Picture | None:
    """A cover or artist image through the cache, rendered when `render` and not cached yet.

    None when an embedded cover cannot be found (or, without `render`, is not cached).
    Raises ImageError or OSError for a picture that cannot be used.
    """
    if image.embedded_in is None:
        content_hash = cache.source_hash(image.source)
        if not render:
            manifest = cached_picture(cache, content_hash)
            return Picture(manifest, content_hash, image.source) if manifest else None
        return Picture(picture(cache, content_hash, image.source.read_bytes), content_hash, image.source)
    audio_hash = cache.source_hash(image.embedded_in)
    content_hash = "embedded:" + audio_hash
    original_key = key("embedded-cover", audio_hash)
    manifest = cached_picture(cache, content_hash)
    if manifest:
        original = cache.path(original_key, _suffix(manifest["mime"]))
        if original.is_file():
            return Picture(manifest, content_hash, original, original_key)
    if not render:
        return None
    try:
        found = read_embedded_cover(image.embedded_in)
    except TagError as exc:
        raise ImageError(str(exc)) from None
    if found is None:
        return None
    data = found[0]
    manifest = picture(cache, content_hash, lambda: data)
    original = cache.put_bytes(original_key, _suffix(manifest["mime"]), data)
    return Picture(manifest, content_hash, original, original_key)
