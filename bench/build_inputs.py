"""Inputs for bench/build.py: synthetic catalogs, and the bare-jinja2 baseline it compares rendering with.

A catalog is N releases x T tracks of tiny real audio files (0.2 s MP3, FLAC, Ogg Vorbis and Opus
made once with ffmpeg, then copied, so every file has its own inode, mtime and tags), 50 artists,
a dozen genres and a release.yaml with `status: published` per release. The baseline renders
pages of the default theme's shape and size from plain dict contexts, with no TuneCamp code.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
import mutagen

from tunecamp.generator.media.ffmpeg import ffmpeg_path

CATALOG_VERSION = 1  # bump when the generated catalogs change shape
DONE = ".bench-complete"  # written last: a half-generated catalog is made again
FORMATS = {  # extension -> ffmpeg codec arguments
    "mp3": ["-c:a", "libmp3lame", "-q:a", "7"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "1"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
}
TONES = (440, 660)
GENRES = (
    "ambient",
    "folk",
    "jazz",
    "techno",
    "indie pop",
    "drone",
    "house",
    "punk",
    "soul",
    "dub",
    "classical",
    "noise",
)

# --- synthetic catalogs ------------------------------------------------------------------------------


def make_sources(folder: Path) -> dict[tuple[str, int], Path]:
    """The few distinct audio files every catalog copies: each format x each tone, 0.2 s."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = {}
    for ext, codec in FORMATS.items():
        for tone in TONES:
            path = folder / f"{tone}.{ext}"
            if not path.exists():
                tmp = path.with_name(f"tmp-{path.name}")
                tone_source = ("-f", "lavfi", "-i", f"sine=frequency={tone}:duration=0.2")
                subprocess.run(
                    [ffmpeg_path(), "-v", "error", "-y", *tone_source, *codec, str(tmp)], check=True
                )
                tmp.replace(path)
            sources[ext, tone] = path
    return sources


def write_tags(path: Path, tags: dict[str, str]) -> None:
    audio = mutagen.File(path, easy=True)  # EasyID3 for MP3, Vorbis comments for the others
    if audio.tags is None:
        audio.add_tags()
    for key, value in tags.items():
        audio[key] = [value]
    audio.save()


