"""What every feed shares: namespaces, safe XML building, dates, ordering and artwork choice.

XML is built with ElementTree, so text from tags and YAML is always escaped; `clean`
also drops what XML 1.0 cannot carry at all (control characters, lone surrogates), which
ElementTree would otherwise write out as a document no parser accepts.

A feed is assembled from fragments: each release's items are serialized once (and kept
between the builds of a watch session) and spliced into the serialized channel where its
marker comment stands. For a fragment to mean the same wherever it lands, elements carry
literal prefixed names ("itunes:duration") and every feed root declares all of NAMESPACES:
ElementTree then does no namespace bookkeeping of its own, which would declare prefixes
per serialization. Fragments are indented for the level they are spliced at, so the
assembled feed is the bytes ElementTree would write for the whole tree.

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

from tunecamp.generator.catalog.model import Release
from tunecamp.generator.media.model import ImageSet, ImageVariant

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
INDENT = " "
MARKER = "entries"
_MARKER_BYTES = f"<!--{MARKER}-->".encode()
_WRAPPER = "fragment"

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _INVALID_XML.sub("", text)


def feed_root(tag: str, attrs: dict[str, str] | None = None, /) -> ET.Element:
    """A feed's root element, declaring every prefix of NAMESPACES (see the module docstring)."""
    declared = {f"xmlns:{prefix}": uri for prefix, uri in NAMESPACES.items()}
    return ET.Element(tag, {**(attrs or {}), **declared})


def sub(parent: ET.Element, tag: str, text: str | None = None, /, **attrs: str | int | None) -> ET.Element:
    """Append an element; attributes set to None are left out. A prefixed tag stays literal."""
    el = ET.SubElement(parent, tag, {k: clean(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = clean(text)
    return el


def mark(parent: ET.Element) -> None:
    """Where `splice` puts the fragments: after the children `parent` has so far."""
    parent.append(ET.Comment(MARKER))


def fragment(elements: Iterable[ET.Element], level: int) -> bytes:
    """Elements serialized one after the other, indented as children at `level` of a feed."""
    # One serialization for all of them, inside a wrapper cut off after: ElementTree's cost is
    # mostly per call. Text is written as str and encoded once, which is several times faster.
    wrapper = ET.Element(_WRAPPER)
    wrapper.extend(elements)
    if not len(wrapper):
        return b""
    separator = "\n" + INDENT * level
    for element in wrapper:
        ET.indent(element, space=INDENT, level=level)
        element.tail = separator
    wrapper[-1].tail = None
    text = ET.tostring(wrapper, encoding="unicode")
    return text[len(_WRAPPER) + 2 : -len(_WRAPPER) - 3].encode()


def serialize(root: ET.Element) -> bytes:
    ET.indent(root, space=INDENT)
    return f"<?xml version='1.0' encoding='utf-8'?>\n{ET.tostring(root, encoding='unicode')}\n".encode()


def splice(root: ET.Element, fragments: Iterable[bytes]) -> bytes:
    """The feed `root` serialized, with `fragments` (each indented for its level) at its marker."""
    head, found, tail = serialize(root).partition(_MARKER_BYTES)
    if not found:
        raise ValueError("the feed skeleton has no marker")
    # Text never holds the marker ("<" is escaped), so this is the comment; the marker's own line goes.
    head, _, indentation = head.rpartition(b"\n")
    separator = b"\n" + indentation
    parts = [head]
    for piece in fragments:
        if piece:
            parts += (separator, piece)
    parts.append(tail)
    return b"".join(parts)


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


def feed_releases(releases: Iterable[Release], limit: int) -> list[Release]:
    """The `limit` newest releases (all of them for 0): what a feed carries."""
    return newest_first(releases)[: limit or None]


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
