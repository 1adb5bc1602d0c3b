"""How values read on a page: durations, sizes, prices, dates, names, format labels.

Pure functions shared by the page templates (as jinja filters) and the search index.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from decimal import Decimal

from tunecamp.generator.catalog.dates import precision_of

# C0/C1 controls (but tab, newline, return), lone surrogates and non-characters: they
# make HTML parse errors or cannot be encoded at all, and no title needs them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CHF": "CHF "}

FORMAT_LABELS = {
    "flac": "FLAC",
    "alac": "ALAC",
    "wav": "WAV",
    "aiff": "AIFF",
    "mp3-v0": "MP3 V0",
    "mp3-320": "MP3 320",
    "aac": "AAC",
    "vorbis": "Ogg Vorbis",
    "opus-128": "Opus",
    "mp3": "MP3",
    "opus": "Opus",
    "ogg": "Ogg",
    "m4a": "AAC",
}


def clean_text(text: str) -> str:
    return _UNPRINTABLE.sub("", text)


def duration(seconds: float | None) -> str:
    """3:03 or 1:02:03; rounded to the nearest second like every player shows it."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–:––"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration for schema.org: PT3M3S."""
    total = round(max(seconds, 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or hours else "") + f"{secs}S"


def filesize(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def price(amount: Decimal, currency: str) -> str:
    """€5.00, $4.50, 500 SEK."""
    text = f"{amount:.0f}" if currency == "JPY" else f"{amount:.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def format_label(fmt: str) -> str:
    """'flac' -> 'FLAC', 'zip:mp3-v0' -> 'MP3 V0 (zip)'."""
    if fmt.startswith("zip:"):
        return f"{format_label(fmt[4:])} (zip)"
    return FORMAT_LABELS.get(fmt, fmt.upper())


def long_date(date: dt.date) -> str:
    """As much as the artist wrote: "2026", "May 2026" or "1 May 2026"."""
    precision = precision_of(date)
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return f"{date:%B %Y}"
    return f"{date.day} {date:%B %Y}"


def join_names(names: Sequence[str]) -> str:
    """'A', 'A & B', 'A, B & C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " & " + names[-1]
