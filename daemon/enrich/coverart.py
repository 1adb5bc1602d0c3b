"""The Cover Art Archive: the front cover of a MusicBrainz release, at full size.

GET {url}/release/{mbid}/front answers 307 to the image itself (archive.org), 404 when the
release has no front cover. The redirect is followed by the guarded client, each hop checked;
the image must be a JPEG, PNG or WebP under TUNECAMP_ENRICH_MAX_IMAGE_BYTES.
"""

from __future__ import annotations

from tunecamp.daemon.enrich.model import Finding
from tunecamp.daemon.enrich.settings import Context

NAME = "coverart"


async def front(ctx: Context, mbid: str, confidence: float) -> list[Finding]:
    url = f"{ctx.settings.coverart_url}/release/{mbid}/front"
    image = await ctx.fetch.image(NAME, url, ctx.settings.max_image_bytes)
    return [] if image is None else [Finding("cover", url, NAME, confidence)]
