"""`tunecamp init`: a catalog skeleton an artist can fill in."""

from __future__ import annotations

from pathlib import Path

from tunecamp.generator.catalog.slugs import slugify

CATALOG_YAML = """\
# The catalog: the site as a whole. Every key is optional; see docs/content.md.
title: My Music
description: Songs, recordings and field notes.
# The address the site will live at (used for feeds, playlists and share links).
base_url: https://music.example.org
language: en
theme: default
# label: true          # a label with several artists: the home page lists them

# Settings below are inherited by every artist, release and track unless they set their own.
license: CC-BY-4.0
download: free          # free, name-your-price, codes, paid, external, none
download_formats: [flac, mp3-v0]
streaming: standard     # standard (Opus 96k + MP3 V5), frugal or high
"""

ARTIST_YAML = """\
name: {name}
location: Somewhere
# image: artist.jpg
# image_description: The artist on stage
links:
  - label: Website
    url: https://example.org
"""

BIO_MD = "Write a few lines about {name} here. **Markdown** works.\n"

RELEASE_README = """\
Put each release in its own folder here, e.g. releases/first-album/ with:

  01 - Opening.flac, 02 - Second.flac ...   the audio (FLAC, WAV, AIFF, MP3, Ogg, Opus, M4A)
  cover.jpg                                 the cover (or one embedded in the audio)
  release.yaml                              title, artist, date, status... (see docs/content.md)
  notes.md                                  liner notes in Markdown

A new folder is a draft: it is built into nothing until you publish it. From the
folder `tunecamp init` made (the one holding content/), or from content/ itself:

  tunecamp publish first-album
  tunecamp build
"""


def init_catalog(target: Path, artist_name: str = "Your Name") -> list[Path]:
    """Create the skeleton in `target`; existing files are left alone. Returns what was created."""
    slug = slugify(artist_name) or "artist"
    files = {
        target / "catalog.yaml": CATALOG_YAML,
        target / "artists" / slug / "artist.yaml": ARTIST_YAML.format(name=artist_name),
        target / "artists" / slug / "bio.md": BIO_MD.format(name=artist_name),
        target / "releases" / "README.txt": RELEASE_README,
    }
    created = []
    for path, text in files.items():
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created
