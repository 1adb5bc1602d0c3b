"""What every feed shares: namespaces, safe XML building, dates, ordering and artwork choice.

XML is built with ElementTree, so text from tags and YAML is always escaped; `clean`
also drops what XML 1.0 cannot carry at all (control characters, lone surrogates), which
ElementTree would otherwise write out as a document no parser accepts.

Dates follow one fixed rule, so a feed is the same bytes on every machine: a release's
date is its own, else the newest date among its tracks, else none. Undated releases come
last; RSS items leave `pubDate` out (readers then use the day they first saw the item) and
Atom, where `updated` is required, uses the Unix epoch.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from email.utils import format_datetime

from tunecamp.generator.media import ImageSet, ImageVariant
from tunecamp.generator.model import Release

NAMESPACES = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "media": "http://search.yahoo.com/mrss/",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
EPOCH = dt.date(1970, 1, 1)
GENERATOR = "TuneCamp"
RASTER = ("image/jpeg", "image/png")  # what podcast directories accept as artwork

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _INVALID_XML.sub("", text)


def qname(tag: str) -> str:
    """'itunes:author' -> '{http://www.itunes.com/dtds/podcast-1.0.dtd}author'."""
    prefix, sep, local = tag.partition(":")
    return f"{{{NAMESPACES[prefix]}}}{local}" if sep else tag


def sub(parent: ET.Element, tag: str, text: str | None = None, /, **attrs: str | int | None) -> ET.Element:
    """Append an element; attributes set to None are left out."""
    el = ET.SubElement(parent, qname(tag), {k: clean(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = clean(text)
    return el


def serialize(root: ET.Element) -> bytes:
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def release_date(release: Release) -> dt.date | None:
    """The release's date, else its newest track date, else None (see the module docstring)."""
    if release.date:
        return release.date
    dates = [t.date for t in release.tracks if t.date]
    return max(dates) if dates else None


def newest_first(releases: Iterable[Release]) -> list[Release]:
    """Dated releases newest first, then undated ones; ties keep the catalog's order."""

    def key(release: Release) -> tuple[bool, int]:
        day = release_date(release)
        return (day is None, -day.toordinal() if day else 0)

    return sorted(releases, key=key)


def rfc822(day: dt.date, minutes: int = 0) -> str:
    """'Wed, 01 May 2024 00:00:00 GMT' for RSS; `minutes` orders items published the same day."""
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return format_datetime(moment, usegmt=True)


def rfc3339(day: dt.date | None) -> str:
    """'2024-05-01T00:00:00Z' for Atom; the epoch for an undated release."""
    return f"{(day or EPOCH).isoformat()}T00:00:00Z"


def artwork(images: ImageSet) -> ImageVariant:
    """The largest JPEG/PNG (what podcast apps and readers accept), else the default variant."""
    raster = [v for v in images.variants if v.mime in RASTER]
    if images.original and images.original.mime in RASTER:
        raster.append(images.original)
    return max(raster, key=lambda v: v.width or 0) if raster else images.default


def join_names(names: Iterable[str]) -> str:
    return ", ".join(names)
