"""A hand-built catalog with hostile values, for tests of the renderers.

Import with `from tests.generator.catalog_fixtures import hostile_catalog, hostile_media`.
The audio paths need not exist: renderers read sizes and streams from `Media`, never from disk.

What is in it (newest first):
- `engines` (published, 2024-05-01, Ada, no cover → procedural): titles with <script>, &, quotes,
  emoji, a control character and a newline trying to inject playlist lines; one AIFF track that
  is not web-playable.
- `hidden` (unlisted, 2023-09-09, Ada).
- `draft-one` (draft, 2023-01-01, Ghost, an artist known only from this draft).
- `older` (published, 2019-03-02, Ada and Noor, two discs, a real cover with sizes, downloads).
- `undated` (published, no date, Noor, RTL title, ISRC and MusicBrainz ids, loudness).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from tunecamp.generator.catalog.model import (
    Artist,
    AudioInfo,
    Catalog,
    CatalogConfig,
    Image,
    Link,
    PodcastInfo,
    Release,
    Track,
)
from tunecamp.generator.catalog.settings import Settings
from tunecamp.generator.media.model import Download, ImageSet, ImageVariant, Loudness, Media
from tunecamp.generator.media.plain import plain_media

CONTENT = Path("/content")
BASE_URL = "https://music.example.org/sub"

HOSTILE_TITLE = '<script>alert("x")</script> & Friends'
NEWLINE_TITLE = "Line\n#EXTINF:1,Evil\nhttps://evil.example/x.mp3"
CONTROL_TITLE = "Bell\x07 and \x0bTab\ud800"
RTL_TITLE = "أغنية الليل"
EMOJI_TITLE = "Fish & Chips 🐟 \"Quoted\" 'single'"

ARTIST_ADA = 'Ada <b>Lovelace</b> & "Co"'
ARTIST_NOOR = "نور الهدى"

MIME = {
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg; codecs=opus",
    "m4a": "audio/mp4",
    "aiff": "audio/aiff",
    "wav": "audio/wav",
}
CODEC = {
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "vorbis",
    "opus": "opus",
    "m4a": "aac",
    "aiff": "pcm",
    "wav": "pcm",
}


def _audio(fmt: str, size: int, duration: float) -> AudioInfo:
    return AudioInfo(
        fmt,
        CODEC[fmt],
        MIME[fmt],
        size,
        duration,
        bitrate=128000,
        sample_rate=44100,
        channels=2,
        web_playable=fmt not in ("aiff",),
    )


def _track(
    release: str,
    slug: str,
    title: str,
    fmt: str,
    number: int,
    *,
    artists: tuple[str, ...],
    size: int = 1_234_567,
    duration: float = 183.4,
    disc: int = 1,
    settings: Settings | None = None,
    **extra: object,
) -> Track:
    return track(
        CONTENT / "releases" / release / f"{number:02d} {slug}.{fmt}",
        _audio(fmt, size, duration),
        slug,
        title,
        number,
        artists=artists,
        settings=settings or Settings(license="CC-BY-4.0"),
        disc=disc,
        **extra,
    )


def track(
    source: Path,
    audio: AudioInfo,
    slug: str,
    title: str,
    number: int,
    *,
    artists: tuple[str, ...],
    settings: Settings,
    disc: int = 1,
    **extra: object,
) -> Track:
    """A track from the fields every fixture sets; `extra` for the rest (shared with render_fixtures)."""
    return Track(
        slug=slug,
        source=source,
        title=title,
        artists=artists,
        number=number,
        disc=disc,
        audio=audio,
        settings=settings,
        **extra,
    )  # type: ignore[arg-type]


def hostile_catalog() -> Catalog:
    base = Settings(license="CC-BY-4.0")
    config = CatalogConfig(
        title='Ünder & <Ground> "Records"',
        base_url=BASE_URL,
        language="en",
        label_mode=True,
        description="Songs & noises <from> the basement.",
        settings=base,
        podcast=PodcastInfo(
            category="Music", explicit=False, owner_name="Ada & Noor", owner_email="label@example.org"
        ),
    )
    ada = Artist(
        "ada",
        ARTIST_ADA,
        base,
        bio_html="<p>Engines.</p>",
        summary="Ada <makes> engines sing & hum.",
        links=(Link("Home", "https://ada.example.org/?a=1&b=2"),),
        location="London",
        source_dir=CONTENT / "artists/ada",
    )
    noor = Artist("noor", ARTIST_NOOR, base, summary="موسيقى", source_dir=CONTENT / "artists/noor")
    ghost = Artist("ghost", "Ghost Draft", base)
    engines = Release(
        slug="engines",
        title=f"Engines {HOSTILE_TITLE}",
        artist_slugs=("ada",),
        status="published",
        settings=base,
        source_dir=CONTENT / "releases/engines",
        date=dt.date(2024, 5, 1),
        genres=("Electronic", "Musique Concrète", "<Noise>"),
        summary="Loud & <proud>.",
        notes_html="<p>Recorded in a <em>barn</em>.</p>",
        tracks=(
            _track(
                "engines",
                "script",
                HOSTILE_TITLE,
                "mp3",
                1,
                artists=(ARTIST_ADA,),
                genres=("Electronic",),
                settings=replace(base, explicit=True),
            ),
            _track(
                "engines",
                "fish",
                EMOJI_TITLE,
                "flac",
                2,
                artists=(ARTIST_ADA, "Guest & Friend"),
                composers=("Ada Lovelace", "<Charles>"),
            ),
            _track("engines", "newline", NEWLINE_TITLE, "ogg", 3, artists=(ARTIST_ADA,)),
            _track("engines", "control", CONTROL_TITLE, "opus", 4, artists=(ARTIST_ADA,)),
            _track(
                "engines",
                "studio-master",
                "Studio Master (AIFF)",
                "aiff",
                5,
                artists=(ARTIST_ADA,),
                size=52_000_000,
            ),
        ),
    )
    hidden = Release(
        slug="hidden",
        title="Hidden Tracks",
        artist_slugs=("ada",),
        status="unlisted",
        settings=base,
        source_dir=CONTENT / "releases/hidden",
        date=dt.date(2023, 9, 9),
        tracks=(_track("hidden", "secret", "Secret Song", "mp3", 1, artists=(ARTIST_ADA,)),),
    )
    draft = Release(
        slug="draft-one",
        title="Draft Demos",
        artist_slugs=("ghost",),
        status="draft",
        settings=base,
        source_dir=CONTENT / "releases/draft-one",
        date=dt.date(2023, 1, 1),
        genres=("Draftcore",),
        tracks=(_track("draft-one", "demo", "Demo Song", "mp3", 1, artists=("Ghost Draft",)),),
    )
    older = Release(
        slug="older",
        title="Older & Wiser",
        artist_slugs=("ada", "noor"),
        status="published",
        settings=replace(base, download="free"),
        source_dir=CONTENT / "releases/older",
        date=dt.date(2019, 3, 2),
        genres=("Jazz",),
        label="Basement Records",
        catalog_number="BSMT-001",
        cover=Image(CONTENT / "releases/older/cover.jpg", description="A cat on a <piano>"),
        tracks=(
            _track("older", "one", "One", "mp3", 1, artists=(ARTIST_ADA, ARTIST_NOOR), size=2_000_001),
            _track(
                "older",
                "two",
                "Two",
                "m4a",
                1,
                disc=2,
                artists=(ARTIST_NOOR,),
                size=3_000_002,
                duration=59.6,
                date=dt.date(2019, 1, 1),
            ),
        ),
    )
    undated = Release(
        slug="undated",
        title=RTL_TITLE,
        artist_slugs=("noor",),
        status="published",
        settings=replace(base, license="CC0-1.0", download="paid", price=Decimal("4.50"), currency="USD"),
        source_dir=CONTENT / "releases/undated",
        genres=("Ambient",),
        tracks=(
            _track(
                "undated",
                "layl",
                RTL_TITLE,
                "mp3",
                1,
                artists=(ARTIST_NOOR,),
                isrc="USRC17607839",
                musicbrainz={
                    "trackid": "f1b2c3d4-0000-4000-8000-000000000001",
                    "artistid": "f1b2c3d4-0000-4000-8000-000000000002",
                },
                settings=Settings(license="CC0-1.0", download="paid"),
            ),
        ),
    )
    return Catalog(
        config=config,
        content_dir=CONTENT,
        artists=(ada, noor, ghost),
        releases=(engines, hidden, draft, older, undated),
    )


def hostile_media(catalog: Catalog) -> Media:
    """`plain_media`, plus what the audio pipeline adds: sized cover variants, loudness, downloads.

    Works on any subset of `hostile_catalog()`'s releases (tests drop some with `replace`).
    """
    media = plain_media(catalog)
    slugs = {r.slug: r for r in catalog.public_releases}
    covers, tracks = dict(media.covers), dict(media.tracks)
    release_downloads: dict[str, tuple[Download, ...]] = {}
    release_loudness: dict[str, Loudness] = {}
    if older := slugs.get("older"):
        jpg = ImageVariant("releases/older/cover-1400.jpg", 1400, 1400, "image/jpeg")
        covers["older"] = ImageSet(
            (
                ImageVariant("releases/older/cover-600.webp", 600, 600, "image/webp"),
                jpg,
                ImageVariant("releases/older/cover-300.jpg", 300, 300, "image/jpeg"),
            ),
            description="A cat on a <piano>",
            original=jpg,
        )
        one = older.tracks[0].source
        tracks[one] = replace(
            tracks[one],
            loudness=Loudness(-18.0, 0.0),  # exactly the reference: a real 0.0 gain, not an absent one
            downloads=(Download("flac", "downloads/older/one.flac", "audio/flac", 9_000_000),),
        )
        release_downloads["older"] = (
            Download("zip:flac", "downloads/older/older-flac.zip", "application/zip", 12_345_678),
        )
    if undated := slugs.get("undated"):
        first = undated.tracks[0].source
        tracks[first] = replace(tracks[first], loudness=Loudness(-14.2, -1.3))
        release_loudness["undated"] = Loudness(-14.2, -1.3)
    return replace(
        media,
        covers=covers,
        tracks=tracks,
        release_downloads=release_downloads,
        release_loudness=release_loudness,
    )


def with_release(catalog: Catalog, slug: str, **changes: Any) -> Catalog:
    """The catalog with one release changed as an edit in watch mode gives it: a new object,
    every other release the very same object as before."""
    return replace(
        catalog, releases=tuple(replace(r, **changes) if r.slug == slug else r for r in catalog.releases)
    )


def without_release(catalog: Catalog, slug: str) -> Catalog:
    return replace(catalog, releases=tuple(r for r in catalog.releases if r.slug != slug))
