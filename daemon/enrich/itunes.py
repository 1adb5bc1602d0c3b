"""The iTunes Search API: artwork (and a date, a genre) when no other source has them.

GET {url}/search?term=…&entity=album&limit=10 → {"resultCount": n, "results": [{collectionName,
artistName, trackCount, releaseDate, primaryGenreName, artworkUrl100}]}. The artwork URL names
its size (…/100x100bb.jpg); the same path at 1200x1200 is the large one the store serves.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tunecamp.daemon.enrich import scorer
from tunecamp.daemon.enrich.model import Finding, ReleaseQuery, iso_date
from tunecamp.daemon.enrich.settings import Context

NAME = "itunes"
_SIZE = re.compile(r"/\d+x\d+(bb)?\.(jpg|png|webp)$")


async def search(ctx: Context, q: ReleaseQuery, want_cover: bool) -> list[Finding]:
    params = urlencode({"term": f"{q.artist} {q.title}", "entity": "album", "limit": 10})
    found = await ctx.fetch.json(NAME, f"{ctx.settings.itunes_url}/search?{params}")
    results = [r for r in (found or {}).get("results") or [] if isinstance(r, dict)]
    scored = sorted(
        (
            (
                scorer.score(
                    (q.title, str(r.get("collectionName", ""))),
                    (q.artist, str(r.get("artistName", ""))),
                    (len(q.tracks), int(r.get("trackCount") or 0)),
                    None,
                ),
                i,
            )
            for i, r in enumerate(results)
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < scorer.MATCH:
        return []
    confidence, best = (
        scored[0][0] * 0.9,
        results[scored[0][1]],
    )  # no durations to compare: a little less sure
    out = []
    date = iso_date(str(best.get("releaseDate") or ""))
    if date:
        out.append(Finding("date", date, NAME, confidence))
    genre = best.get("primaryGenreName")
    if isinstance(genre, str) and genre.strip():
        out.append(Finding("genres", [genre.strip()], NAME, confidence * 0.8))
    art = best.get("artworkUrl100")
    if want_cover and isinstance(art, str) and art.startswith(("http://", "https://")):
        large = _SIZE.sub(r"/1200x1200\1.\2", art)
        if await ctx.fetch.image(NAME, large, ctx.settings.max_image_bytes) is not None:
            out.append(Finding("cover", large, NAME, confidence))
    return out
