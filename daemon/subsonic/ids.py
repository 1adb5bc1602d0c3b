"""Subsonic IDs: the catalog index's stable integer IDs with a kind prefix, as strings.

"ar-3" is an artist, "al-12" an album, "tr-40" a track, "pl-2" a playlist, "pe-40" track 40 as
a podcast episode, "pc-1" the catalog's podcast, "sh-5" a share. The prefix lets
one parameter (star's `id`, getCoverArt's `id`, getMusicDirectory's `id`) name any kind;
the number is the index ID, which survives rescans and renames, so starred items and
playlists keep pointing at the same music.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = {
    "artist": "ar",
    "album": "al",
    "track": "tr",
    "playlist": "pl",
    "episode": "pe",  # a track as an episode of the catalog's podcast (podcasts.py)
    "channel": "pc",  # the catalog's podcast
    "share": "sh",
}
KINDS = {prefix: kind for kind, prefix in PREFIXES.items()}
MUSIC_FOLDER_ID = 1


@dataclass(frozen=True)
class ItemId:
    kind: str  # artist, album, track, playlist
    number: int

    def __str__(self) -> str:
        return f"{PREFIXES[self.kind]}-{self.number}"


def artist_id(number: int) -> str:
    return f"ar-{number}"


def album_id(number: int) -> str:
    return f"al-{number}"


def track_id(number: int) -> str:
    return f"tr-{number}"


def playlist_id(number: int) -> str:
    return f"pl-{number}"


def parse(text: object, *kinds: str) -> ItemId | None:
    """The ID in `text` when it is well formed and of one of `kinds` (any kind when none given).

    A bare number is taken as a track: some clients strip what they think is decoration.
    """
    raw = str(text or "").strip()
    prefix, sep, number = raw.partition("-")
    if not sep:
        prefix, number = "tr", raw
    kind = KINDS.get(prefix)
    if kind is None or not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    if kinds and kind not in kinds:
        return None
    return ItemId(kind, int(number))
