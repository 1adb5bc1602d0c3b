"""Lyrics: LRCLIB (synced `.lrc` lines, or plain) first, Lyrics.ovh (plain) for what LRCLIB lacks.

LRCLIB: GET {url}/api/get?artist_name=…&track_name=…&album_name=…&duration=… → {id, trackName,
artistName, albumName, duration, instrumental, plainLyrics, syncedLyrics}, 404 when it has none;
it matches the duration within a couple of seconds, so an answer is the same recording.
Lyrics.ovh: GET {url}/v1/{artist}/{title} → {"lyrics": "…"}, 404 {"error": "No lyrics found"}.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from urllib.parse import quote, urlencode

from tunecamp.daemon.enrich.fetch import SHAPE_ERRORS, ProviderError
from tunecamp.daemon.enrich.model import Finding, ReleaseQuery, TrackQuery
from tunecamp.daemon.enrich.settings import Context

LRCLIB = "lrclib"
LYRICSOVH = "lyricsovh"
AT_ONCE = 4  # tracks asked at the same time, per provider


async def for_tracks(
    ctx: Context, q: ReleaseQuery, tracks: list[TrackQuery], providers: set[str]
) -> list[Finding]:
    """Lyrics for `tracks`; a provider's failure on one track is recorded and the others go on."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(track: TrackQuery) -> Finding | None:
        async with gate:
            found = None
            if LRCLIB in providers:
                found = await _tried(ctx, LRCLIB, _lrclib(ctx, q, track))
            if found is None and LYRICSOVH in providers:
                found = await _tried(ctx, LYRICSOVH, _lyricsovh(ctx, track))
            return found

    found = await asyncio.gather(*(one(t) for t in tracks))
    return [f for f in found if f is not None]


async def _tried(ctx: Context, provider: str, call: Awaitable[Finding | None]) -> Finding | None:
    try:
        return await call
    except ProviderError as exc:
        ctx.fetch.counters.fail(provider, str(exc), exc.retry_after)
    except SHAPE_ERRORS as exc:
        ctx.fetch.counters.fail(provider, f"an answer of an unexpected shape ({type(exc).__name__})")
    return None


async def _lrclib(ctx: Context, q: ReleaseQuery, track: TrackQuery) -> Finding | None:
    params = urlencode(
        {
            "artist_name": track.artist,
            "track_name": track.title,
            "album_name": q.title,
            "duration": round(track.duration),
        }
    )
    data = await ctx.fetch.json(LRCLIB, f"{ctx.settings.lrclib_url}/api/get?{params}")
    if not isinstance(data, dict) or data.get("instrumental"):
        return None
    synced, plain = data.get("syncedLyrics"), data.get("plainLyrics")
    if isinstance(synced, str) and synced.strip():
        return Finding("lyrics", synced.strip() + "\n", LRCLIB, 0.9, track=track.file, extra="synced")
    if isinstance(plain, str) and plain.strip():
        return Finding("lyrics", plain.strip() + "\n", LRCLIB, 0.85, track=track.file, extra="plain")
    return None


async def _lyricsovh(ctx: Context, track: TrackQuery) -> Finding | None:
    artist, title = quote(track.artist, safe=""), quote(track.title, safe="")
    data = await ctx.fetch.json(LYRICSOVH, f"{ctx.settings.lyrics_url}/v1/{artist}/{title}")
    text = data.get("lyrics") if isinstance(data, dict) else None
    if isinstance(text, str) and text.strip():
        return Finding(
            "lyrics",
            text.strip().replace("\r\n", "\n") + "\n",
            LYRICSOVH,
            0.6,
            track=track.file,
            extra="plain",
        )
    return None
