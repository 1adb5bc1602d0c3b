"""The enrichment settings (daemon/config.py's) and what one look-up is handed."""

from __future__ import annotations

from dataclasses import dataclass

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.enrich.fetch import Fetcher
from tunecamp.daemon.enrich.pacer import Pace


@dataclass(frozen=True)
class EnrichSettings:
    musicbrainz_url: str
    coverart_url: str
    discogs_url: str
    discogs_token: str | None
    itunes_url: str
    lyrics_url: str
    lrclib_url: str
    musicbrainz_interval: float
    cache_seconds: float
    max_image_bytes: int

    @classmethod
    def from_config(cls, config: DaemonConfig) -> EnrichSettings:
        return cls(
            musicbrainz_url=config.musicbrainz_url.rstrip("/"),
            coverart_url=config.coverart_url.rstrip("/"),
            discogs_url=config.discogs_url.rstrip("/"),
            discogs_token=config.discogs_token or None,
            itunes_url=config.itunes_url.rstrip("/"),
            lyrics_url=config.lyrics_url.rstrip("/"),
            lrclib_url=config.lrclib_url.rstrip("/"),
            musicbrainz_interval=config.musicbrainz_interval,
            cache_seconds=config.enrich_cache_days * 86400.0,
            max_image_bytes=config.enrich_max_image_bytes,
        )


@dataclass(frozen=True)
class Context:
    """One look-up's means: the settings, the fetcher (cache, counters) and MusicBrainz's pacer."""

    settings: EnrichSettings
    fetch: Fetcher
    musicbrainz_pace: Pace
