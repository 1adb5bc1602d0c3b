"""What the last build published, read from public/catalog.json: for shares, podcasts and ReplayGain.

The static site is the listener's home: a share of a published release is its page there, the
podcast is the site's feed, and the loudness analysis of the build is in catalog.json (ReplayGain
per track and release). The daemon reads that file when its snapshot of the catalog reloads
(library.py), so the API shows what the site shows; a release not in it (a draft, an unlisted
one) has no public URL and no measured loudness here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 256 << 20  # a catalog.json bigger than this is not one the generator wrote


@dataclass(frozen=True)
class SiteInfo:
    title: str = ""
    home: str = ""  # the site's absolute URL, ending in /
    podcast: str | None = None  # the podcast feed's URL
    releases: dict[str, str] = field(default_factory=dict)  # release slug -> its page
    tracks: dict[tuple[str, str], str] = field(default_factory=dict)  # (release, track slug) -> its page
    gains: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # -> Subsonic replayGain


def _gain(track: dict[str, Any]) -> dict[str, float]:
    raw = track.get("replaygain") or {}
    names = {
        "track_gain_db": "trackGain",
        "track_peak": "trackPeak",
        "album_gain_db": "albumGain",
        "album_peak": "albumPeak",
    }
    return {names[k]: float(v) for k, v in raw.items() if k in names and isinstance(v, int | float)}


def read_site(public_dir: Path) -> SiteInfo:
    """The published catalog; an empty SiteInfo when there is none yet or it is unreadable."""
    path = public_dir / "catalog.json"
    try:
        if path.stat().st_size > MAX_BYTES:
            return SiteInfo()
        data = json.loads(path.read_bytes())
        catalog = data.get("catalog") or {}
        releases: dict[str, str] = {}
        tracks: dict[tuple[str, str], str] = {}
        gains: dict[tuple[str, str], dict[str, float]] = {}
        for release in data.get("releases") or []:
            slug = str(release["slug"])
            releases[slug] = str(release.get("url") or "")
            for track in release.get("tracks") or []:
                key = (slug, str(track["slug"]))
                tracks[key] = str(track.get("url") or "")
                if gain := _gain(track):
                    gains[key] = gain
        home = str(catalog.get("url") or "")
        podcast = (catalog.get("feeds") or {}).get("podcast")
        return SiteInfo(str(catalog.get("title") or ""), home, podcast, releases, tracks, gains)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return SiteInfo()  # no site yet, or not one this daemon can read: nothing public to point at
