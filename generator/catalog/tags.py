"""Audio tags as TrackTags: ID3 (MP3, WAV, AIFF), Vorbis comments (FLAC, Ogg, Opus) and MP4 atoms.

Each tag family is first flattened into one dictionary keyed by a normalised name
(`ALBUM ARTIST`, `album_artist` and `----:com.apple.iTunes:ALBUMARTIST` all become
`albumartist`), so the meaning of each field is decided once, whatever the container.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mutagen.flac import Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4Cover, MP4Tags

from tunecamp.generator.catalog.audiofile import TagError, open_audio
from tunecamp.generator.catalog.lyrics import plain_text, read_lyrics_file
from tunecamp.generator.catalog.model import AudioInfo
from tunecamp.generator.catalog.tagvalues import (
    clean_values,
    normalize_isrc,
    parse_date,
    parse_numbers,
    split_names,
)

__all__ = ["TagError", "TrackTags", "read_embedded_cover", "read_lyrics_file", "read_tags", "tags_from"]

Raw = dict[str, list[str]]


@dataclass(frozen=True)
class TrackTags:
    """What a file's tags say about its track; anything may be missing."""

    title: str | None = None
    artists: tuple[str, ...] = ()
    album: str | None = None
    album_artists: tuple[str, ...] = ()
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    date: dt.date | None = None  # a year alone gives January 1st; `year` says how much is known
    year: int | None = None
    genres: tuple[str, ...] = ()
    lyrics: str | None = None
    composers: tuple[str, ...] = ()
    credits: str | None = None  # "Role: Name, Name" lines
    isrc: str | None = None
    musicbrainz: dict[str, str] = field(default_factory=dict, hash=False)
    comment: str | None = None
    has_cover: bool = False
    bpm: int | None = None
    moods: tuple[str, ...] = ()
    release_types: tuple[str, ...] = ()  # Picard's RELEASETYPE: album, single, ep, live...
    original_date: str | None = None  # as written: "1999", "1999-03-02"
    disc_subtitle: str | None = None  # the title of the track's disc (DISCSUBTITLE, TSST)


def read_tags(path: Path) -> tuple[TrackTags, AudioInfo]:
    """Tags and stream info; raises TagError (never anything else) when the audio is unusable."""
    audio, info = open_audio(path)
    try:
        return tags_from(audio), info
    except Exception:  # tags mutagen parsed but we cannot make sense of: the audio is still good
        return TrackTags(), info


def tags_from(audio: Any) -> TrackTags:
    """TrackTags from a loaded mutagen file (None gives empty tags)."""
    tags = getattr(audio, "tags", None)
    if isinstance(tags, ID3):
        raw, cover = _from_id3(tags)
    elif isinstance(tags, MP4Tags):
        raw, cover = _from_mp4(tags)
    else:
        raw, cover = _from_vorbis(tags or ())
        cover = cover or bool(getattr(audio, "pictures", None))
    return build_tags(raw, cover)


@functools.lru_cache(maxsize=1024)  # the same few dozen names, in every file of a scan
def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


def _add(raw: Raw, key: str, values: Iterable[Any]) -> None:
    raw.setdefault(key, []).extend(str(v) for v in values)


_ID3_TEXT = {
    "TIT2": "title",
    "TPE1": "artist",
    "TPE2": "albumartist",
    "TALB": "album",
    "TRCK": "tracknumber",
    "TPOS": "discnumber",
    "TDRC": "date",
    "TDOR": "originaldate",
    "TSST": "discsubtitle",
    "TBPM": "bpm",
    "TMOO": "mood",
    "TCOM": "composer",
    "TSRC": "isrc",
    "TEXT": "lyricist",
    "TPE3": "conductor",
    "TPE4": "remixer",
}
_TIPL_ROLES = {"mix": "mixer", "djmix": "djmixer"}  # Picard's role names -> Vorbis comment names