def make_catalog(workdir: Path, releases: int, tracks: int, artists: int = 50) -> Path:
    """content/ of `releases` x `tracks`, generated once per size and reused."""
    content = workdir / f"catalog-{releases}x{tracks}-a{artists}-v{CATALOG_VERSION}"
    if (content / DONE).exists():
        return content
    shutil.rmtree(content, ignore_errors=True)
    sources = make_sources(workdir / "sources")
    (content / "releases").mkdir(parents=True)
    (content / "catalog.yaml").write_text(
        "title: Benchmark Records\nbase_url: https://bench.example.org\nlabel: true\ndownload: free\n"
    )
    formats = list(FORMATS)
    first = dt.date(2000, 1, 1)
    for i in range(releases):
        folder = content / "releases" / f"release-{i:05}"
        folder.mkdir()
        ext, artist = formats[i % len(formats)], f"Artist {i % artists:02}"
        album, date = f"Album {i:05}", (first + dt.timedelta(days=i * 3)).isoformat()
        for j in range(tracks):
            path = folder / f"{j + 1:02} - Song {j + 1}.{ext}"
            shutil.copyfile(sources[ext, TONES[j % len(TONES)]], path)
            write_tags(
                path,
                {
                    "title": f"Song {j + 1} of {album}",
                    "artist": artist,
                    "album": album,
                    "tracknumber": f"{j + 1}/{tracks}",
                    "date": date,
                    "genre": GENRES[(i + j // 5) % len(GENRES)],
                },
            )
        (folder / "release.yaml").write_text("status: published\n")
    (content / DONE).touch()
    return content


# --- the bare jinja2 baseline ----------------------------------------------------------------------

# Templates of the default theme's shape: a layout with head metadata, an inline SVG sprite, header,
# footer and player; macros for pictures, tracklists, cards; release, track, embed and listing pages.
BASELINE_TEMPLATES = Path(__file__).resolve().parent / "baseline"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02}"


def _filesize(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def baseline_release(i: int, tracks: int, base: str) -> dict[str, Any]:
    url, artist = f"{base}/releases/release-{i:05}/", f"Artist {i % 50:02}"
    cover = {
        "src": f"{url}cover.svg",
        "alt": f"Cover of Album {i:05}",
        "width": 1200,
        "height": 1200,
        "sources": [("image/webp", f"{url}cover-600.webp 600w, {url}cover-1200.webp 1200w")],
    }
    return {
        "url": url,
        "title": f"Album {i:05}",
        "artist": artist,
        "artist_url": f"{base}/artists/artist-{i % 50:02}/",
        "date": "2001-01-01",
        "year": 2001,
        "seconds": 0.2 * tracks,
        "cover": cover,
        "license": "CC BY 4.0",
        "tags": [(g.replace(" ", "-"), g) for g in GENRES[i % 12 : i % 12 + 2]],
        "tracks": [
            {
                "number": n,
                "title": f"Song {n} of Album {i:05}",
                "url": f"{url}song-{n}/",
                "seconds": 0.2,
                "audio": f"{base}/audio/release-{i:05}/{n:02}.mp3",
                "mime": "audio/mpeg",
                "size": 4321,
            }
            for n in range(1, tracks + 1)
        ],
    }


def baseline_page(
    kind: str, title: str, path: str, base: str, tracks: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    recordings = [
        {
            "@type": "MusicRecording",
            "name": t["title"],
            "url": t["url"],
            "duration": "PT0.2S",
            "position": t["number"],
            "byArtist": {"@type": "MusicGroup", "name": "Artist", "url": base},
            "audio": {"@type": "AudioObject", "contentUrl": t["audio"], "encodingFormat": t["mime"]},
        }
        for t in tracks
    ]
    return {
        "kind": kind,
        "title": f"{title} · Benchmark Records",
        "path": path,
        "description": f"{title}: music from Benchmark Records",
        "meta": [
            ("property", "og:type", "music.album"),
            ("property", "og:title", title),
            ("property", "og:url", f"{base}/{path}"),
            ("property", "og:image", f"{base}/{path}cover.png"),
            ("property", "og:site_name", "Benchmark Records"),
            ("name", "twitter:card", "summary"),
            ("name", "twitter:title", title),
            ("property", "og:description", f"{title} from Benchmark"),
        ],
        "alternates": [
            {
                "type": "application/rss+xml",
                "title": f"{title} (Media RSS)",
                "href": f"{base}/{path}media.rss",
            },
            {"type": "application/json+oembed", "title": title, "href": f"{base}/oembed/{path}.json"},
        ],
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "MusicAlbum",
            "name": title,
            "url": f"{base}/{path}",
            "byArtist": {"@type": "MusicGroup", "name": "Artist"},
            "numTracks": len(tracks),
            "track": recordings,
            "datePublished": "2001-01-01",
            "genre": ["folk", "jazz"],
        },
    }


def baseline_pages(releases: int, tracks: int, pages: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(template, context) for `pages` pages in the default theme's mix: per release its page and
    embed, per track its page and embed; listings (artists, tags, home) make up the rest."""
    base = "https://bench.example.org"
    alternates = [
        {"type": "application/rss+xml", "title": "Benchmark Records (RSS)", "href": f"{base}/feed.rss"},
        {"type": "application/atom+xml", "title": "Benchmark Records (Atom)", "href": f"{base}/feed.atom"},
    ]
    site = {"language": "en", "title": "Benchmark Records", "base": base, "alternates": alternates}
    count = 0
    for i in range(releases):
        r = baseline_release(i, tracks, base)
        page = baseline_page("release", r["title"], r["url"], base, r["tracks"])
        yield "release.html", {"site": site, "page": page, "r": r}
        yield (
            "embed.html",
            {
                "site": site,
                "page": baseline_page("embed", r["title"], r["url"], base),
                "r": r,
                "tracks": r["tracks"],
            },
        )
        for t in r["tracks"]:
            page = baseline_page("track", t["title"], t["url"], base, r["tracks"])
            yield "track.html", {"site": site, "page": page, "r": r, "t": t}
            page = baseline_page("embed", t["title"], t["url"], base)
            yield "embed.html", {"site": site, "page": page, "r": r, "tracks": [t]}
        count += 2 + 2 * tracks
    for k in range(max(0, pages - count)):
        listing = [baseline_release((k * 5 + n) % max(1, releases), tracks, base) for n in range(5)]
        page = baseline_page("tag", f"Tag {k}", f"tags/t{k}/", base)
        yield "list.html", {"site": site, "page": page, "releases": listing}


def baseline_render(releases: int, tracks: int, pages: int) -> tuple[float, float]:
    """Seconds to render `pages` pages with plain jinja2 (contexts and compiling included), mean size."""
    started = time.perf_counter()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(BASELINE_TEMPLATES), autoescape=True)
    env.filters.update(duration=_duration, filesize=_filesize)
    jobs = itertools.islice(baseline_pages(releases, tracks, pages), pages)
    out = [env.get_template(name).render(**context).encode() for name, context in jobs]
    seconds = time.perf_counter() - started
    return seconds, sum(map(len, out)) / len(out)
