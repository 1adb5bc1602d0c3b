"""Lyrics: getLyrics (by artist and title) and getLyricsBySongId (the `songLyrics` extension).

What the scan read from `.ttml`, `.lrc`, `.txt` beside the audio or from the tags (media_rows.py):
plain text, synced lines and, where the artist gave them (enhanced LRC, TTML), word timings.
`enhanced=true` (songLyrics v2) adds each synced line's words as a `cueLine` whose cues point
at their UTF-8 bytes in the line; without it only the plain `kind=main` entries are sent.
"""

from __future__ import annotations

import json
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.library import Track, fold
from tunecamp.daemon.subsonic.lookup import find_track

# Nothing found: an empty <lyrics/> in XML, as Subsonic documents it. JSON keeps "value": "": the
# OpenAPI spec requires the field and py-opensonic's typed model fails without it (docs/api.md,
# quirks; test_lyrics.py shows both).
NO_LYRICS = {"value": ""}


def lyrics_of(db: Any, track_id: int) -> tuple[str | None, list[list[Any]]]:
    row = db.execute(
        "SELECT lyrics, synced_lyrics FROM catalog_track_media WHERE track_id = ?", [track_id]
    ).fetchone()
    if row is None:
        return None, []
    return row[0], json.loads(row[1]) if row[1] else []


async def get_lyrics(call: Call) -> dict[str, Any]:
    view = await call.view()
    artist, title = fold(call.text("artist") or ""), fold(call.text("title") or "")
    candidates = [
        t
        for t in view.songs
        if t.has_lyrics and (not title or fold(t.title) == title) and (not artist or artist in fold(t.artist))
    ]
    if not candidates or not (artist or title):
        return {"lyrics": NO_LYRICS}
    track = candidates[0]
    text, _ = await call.db(lambda d: lyrics_of(d, track.id))
    if not text:
        return {"lyrics": NO_LYRICS}
    return {"lyrics": {"artist": track.artist, "title": track.title, "value": text}}


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def cue_line(index: int, entry: list[Any]) -> dict[str, Any] | None:
    """A synced line's words as a cueLine (byte offsets into the line's UTF-8 text), or None."""
    if len(entry) < 3 or not entry[2]:
        return None
    value: str = entry[1]
    encoded = value.encode("utf-8")
    cues, cursor = [], 0
    for start, end, word in entry[2]:
        found = encoded.find(word.encode("utf-8"), cursor)
        if found < 0:  # a word not in the line as written: cannot point at it
            continue
        stop = found + len(word.encode("utf-8"))
        cues.append(
            {"start": _ms(start), "end": _ms(end), "byteStart": found, "byteEnd": stop - 1, "value": word}
        )
        cursor = stop
    if not cues:
        return None
    if any(c["end"] is None for c in cues):  # ends on all cues or on none
        for c in cues:
            c.pop("end")
    line_end = entry[3] if len(entry) > 3 else None
    return {"index": index, "start": _ms(entry[0]), "end": _ms(line_end), "value": value, "cue": cues}


async def get_lyrics_by_song_id(call: Call) -> dict[str, Any]:
    view = await call.view()
    track = find_track(view, call)
    enhanced = call.flag("enhanced")
    text, synced = await call.db(lambda d: lyrics_of(d, track.id))
    found: list[dict[str, Any]] = []
    if synced:
        lines = [{"start": _ms(entry[0]), "value": entry[1]} for entry in synced]
        entry: dict[str, Any] = {"lang": "xxx", "synced": True, "line": lines, **_display(track)}
        if enhanced:
            cues = [c for i, e in enumerate(synced) if (c := cue_line(i, e)) is not None]
            entry["kind"] = "main"
            if cues:
                entry["cueLine"] = cues
        found.append(entry)
    if text:
        plain: dict[str, Any] = {
            "lang": "xxx",
            "synced": False,
            "line": [{"value": v} for v in text.split("\n")],
        }
        found.append({**plain, **_display(track), **({"kind": "main"} if enhanced else {})})
    return {"lyricsList": {"structuredLyrics": found} if found else {}}


def _display(track: Track) -> dict[str, Any]:
    return {"displayArtist": track.artist, "displayTitle": track.title}


ENDPOINTS = {"getLyrics": get_lyrics, "getLyricsBySongId": get_lyrics_by_song_id}
