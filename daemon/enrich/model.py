"""What enrichment reads, finds and proposes: plain frozen data, JSON both ways for the dashboard.

A `ReleaseQuery` is what the catalog says of a release (the artist's values, and which of them
are really set); providers return `Finding`s (a value for a field, from a source, with a
confidence); the diff turns them into `Proposal`s, one per field and track.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RELEASE_FIELDS = ("date", "genres", "label", "catalog_number", "credits", "cover")
TRACK_FIELDS = ("title", "isrc", "composer", "lyrics")
FIELDS = RELEASE_FIELDS + TRACK_FIELDS
PROVIDERS = ("musicbrainz", "coverart", "discogs", "itunes", "lrclib", "lyricsovh")

Value = str | list[str]


@dataclass(frozen=True)
class TrackQuery:
    file: str  # relative to the release folder, as release.yaml's `file:` names it
    title: str
    number: int
    disc: int
    duration: float
    artist: str
    values: dict[str, Value] = field(default_factory=dict)  # the fields the artist has set (tags or YAML)
    recording_mbid: str = ""


@dataclass(frozen=True)
class ReleaseQuery:
    slug: str
    folder: Path
    title: str
    artist: str
    tracks: tuple[TrackQuery, ...]
    values: dict[str, Value] = field(default_factory=dict)  # release fields the artist has set
    release_mbid: str = ""
    has_metadata_file: bool = False


@dataclass(frozen=True)
class Finding:
    field: str
    value: Value
    source: str  # the provider
    confidence: float  # 0..1
    track: str | None = None  # the track's file; None for the release
    extra: str = ""  # lyrics: "synced" or "plain"; cover: the image's URL is the value


@dataclass(frozen=True)
class Proposal:
    field: str
    track: str | None
    current: Value | None
    proposed: Value
    source: str
    confidence: float
    overwrite: bool  # the artist has a value: applied only when asked by name
    extra: str = ""

    @property
    def key(self) -> str:
        """The proposal's name in forms and --only: `label`, or `isrc@01 - One.flac`."""
        return self.field if self.track is None else f"{self.field}@{self.track}"


@dataclass(frozen=True)
class Diff:
    slug: str
    proposals: tuple[Proposal, ...]
    match: str = ""  # what the release was matched to ("MusicBrainz <mbid>, 0.93"), or why not

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "match": self.match, "proposals": [asdict(p) for p in self.proposals]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diff:
        return cls(
            str(data["slug"]),
            tuple(Proposal(**p) for p in data["proposals"]),
            str(data.get("match", "")),
        )


def iso_date(text: str) -> str | None:
    """A provider's date (2019, 2019-05, 2019-05-01, 2019-05-01T07:00:00Z) as the catalog writes it."""
    text = text.strip()[:10]
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            dt.datetime.strptime(text[:size], fmt)
        except ValueError:
            continue
        return text[:size]
    return None
