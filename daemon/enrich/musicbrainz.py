"""MusicBrainz (WS/2, JSON): the release by the MBID its tags carry, else searched and scored.

Search: GET {url}/release/?query=release:"…" AND artist:"…"&fmt=json → {"releases": [{id,
score, title, artist-credit, track-count, media, date…}]}. Lookup: GET {url}/release/{mbid}
?inc=recordings+artist-credits+labels+isrcs+genres+url-rels&fmt=json → the release with its
media[].tracks[] (title, length in ms, recording.isrcs), label-info[], genres[] and relations[]
(its Discogs page, when linked). Every request waits for the shared 1 request/s pacer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tunecamp.daemon.enrich import scorer
from tunecamp.daemon.enrich.model import Finding, ReleaseQuery, iso_date
from tunecamp.daemon.enrich.settings import Context

NAME = "musicbrainz"
INC = "recordings+artist-credits+labels+isrcs+genres+url-rels"
_MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DISCOGS_RELEASE = re.compile(r"discogs\.com/(?:[^/]+/)?release/(\d+)")


@dataclass(frozen=True)
class Match:
    mbid: str
    confidence: float
    findings: tuple[Finding, ...]
    discogs_id: str = ""


def lucene(text: str) -> str:
    return '"' + re.sub(r'([\\"])', r"\\\1", text) + '"'


def credit(data: dict[str, Any]) -> str:
    parts = data.get("artist-credit") or []
    return "".join(f"{p.get('name', '')}{p.get('joinphrase', '')}" for p in parts if isinstance(p, dict))


def _tracks(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for m in data.get("media") or [] for t in (m.get("tracks") or []) if isinstance(t, dict)]


def _count(data: dict[str, Any]) -> int:
    if isinstance(data.get("track-count"), int):
        return int(data["track-count"])
    return sum(int(m.get("track-count") or 0) for m in data.get("media") or [])


async def match(ctx: Context, q: ReleaseQuery) -> tuple[Match | None, str]:
    """The release matched (or None) and a line saying how or why not."""
    base = ctx.settings.musicbrainz_url
    mbid = q.release_mbid.lower() if _MBID.fullmatch(q.release_mbid.lower()) else ""
    if not mbid:
        query = f"release:{lucene(q.title)} AND artist:{lucene(q.artist)}"
        found = await ctx.fetch.json(
            NAME, f"{base}/release/?query={quote(query)}&fmt=json&limit=10", pacer=ctx.musicbrainz_pace
        )
        candidates = [r for r in (found or {}).get("releases") or [] if isinstance(r, dict) and r.get("id")]
        ranked = sorted(
            ((_rough(q, c), str(c["id"])) for c in candidates if _MBID.fullmatch(str(c["id"]))), reverse=True
        )
        if not ranked or ranked[0][0] < scorer.MATCH:
            return None, "MusicBrainz: no match"
        mbid = ranked[0][1]
    data = await ctx.fetch.json(NAME, f"{base}/release/{mbid}?inc={INC}&fmt=json", pacer=ctx.musicbrainz_pace)
    if not isinstance(data, dict):
        return None, f"MusicBrainz: no release {mbid}"
    theirs = _tracks(data)
    lengths = scorer.durations(
        [t.duration for t in q.tracks], [(t.get("length") or 0) / 1000 or None for t in theirs]
    )
    confidence = scorer.score(
        (q.title, str(data.get("title", ""))), (q.artist, credit(data)), (len(q.tracks), len(theirs)), lengths
    )
    if q.release_mbid:  # the artist's own tags name it
        confidence = max(confidence, 0.95)
    if confidence < scorer.MATCH:
        return None, f"MusicBrainz: best candidate {mbid} scored {confidence:.2f}, too low"
    findings = _findings(q, data, confidence)
    return Match(mbid, confidence, findings, _discogs_id(data)), f"MusicBrainz {mbid} ({confidence:.2f})"


def _rough(q: ReleaseQuery, c: dict[str, Any]) -> float:
    return scorer.score(
        (q.title, str(c.get("title", ""))), (q.artist, credit(c)), (len(q.tracks), _count(c)), None
    )


def _findings(q: ReleaseQuery, data: dict[str, Any], confidence: float) -> tuple[Finding, ...]:
    out: list[Finding] = []
    date = iso_date(str(data.get("date") or ""))
    if date:
        out.append(Finding("date", date, NAME, confidence))
    labels = [li for li in data.get("label-info") or [] if isinstance(li, dict)]
    if labels:
        name = (labels[0].get("label") or {}).get("name")
        if isinstance(name, str) and name.strip():
            out.append(Finding("label", name.strip(), NAME, confidence))
        number = labels[0].get("catalog-number")
        if isinstance(number, str) and number.strip():
            out.append(Finding("catalog_number", number.strip(), NAME, confidence))
    genres = sorted(
        (g for g in data.get("genres") or [] if isinstance(g, dict) and isinstance(g.get("name"), str)),
        key=lambda g: -int(g.get("count") or 0),
    )
    if genres:
        out.append(Finding("genres", [str(g["name"]) for g in genres[:5]], NAME, confidence))
    ours = sorted(q.tracks, key=lambda t: (t.disc, t.number))
    theirs = _tracks(data)
    if len(ours) == len(theirs):  # matched by position only when the counts agree
        for mine, track in zip(ours, theirs, strict=True):
            title = track.get("title") or (track.get("recording") or {}).get("title")
            if isinstance(title, str) and title.strip():
                out.append(Finding("title", title.strip(), NAME, confidence, track=mine.file))
            isrcs = (track.get("recording") or {}).get("isrcs") or []
            if isrcs and isinstance(isrcs[0], str):
                out.append(Finding("isrc", isrcs[0], NAME, confidence, track=mine.file))
    return tuple(out)


def _discogs_id(data: dict[str, Any]) -> str:
    for rel in data.get("relations") or []:
        resource = ((rel or {}).get("url") or {}).get("resource", "") if isinstance(rel, dict) else ""
        found = _DISCOGS_RELEASE.search(str(resource))
        if found:
            return found.group(1)
    return ""
