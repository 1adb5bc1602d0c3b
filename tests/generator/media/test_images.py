from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from conftest import PNG_1PX
from PIL import Image as PILImage

from tunecamp.generator.catalog.model import Image
from tunecamp.generator.media.cache import AudioCache
from tunecamp.generator.media.images import (
    DEFAULT_WIDTH,
    WIDTHS,
    ImageError,
    load_picture,
    render_variants,
)


def jpeg(width: int, height: int, **save: object) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 30)).save(buf, "JPEG", **save)  # type: ignore[arg-type]
    return buf.getvalue()


def test_every_width_in_jpeg_and_webp() -> None:
    rendered = render_variants(jpeg(2000, 1000))
    assert (rendered.width, rendered.height, rendered.mime) == (2000, 1000, "image/jpeg")
    got = {(w, h, mime) for w, h, mime, _ in rendered.variants}
    assert got == {(w, w // 2, mime) for w in WIDTHS for mime in ("image/jpeg", "image/webp")}
    for w, h, mime, data in rendered.variants:
        with PILImage.open(io.BytesIO(data)) as im:
            assert im.size == (w, h) and im.get_format_mimetype() == mime


def test_a_small_picture_is_never_enlarged() -> None:
    rendered = render_variants(PNG_1PX)
    assert {(w, h) for w, h, _, _ in rendered.variants} == {(1, 1)}
    widths = {w for w, _, _, _ in render_variants(jpeg(500, 500)).variants}
    assert widths == {160, 320, 500}


def test_transparency_is_flattened_onto_white() -> None:
    buf = io.BytesIO()
    PILImage.new("RGBA", (400, 400), (0, 0, 0, 0)).save(buf, "PNG")
    rendered = render_variants(buf.getvalue())
    _, _, _, data = next(v for v in rendered.variants if v[2] == "image/jpeg")
    with PILImage.open(io.BytesIO(data)) as im:
        r, g, b = im.convert("RGB").getpixel((5, 5))  # type: ignore[misc]
        assert min(r, g, b) > 240


def test_exif_rotation_is_applied() -> None:
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    rendered = render_variants(jpeg(800, 400, exif=exif.tobytes()))
    assert (rendered.width, rendered.height) == (400, 800)
    assert {(w, h) for w, h, _, _ in rendered.variants} == {(160, 320), (320, 640), (400, 800)}


@pytest.mark.parametrize(
    "data",
    [b"", b"not a picture at all", jpeg(300, 300)[:200], PNG_1PX[:40]],
    ids=["empty", "text", "truncated jpeg", "truncated png"],
)
def test_broken_pictures_raise_a_one_line_error(data: bytes) -> None:
    with pytest.raises(ImageError) as caught:
        render_variants(data)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("side", [9000, 30000])
def test_a_decompression_bomb_is_refused(side: int) -> None:
    # a PNG header claiming side x side pixels, with next to no data behind it
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    with pytest.raises(ImageError, match="too large"):
        render_variants(png + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


def test_image_sets_put_the_default_jpeg_first(tmp_path: Path) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(jpeg(1500, 1500))
    cache = AudioCache(tmp_path / "cache")
    pic = load_picture(Image(cover, "red"), cache)
    assert pic is not None
    image, outputs = pic.image_set(cache, lambda w, ext: f"c{'-' + str(w) if w else ''}.{ext}", "red")
    assert image.default.path == f"c-{DEFAULT_WIDTH}.jpg" and image.description == "red"
    assert [v.width for v in image.srcset("image/webp")] == sorted(WIDTHS)
    assert image.original is not None and image.original.path == "c.jpg" and image.original.width == 1500
    assert {o.path for o in outputs} == {v.path for v in image.variants} | {"c.jpg"}
    assert next(o for o in outputs if o.path == "c.jpg").source == cover


def test_pictures_are_rendered_once(tmp_path: Path) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(jpeg(700, 700))
    first = AudioCache(tmp_path / "cache")
    made = load_picture(Image(cover), first)
    assert first.stats.made > 0
    first.close()
    again = AudioCache(tmp_path / "cache")
    assert load_picture(Image(cover), again) == made and again.stats.made == 0


def test_an_embedded_cover_is_used_and_kept_as_the_original(tmp_path: Path, make_audio) -> None:
    song = make_audio(tmp_path / "song.mp3", cover=PNG_1PX)
    cache = AudioCache(tmp_path / "cache")
    pic = load_picture(Image(song, embedded_in=song), cache)
    assert pic is not None and pic.original.read_bytes() == PNG_1PX
    assert pic.original.suffix == ".png" and pic.original_key in pic.keys
    assert pic.tag_cover(cache).mime == "image/jpeg"


def test_an_embedded_cover_that_vanished_gives_none(tmp_path: Path, make_audio) -> None:
    song = make_audio(tmp_path / "song.flac")
    assert load_picture(Image(song, embedded_in=song), AudioCache(tmp_path / "cache")) is None
