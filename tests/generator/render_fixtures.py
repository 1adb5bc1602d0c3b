"""A small real site for the page renderer: model objects over real audio and pictures.

Import with `from tests.generator.render_fixtures import ...`. The audio is made by the
`make_audio` fixture, the pictures by Pillow, so `write_site` links real files and a
browser can play them. The site lives under a sub-path (`/sub/`) to prove every link
goes through `Urls`.

What is in it (newest first):
- `engines` (published, Ada): a hostile title; a described JPEG cover; notes with timecodes;
  an MP3 track with synced lyrics, credits, peaks and a loudness gain; an Ogg track by a guest.
- `quiet` (published, Noor): no cover (procedural); paid; embeds off; FLAC.
- `codes` (published, Ada and Noor): two discs; download codes.
- `hidden` (unlisted, Ada): a cover without a description (a warning); name-your-price.
- `draft-demos` (draft, Ghost, an artist known only from the draft).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from PIL import Image as PILImage

from tests.generator.catalog_fixtures import ARTIST_ADA, BASE_URL, track
from tunecamp.generator.catalog.model import (
    Artist,
    Catalog,
    CatalogConfig,
    Image,
    Link,
    LyricLine,
    Lyrics,
    LyricWord,
    Release,
    Track,
)
from tunecamp.generator.catalog.settings import Settings
from tunecamp.generator.catalog.tags import read_tags
from tunecamp.generator.media.model import Download, Loudness, Media
from tunecamp.generator.media.plain import plain_media
from tunecamp.generator.output import Output

HOSTILE = "</script><script>alert(\"x\")</script> & 'Friends'"
PEAKS = tuple(min(255, (i * 37) % 256) for i in range(120))


def _jpeg(path: Path, color: tuple[int, int, int], size: int = 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", (size, size), color).save(path, "JPEG")
    return path


def _track(
    make_audio: object,
    content: Path,
    release: str,
    slug: str,
    title: str,
    fmt: str,
    number: int,
    artists: tuple[str, ...],
    settings: Settings,
    seconds: float = 1.0,
    **extra: object,
) -> Track:
    path = make_audio(content / "releases" / release / f"{number:02d} {slug}.{fmt}", seconds=seconds)  # type: ignore[operator]
    _, info = read_tags(path)
    return track(path, info, slug, title, number, artists=artists, settings=settings, **extra)  # type: ignore[arg-type]


DAEMON_URL = "https://daemon.example.org"


def real_catalog(root: Path, make_audio: object, *, label_mode: bool = True, seconds: float = 1.0) -> Catalog:
    content = root / "content"
    base = Settings(license="CC-BY-SA-4.0")
    config = CatalogConfig(
        title='Basement & <Attic> "Records"',
        base_url=BASE_URL,
        label_mode=label_mode,
        description="Songs from the basement.",
        description_html="<p>Songs from the <em>basement</em>.</p>",
        settings=base,
        daemon_url=DAEMON_URL,
    )
    ada = Artist(
        "ada",
        ARTIST_ADA,
        base,
        bio_html="<p>Engines &amp; bells.</p>",
        summary="Engines & bells.",
        links=(Link("Home", "https://ada.example.org/?a=1&b=2"),),
        location="London",
        image=Image(_jpeg(content / "artists/ada/artist.jpg", (200, 60, 60)), "Ada at the organ"),
        source_dir=content / "artists/ada",
    )
    noor = Artist("noor", "نور", base, source_dir=content / "artists/noor")
    ghost = Artist("ghost", "Ghost Draft", base)

    engines_tracks = (
        _track(
            make_audio,
            content,
            "engines",
            "script",
            HOSTILE,
            "mp3",
            1,
            (ARTIST_ADA,),
            base,
            seconds,
            lyrics=Lyrics(
                "One\nTwo", (LyricLine(0.0, "One"), LyricLine(0.5, "Two", (LyricWord(0.5, "Two"),)))
            ),
            credits="Solo at 0:01.",
            genres=("Electronic",),
        ),
        _track(
            make_audio,
            content,
            "engines",
            "guest",
            "With a Guest",
            "ogg",
            2,
            (ARTIST_ADA, "Guest"),
            base,
            seconds,
        ),
    )
    engines = Release(
        slug="engines",
        title=f"Engines {HOSTILE}",
        artist_slugs=("ada",),
        status="published",
        tracks=engines_tracks,
        settings=base,
        source_dir=content / "releases/engines",
        date=dt.date(2024, 5, 1),
        cover=Image(_jpeg(content / "releases/engines/cover.jpg", (30, 90, 160)), "Blue <engine> room"),
        notes_html='<p>The solo starts at 0:01, the end at 1:02:03; <a href="https://x.example/">not 0:09</a>.</p>',
        credits_html="<p>Written by Ada.</p>",
        genres=("Electronic", "<Noise>"),
        summary="Loud & <proud>.",
    )
    paid = replace(base, download="paid", price=Decimal("7"), embed=False)
    quiet = Release(
        slug="quiet",
        title="Quiet",
        artist_slugs=("noor",),
        status="published",
        settings=paid,
        source_dir=content / "releases/quiet",
        date=dt.date(2023, 2, 2),
        genres=("Ambient",),
        tracks=(_track(make_audio, content, "quiet", "hush", "Hush", "flac", 1, ("نور",), paid, seconds),),
    )
    coded = replace(base, download="codes")
    codes = Release(
        slug="codes",
        title="Two Sides",
        artist_slugs=("ada", "noor"),
        status="published",
        settings=coded,
        source_dir=content / "releases/codes",
        date=dt.date(2022, 1, 1),
        genres=("Jazz",),
        tracks=(
            _track(make_audio, content, "codes", "side-a", "Side A", "mp3", 1, (ARTIST_ADA,), coded, seconds),
            _track(
                make_audio,
                content,
                "codes",
                "side-b",
                "Side B",
                "mp3",
                2,
                (ARTIST_ADA,),
                coded,
                seconds,
                disc=2,
            ),
        ),
    )
    nyp = replace(base, download="name-your-price", price=Decimal("3.50"))
    hidden = Release(
        slug="hidden",
        title="Hidden Gem",
        artist_slugs=("ada",),
        status="unlisted",
        settings=nyp,
        source_dir=content / "releases/hidden",
        date=dt.date(2021, 6, 6),
        genres=("Secretcore",),
        metadata_file=content / "releases/hidden/release.yaml",
        cover=Image(_jpeg(content / "releases/hidden/cover.jpg", (10, 10, 10))),
        tracks=(
            _track(
                make_audio, content, "hidden", "secret", "Secret Song", "mp3", 1, (ARTIST_ADA,), nyp, seconds
            ),
        ),
    )
    draft = Release(
        slug="draft-demos",
        title="Draft Demos",
        artist_slugs=("ghost",),
        status="draft",
        settings=base,
        source_dir=content / "releases/draft-demos",
        genres=("Draftcore",),
        tracks=(
            _track(
                make_audio,
                content,
                "draft-demos",
                "demo",
                "Demo Song",
                "mp3",
                1,
                ("Ghost Draft",),
                base,
                seconds,
            ),
        ),
    )
    return Catalog(
        config=config,
        content_dir=content,
        artists=(ada, noor, ghost),
        releases=(engines, quiet, codes, hidden, draft),
    )


def real_media(catalog: Catalog) -> Media:
    """plain_media plus what the audio pipeline adds: peaks, a loudness gain, a public download."""
    media = plain_media(catalog)
    engines = next(r for r in catalog.releases if r.slug == "engines")
    first = engines.tracks[0].source
    tracks = dict(media.tracks)
    tracks[first] = replace(tracks[first], peaks=PEAKS, loudness=Loudness(-12.0, -1.0))
    zip_path = "releases/engines/engines.zip"
    return replace(
        media,
        tracks=tracks,
        outputs=(*media.outputs, Output(zip_path, data=b"PK\x05\x06" + bytes(18))),
        release_downloads={"engines": (Download("zip:mp3-v0", zip_path, "application/zip", 22),)},
    )
