"""Writing tags into transcodes, the way each container expects them.

Every file the site serves carries title, artists, album, numbers, date, license and the
cover, whatever the source had: old tags are removed first, so a file never keeps a tag
the catalog no longer says.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mutagen.aiff import AIFF
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TXXX, WCOP
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE


@dataclass(frozen=True)
class TagData:
    title: str
    artists: tuple[str, ...]
    album: str
    album_artists: tuple[str, ...]
    number: int
    total: int
    disc: int = 1
    discs: int = 1
    date: str | None = None  # ISO date or year
    license: str | None = None

    def cache_part(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str
    width: int
    height: int


def write_tags(path: Path, ext: str, tags: TagData, cover: Cover | None) -> None:
    """Replace all tags of `path` (a file of type `ext`: mp3, flac, opus, ogg, m4a, wav, aiff)."""
    if ext in ("mp3", "wav", "aiff"):
        _id3(path, ext, tags, cover)
    elif ext == "flac":
        _flac(path, tags, cover)
    elif ext in ("opus", "ogg"):
        _ogg(path, ext, tags, cover)
    elif ext == "m4a":
        _mp4(path, tags, cover)
    else:
        raise ValueError(f"no tag writer for .{ext}")


def _id3(path: Path, ext: str, tags: TagData, cover: Cover | None) -> None:
    audio = {"mp3": MP3, "wav": WAVE, "aiff": AIFF}[ext](path)
    if audio.tags is None:
        audio.add_tags()
    else:
        audio.tags.clear()
    id3: ID3 = audio.tags  # type: ignore[assignment]
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=list(tags.artists)))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TPE2(encoding=3, text=list(tags.album_artists)))
    id3.add(TRCK(encoding=3, text=f"{tags.number}/{tags.total}"))
    id3.add(TPOS(encoding=3, text=f"{tags.disc}/{tags.discs}"))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date))
    if tags.license:
        id3.add(TXXX(encoding=3, desc="LICENSE", text=tags.license))
        if tags.license.startswith(("http://", "https://")):
            id3.add(WCOP(url=tags.license))
    if cover:
        id3.add(APIC(encoding=3, mime=cover.mime, type=3, desc="Cover", data=cover.data))
    # ID3v2.4: several artists stay separate values (v2.3 could only join them with "/")
    audio.save(v2_version=4)


def _vorbis_comments(tags: TagData) -> dict[str, list[str]]:
    comments = {
        "TITLE": [tags.title],
        "ARTIST": list(tags.artists),
        "ALBUM": [tags.album],
        "ALBUMARTIST": list(tags.album_artists),
        "TRACKNUMBER": [str(tags.number)],
        "TRACKTOTAL": [str(tags.total)],
        "DISCNUMBER": [str(tags.disc)],
        "DISCTOTAL": [str(tags.discs)],
    }
    if tags.date:
        comments["DATE"] = [tags.date]
    if tags.license:
        comments["LICENSE"] = [tags.license]
    return comments


def _picture(cover: Cover) -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.desc, pic.data = 3, cover.mime, "Cover", cover.data
    pic.width, pic.height, pic.depth = cover.width, cover.height, 24
    return pic


def _flac(path: Path, tags: TagData, cover: Cover | None) -> None:
    audio = FLAC(path)
    audio.clear_pictures()
    if audio.tags is None:
        audio.add_tags()
    comments: Any = audio.tags
    comments.clear()
    for name, values in _vorbis_comments(tags).items():
        comments[name] = values
    if cover:
        audio.add_picture(_picture(cover))
    audio.save()


def _ogg(path: Path, ext: str, tags: TagData, cover: Cover | None) -> None:
    audio = OggOpus(path) if ext == "opus" else OggVorbis(path)
    comments: Any = audio.tags
    comments.clear()
    for name, values in _vorbis_comments(tags).items():
        comments[name] = values
    if cover:
        comments["METADATA_BLOCK_PICTURE"] = [base64.b64encode(_picture(cover).write()).decode("ascii")]
    audio.save()


def _mp4(path: Path, tags: TagData, cover: Cover | None) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    atoms: Any = audio.tags
    atoms.clear()
    atoms["\xa9nam"] = [tags.title]
    atoms["\xa9ART"] = list(tags.artists)
    atoms["\xa9alb"] = [tags.album]
    atoms["aART"] = list(tags.album_artists)
    atoms["trkn"] = [(tags.number, tags.total)]
    atoms["disk"] = [(tags.disc, tags.discs)]
    if tags.date:
        atoms["\xa9day"] = [tags.date]
    if tags.license:
        atoms["----:com.apple.iTunes:LICENSE"] = [MP4FreeForm(tags.license.encode())]
    if cover:
        kind = MP4Cover.FORMAT_PNG if cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        atoms["covr"] = [MP4Cover(cover.data, imageformat=kind)]
    audio.save()
