"""Discogs: credits, labels and catalogue numbers (and composers per track).

GET {url}/releases/{id} needs no token: the release MusicBrainz links to is read so. Searching,
GET {url}/database/search?type=release&release_title=…&artist=…, needs one (Discogs answers 401
without): with TUNECAMP_DISCOGS_TOKEN it is sent as `Authorization: Discogs token=…`. A release
has labels[{name, catno}], extraartists[{name, role}], genres[], styles[], released, and
tracklist[{position, title, duration "4:05", type_, extraartists}].
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from tunecamp.daemon.enrich import scorer
from tunecamp.daemon.enrich.model import Finding, ReleaseQuery, iso_date
from tunecamp.daemon.enrich.settings import Context

NAME = "discogs"
_SUFFIX = re.compile(r"\s*\(\d+\)$")  # Discogs tells namesakes apart as "Name (2)"
_COMPOSER_ROLES = ("composed by", "written-by", "written by", "music by", "songwriter")


def _name(artist: dict[str, Any]) -> str:
    return _SUFFIX.sub("", str(artist.get("anv") or artist.get("name") or "")).strip()


def _seconds(text: Any) -> float | None:
    parts = str(text or "").split(":")
    if not all(p.isdigit() for p in parts) or not 2 <= len(parts) <= 3:
        return None
    total = 0
    for p in parts:
        total = total * 60 + int(p)
    return float(total)


async def lookup(ctx: Context, q: ReleaseQuery, linked_id: str, linked_confidence: float) -> list[Finding]:
    token = ctx.settings.discogs_token
    headers = {"Authorization": f"Discogs token={token}"} if token else None
    extra = "#token" if token else ""
    release_id, confidence = linked_id, linked_confidence
    if not release_id:
        if not token:
            return []  # search needs a token; without one only a release MusicBrainz links to is read
        params = urlencode({"type": "release", "release_title": q.title, "artist": q.artist, "per_page": 10})
        found = await ctx.fetch.json(
            NAME, f"{ctx.settings.discogs_url}/database/search?{params}", headers=headers, key_extra=extra
        )
        results = [r for r in (found or {}).get("results") or [] if isinstance(r, dict) and r.get("id")]
        ranked = sorted(((_rough(q, r), str(r["id"])) for r in results), reverse=True)
        if not ranked or ranked[0][0] < scorer.MATCH:
            return []
        release_id = ranked[0][1]
        confidence = 0.0
    if not release_id.isdigit():
        return []
    data = await ctx.fetch.json(
        NAME, f"{ctx.settings.discogs_url}/releases/{release_id}", headers=headers, key_extra=extra
    )
    if not isinstance(data, dict):
        return []
    tracks = [
        t for t in data.get("tracklist") or [] if isinstance(t, dict) and t.get("type_", "track") == "track"
    ]
    if not confidence:
        artist = ", ".join(_name(a) for a in data.get("artists") or [] if isinstance(a, dict))
        lengths = scorer.durations(
            [t.duration for t in q.tracks], [_seconds(t.get("duration")) for t in tracks]
        )
        confidence = scorer.score(
            (q.title, str(data.get("title", ""))), (q.artist, artist), (len(q.tracks), len(tracks)), lengths
        )
        if confidence < scorer.MATCH:
            return []
    return _findings(q, data, tracks, confidence)


def _rough(q: ReleaseQuery, r: dict[str, Any]) -> float:
    artist, _, title = str(r.get("title", "")).partition(" - ")
    return scorer.score((q.title, title or artist), (q.artist, artist if title else ""), (1, 1), None)


def _findings(
    q: ReleaseQuery, data: dict[str, Any], tracks: list[dict[str, Any]], confidence: float
) -> list[Finding]:
    out: list[Finding] = []
    labels = [label for label in data.get("labels") or [] if isinstance(label, dict)]
    if labels:
        name = _name(labels[0])
        if name:
            out.append(Finding("label", name, NAME, confidence))
        number = str(labels[0].get("catno") or "").strip()
        if number and number.lower() != "none":
            out.append(Finding("catalog_number", number, NAME, confidence))
    genres = [g for g in [*(data.get("styles") or []), *(data.get("genres") or [])] if isinstance(g, str)]
    if genres:
        out.append(Finding("genres", list(dict.fromkeys(genres))[:5], NAME, confidence * 0.9))
    date = iso_date(str(data.get("released") or ""))
    if date:
        out.append(Finding("date", date, NAME, confidence * 0.9))
    credits = _credits(data.get("extraartists") or [])
    if credits:
        out.append(Finding("credits", credits, NAME, confidence))
    ours = sorted(q.tracks, key=lambda t: (t.disc, t.number))
    if len(ours) == len(tracks):
        for mine, track in zip(ours, tracks, strict=True):
            composers = [
                _name(a)
                for a in track.get("extraartists") or []
                if isinstance(a, dict) and str(a.get("role", "")).lower().startswith(_COMPOSER_ROLES)
            ]
            if composers:
                out.append(
                    Finding("composer", list(dict.fromkeys(composers)), NAME, confidence, track=mine.file)
                )
    return out


def _credits(people: list[Any]) -> str:
    """ "Role: Name, Name" lines, in Discogs' order of roles."""
    roles: dict[str, list[str]] = {}
    for person in people:
        if isinstance(person, dict) and person.get("role") and _name(person):
            roles.setdefault(str(person["role"]).strip(), []).append(_name(person))
    return "\n".join(f"{role}: {', '.join(dict.fromkeys(names))}" for role, names in roles.items())
