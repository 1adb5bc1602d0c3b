"""TTML lyrics (Apple Music's format, W3C Timed Text): lines with begin/end, words as timed spans.

Each `<p>` is a line; its timed `<span>`s are its words (or syllables: spans without space between
them join into one word of the line's text). Times are clock times (`01:02.500`, `00:01:02.5`) or
offsets (`62.5s`, `62500ms`). A DOCTYPE is refused outright: lyrics need no entities, and a
hostile file cannot then expand any.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tunecamp.generator.catalog.model import LyricLine, Lyrics, LyricWord

_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2}(?:\.\d{1,6})?)$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms)$")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def ttml_time(value: str | None) -> float | None:
    """Seconds from a TTML time expression; None when missing or not one."""
    if not value:
        return None
    value = value.strip()
    if match := _CLOCK.match(value):
        hours, minutes, seconds = match.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    if match := _OFFSET.match(value):
        return float(match.group(1)) * _UNITS[match.group(2)]
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_ttml(text: str) -> Lyrics:
    """Synced lines (with their words when spans are timed); ValueError for what is not TTML."""
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.I):
        raise ValueError("TTML with a DOCTYPE or entities is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed TTML: {exc}") from None
    if _local(root.tag) != "tt":
        raise ValueError("not TTML: the root element is not <tt>")
    lines = []
    for p in root.iter():
        if _local(p.tag) != "p":
            continue
        start = ttml_time(p.get("begin"))
        line, words = _line(p)
        if start is None:
            start = words[0].start if words else None
        if start is None or not line:
            continue
        lines.append(LyricLine(round(start, 3), line, words, ttml_time(p.get("end"))))
    lines.sort(key=lambda line: line.start)
    return Lyrics("\n".join(line.text for line in lines), tuple(lines))


def _line(p: ET.Element) -> tuple[str, tuple[LyricWord, ...]]:
    """The line's text, spaces as written between spans, and its timed spans as words."""
    text = p.text or ""
    words: list[LyricWord] = []
    for child in p:
        piece = "".join(child.itertext())
        start = ttml_time(child.get("begin")) if _local(child.tag) == "span" else None
        if start is not None and piece.strip():
            glued = words and text and not text[-1].isspace()  # a syllable of the word before
            if glued:
                last = words[-1]
                words[-1] = LyricWord(last.start, last.text + piece.strip(), ttml_time(child.get("end")))
            else:
                words.append(LyricWord(round(start, 3), piece.strip(), ttml_time(child.get("end"))))
        text += piece + (child.tail or "")
    return " ".join(text.split()), tuple(words)
