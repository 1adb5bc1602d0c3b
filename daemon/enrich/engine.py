"""One release looked up: MusicBrainz first (its match feeds the others), then the rest at once.

Each provider is tried on its own: a failure, a timeout or a rate limit is recorded in the
counters (the summary names it) and never stops the others. The Cover Art Archive needs the
MusicBrainz match; Discogs reads the release MusicBrainz links to, or searches with a token;
iTunes is asked for artwork only when no other source has it, and for the rest when
MusicBrainz found nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from tunecamp.daemon.enrich import coverart, discogs, itunes, lyrics, musicbrainz
from tunecamp.daemon.enrich.diff import Options, build
from tunecamp.daemon.enrich.fetch import SHAPE_ERRORS, ProviderError
from tunecamp.daemon.enrich.model import Diff, Finding, ReleaseQuery
from tunecamp.daemon.enrich.settings import Context

T = TypeVar("T")


async def _guarded(ctx: Context, provider: str, call: Awaitable[T], empty: T) -> T:
    try:
        return await call
    except ProviderError as exc:
        ctx.fetch.counters.fail(provider, str(exc), exc.retry_after)
    except SHAPE_ERRORS as exc:
        ctx.fetch.counters.fail(provider, f"an answer of an unexpected shape ({type(exc).__name__})")
    return empty


# Which providers can fill which fields: a look-up for lyrics alone asks no database of releases.
FILLS = {
    "musicbrainz": {"date", "genres", "label", "catalog_number", "title", "isrc", "cover"},
    "coverart": {"cover"},
    "discogs": {"date", "genres", "label", "catalog_number", "credits", "composer"},
    "itunes": {"date", "genres", "cover"},
    "lrclib": {"lyrics"},
    "lyricsovh": {"lyrics"},
}


def _needed(fields: frozenset[str]) -> frozenset[str]:
    return frozenset(name for name, fills in FILLS.items() if fills & fields)


async def look_up(ctx: Context, q: ReleaseQuery, options: Options) -> Diff:
    providers = options.providers & _needed(options.fields)
    findings: list[Finding] = []
    match, line = None, "MusicBrainz not asked"
    if "musicbrainz" in providers:
        match, line = await _guarded(
            ctx, "musicbrainz", musicbrainz.match(ctx, q), (None, "MusicBrainz did not answer")
        )
    if match is not None:
        findings += match.findings
    want_cover = options.wants("cover", q.values.get("cover"))
    lyric_tracks = [t for t in q.tracks if options.wants("lyrics", t.values.get("lyrics"))]
    jobs: list[Awaitable[list[Finding]]] = []
    if match is not None and want_cover and "coverart" in providers:
        jobs.append(_guarded(ctx, "coverart", coverart.front(ctx, match.mbid, match.confidence), []))
    if "discogs" in providers:
        linked = match.discogs_id if match else ""
        jobs.append(
            _guarded(ctx, "discogs", discogs.lookup(ctx, q, linked, match.confidence if match else 0), [])
        )
    if lyric_tracks and providers & {"lrclib", "lyricsovh"}:
        jobs.append(lyrics.for_tracks(ctx, q, lyric_tracks, set(providers)))
    for found in await asyncio.gather(*jobs):
        findings += found
    has_cover = any(f.field == "cover" for f in findings)
    if "itunes" in providers and ((want_cover and not has_cover) or match is None):
        findings += await _guarded(ctx, "itunes", itunes.search(ctx, q, want_cover and not has_cover), [])
    return Diff(q.slug, build(q, findings, options), line)
