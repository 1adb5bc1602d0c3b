"""Timecodes: `#t=1m20s` / `#t=80` / `1:20` in text, as seconds and as links that seek the player."""

from __future__ import annotations

import html
import re

_UNITS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")
# 1:20 or 1:02:03 standing alone in text (not part of a longer number, ratio or time like 12:30:45:00).
_IN_TEXT = re.compile(r"(?<![\w:.])(?:(\d{1,2}):)?(\d{1,2}):([0-5]\d)(?![\w:]|\.\d)")
_TAG = re.compile(r"(<[^>]*>)")


def parse_timecode(text: str) -> float | None:
    """Seconds from '80', '80.5', '1m20s', '1h2m3s', '1:20' or '1:02:03'; None if it is none of them."""
    text = text.strip().lower()
    if not text:
        return None
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        if (int(minutes) >= 60 and hours) or float(seconds) >= 60:
            return None
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    units = _UNITS.match(text)
    if units and any(units.groups()):
        hours, minutes, seconds = units.groups()
        return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)
    return None


def _seconds_href(match: re.Match[str]) -> str:
    hours, minutes, seconds = match.groups()
    if hours is not None and int(minutes) >= 60:
        return match.group(0)
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return f'<a class="timecode" href="#t={total}">{match.group(0)}</a>'


def link_timecodes(markup: str) -> str:
    """Wrap timecodes in the text of (already safe) HTML in `#t=` links; text inside links is left alone."""
    if ":" not in markup:
        return markup
    parts = _TAG.split(markup)
    depth = 0  # inside <a>…</a>, or <code>/<pre>, where a 1:20 is not ours to link
    for i, part in enumerate(parts):
        if i % 2:
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in ("a", "code", "pre"):
                depth += -1 if part.startswith("</") else 1
        elif depth <= 0 and part:
            parts[i] = _IN_TEXT.sub(_seconds_href, part)
    return "".join(parts)


def link_timecodes_in_text(text: str) -> str:
    """Plain text to HTML: escaped, line breaks kept, timecodes linked."""
    escaped = html.escape(text, quote=True).replace("\n", "<br>\n")
    return link_timecodes(escaped)