def _from_id3(tags: ID3) -> tuple[Raw, bool]:
    raw: Raw = {}
    for frame in tags.values():
        fid = frame.FrameID
        if fid in _ID3_TEXT:
            _add(raw, _ID3_TEXT[fid], frame.text)
        elif fid == "TCON":
            _add(raw, "genre", frame.genres)  # resolves ID3v1 numbers like "(17)"
        elif fid == "TXXX":
            _add(raw, _key(frame.desc), frame.text)
        elif fid == "USLT":
            _add(raw, "lyrics", [frame.text])
        elif fid == "COMM" and not frame.desc.startswith("iTun"):  # iTunes keeps gain and gapless data there
            comments = raw.setdefault("comment", [])
            comments.insert(0 if not frame.desc else len(comments), "\n".join(frame.text))
        elif fid == "UFID" and frame.owner == "http://musicbrainz.org":
            _add(raw, "musicbrainzrecordingid", [frame.data.decode("ascii", "replace")])
        elif fid == "TIPL":
            for role, name in frame.people:
                key = _TIPL_ROLES.get(_key(role), _key(role))
                _add(raw, key if key in _ROLE_LABELS else f"credit:{role.strip() or 'Credit'}", [name])
        elif fid == "TMCL":
            _add(raw, "performer", [f"{name} ({i})" if i.strip() else name for i, name in frame.people])
    cover = bool(tags.getall("APIC")) or any(f[:4] == b"APIC" or f[:3] == b"PIC" for f in tags.unknown_frames)
    return raw, cover


def _from_vorbis(comments: Iterable[tuple[str, str]]) -> tuple[Raw, bool]:
    raw: Raw = {}
    cover = False
    for name, value in comments:
        key = _key(name)
        if key in ("metadatablockpicture", "coverart"):
            cover = True  # base64 pictures can be megabytes: never copied into the tags
        else:
            _add(raw, key, [value])
    return raw, cover


_MP4_ATOMS = {
    "©nam": "title",
    "©ART": "artist",
    "aART": "albumartist",
    "©alb": "album",
    "©day": "date",
    "©gen": "genre",
    "©wrt": "composer",
    "©lyr": "lyrics",
    "©cmt": "comment",
}


def _from_mp4(tags: MP4Tags) -> tuple[Raw, bool]:
    raw: Raw = {}
    for atom, values in tags.items():
        if atom in _MP4_ATOMS:
            _add(raw, _MP4_ATOMS[atom], values)
        elif atom in ("trkn", "disk") and values:
            number, total = (*values[0], 0, 0)[:2]
            name = "track" if atom == "trkn" else "disc"
            _add(raw, f"{name}number", [number] if number else [])
            _add(raw, f"{name}total", [total] if total else [])
        elif atom.startswith("----:"):
            _add(raw, _key(atom.split(":", 2)[-1]), (bytes(v).decode("utf-8", "replace") for v in values))
    return raw, bool(tags.get("covr"))


def build_tags(raw: Raw, has_cover: bool = False) -> TrackTags:
    """TrackTags from normalised names (Vorbis comment names, lower case, no spaces or underscores)."""

    def first(*keys: str) -> str | None:
        return next(iter(clean_values(v for k in keys for v in raw.get(k, ()))), None)

    track, track_total = parse_numbers(first("tracknumber", "track"), first("tracktotal", "totaltracks"))
    disc, disc_total = parse_numbers(first("discnumber", "disc"), first("disctotal", "totaldiscs"))
    dates = (parse_date(v) for k in ("date", "year", "originaldate", "originalyear") for v in raw.get(k, ()))
    date, year = next((parsed for parsed in dates if parsed[1]), (None, None))
    lyrics = first("lyrics", "unsyncedlyrics")
    musicbrainz = {name: value for name, keys in _MUSICBRAINZ.items() if (value := first(*keys))}
    return TrackTags(
        title=first("title"),
        artists=split_names(raw.get("artists") or raw.get("artist") or ()),
        album=first("album"),
        album_artists=split_names(raw.get("albumartist", ())),
        track_number=track,
        track_total=track_total,
        disc_number=disc,
        disc_total=disc_total,
        date=date,
        year=year,
        genres=split_names(raw.get("genre", ())),
        lyrics=(plain_text(lyrics) or None) if lyrics else None,
        composers=split_names(raw.get("composer", ())),
        credits=_credits(raw),
        isrc=normalize_isrc(first("isrc")),
        musicbrainz=musicbrainz,
        comment=first("comment", "description"),
        has_cover=has_cover,
        bpm=_bpm(first("bpm")),
        moods=split_names(raw.get("mood", ())),
        release_types=tuple(t.lower() for t in split_names(raw.get("releasetype", ()))),
        original_date=first("originaldate", "originalyear"),
        disc_subtitle=first("discsubtitle", "setsubtitle"),
    )


def _bpm(value: str | None) -> int | None:
    """Beats a minute, when the tag holds a plausible number ("120", "120.5")."""
    try:
        bpm = round(float(value or ""))
    except (ValueError, OverflowError):
        return None
    return bpm if 1 <= bpm <= 999 else None


_MUSICBRAINZ = {
    "recording": ("musicbrainztrackid", "musicbrainzrecordingid"),  # Picard's "track id" is the recording
    "release": ("musicbrainzalbumid", "musicbrainzreleaseid"),
    "release_group": ("musicbrainzreleasegroupid",),
    "artist": ("musicbrainzartistid",),
    "album_artist": ("musicbrainzalbumartistid",),
    "track": ("musicbrainzreleasetrackid",),
}
_ROLE_LABELS = {
    "producer": "Producer",
    "engineer": "Engineer",
    "mixer": "Mixer",
    "djmixer": "DJ mixer",
    "arranger": "Arranger",
    "lyricist": "Lyricist",
    "writer": "Writer",
    "conductor": "Conductor",
    "remixer": "Remixer",
}
_PERFORMER = re.compile(r"^(.+?)\s*\(([^()]+)\)$")  # Picard: "Name (instrument)"


def _credits(raw: Raw) -> str | None:
    groups: dict[str, list[str]] = {}
    for value in clean_values(raw.get("performer", ())):
        match = _PERFORMER.match(value)
        name, role = (match.group(1), match.group(2).strip()) if match else (value, "performer")
        groups.setdefault(role[:1].upper() + role[1:], []).append(name)
    for key, label in _ROLE_LABELS.items():
        groups.setdefault(label, []).extend(clean_values(raw.get(key, ())))
    for key, values in raw.items():
        if key.startswith("credit:"):
            role = key.removeprefix("credit:")
            groups.setdefault(role[:1].upper() + role[1:], []).extend(clean_values(values))
    lines = [f"{label}: {', '.join(dict.fromkeys(names))}" for label, names in groups.items() if names]
    return "\n".join(lines) or None


def read_embedded_cover(path: Path) -> tuple[bytes, str] | None:
    """(bytes, mime) of the embedded front cover, else the first picture; None when there is none."""
    audio, _ = open_audio(path, every_frame=True)
    try:
        pictures = sorted(_pictures(getattr(audio, "tags", None), audio), key=lambda p: p[0] != 3)
    except Exception as exc:  # a picture frame mutagen parsed but we cannot use
        raise TagError(f"cannot read the embedded picture: {exc or type(exc).__name__}") from exc
    return (pictures[0][2], pictures[0][1]) if pictures else None


def _pictures(tags: Any, audio: Any) -> Iterator[tuple[int, str, bytes]]:
    """(picture type, mime, bytes) of every picture that holds an image."""
    found: list[tuple[int, str, bytes]] = []
    if isinstance(tags, ID3):
        found = [(frame.type, frame.mime, frame.data) for frame in tags.getall("APIC")]
    elif isinstance(tags, MP4Tags):
        found = [
            (3, "image/png" if c.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg", bytes(c))
            for c in tags.get("covr", [])
        ]
    else:
        found = [(p.type, p.mime, p.data) for p in getattr(audio, "pictures", [])]
        for name, value in tags or ():
            try:
                if _key(name) == "metadatablockpicture":
                    p = Picture(base64.b64decode(value))
                    found.append((p.type, p.mime, p.data))
                elif _key(name) == "coverart":  # the pre-2010 way: bare base64 image
                    found.append((3, "", base64.b64decode(value)))
            except Exception:  # one undecodable picture should not hide the others
                continue
    for kind, mime, data in found:
        if (real := _image_mime(data) or (mime if mime.startswith("image/") else None)) and data:
            yield kind, real, data


def _image_mime(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
