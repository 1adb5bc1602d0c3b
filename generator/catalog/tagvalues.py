"""Reading the values inside tags: names, "2/5" numbers, partial dates, ISRCs.

Pure functions from the strings taggers write to typed values, shared by every tag family.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from tunecamp.generator.catalog.dates import PartialDate, Precision


def clean_values(values: Iterable[str]) -> list[str]:
    """Stripped, NUL-free, non-empty values."""
    return [s for v in values if (s := v.replace("\x00", "").strip())]


_SEPARATOR = re.compile(r"\s*;\s*|\s+/\s+")  # never "&", "," or a bare "/": AC/DC, Simon & Garfunkel


def split_names(values: Iterable[str]) -> tuple[str, ...]:
    """Multi-valued names, also split on ";" and " / "; duplicates dropped, order kept."""
    names = (part.strip() for v in clean_values(values) for part in _SEPARATOR.split(v))
    return tuple(dict.fromkeys(n for n in names if n))


_NUMBER = re.compile(r"^\s*0*(\d{1,6})\s*(?:(?:/|of)\s*0*(\d{1,6}))?", re.IGNORECASE)


def parse_numbers(value: str | None, total: str | None = None) -> tuple[int | None, int | None]:
    """ "2/5", "02", "2 of 5" -> (2, 5); a separate total fills in; 0 means unknown."""
    match = _NUMBER.match(value or "")
    number = int(match.group(1)) if match else 0
    of = int(match.group(2)) if match and match.group(2) else 0
    if not of and (m := _NUMBER.match(total or "")):
        of = int(m.group(1))
    return number or None, of or None


_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?!\d)")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?!\d)")  # 20240501


def parse_date(value: str) -> tuple[dt.date | None, int | None]:
    """(date, year) from "2024", "2024-05", "2024-05-01", "2024-05-01T10:00Z"...; missing parts are 1."""
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if not match or not 1 <= int(match.group(1)) <= 9999:
        return None, None
    year = int(match.group(1))
    month, day = int(match.group(2) or 1), int(match.group(3) or 1)
    written: Precision = "day" if match.group(3) else "month" if match.group(2) else "year"
    tries: tuple[tuple[int, int, Precision], ...] = (
        (month, day, written),
        (month, 1, "month"),
        (1, 1, "year"),
    )
    for m, d, precision in tries:  # an impossible day or month loses only itself
        try:
            return PartialDate(year, m, d, precision), year
        except ValueError:
            continue
    return None, year  # unreachable: January 1st always exists


_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def normalize_isrc(value: str | None) -> str | None:
    """ "us-x9p-24-00001" -> "USX9P2400001"; a value that is no ISRC is kept as written."""
    if value is None:
        return None
    compact = re.sub(r"[\s-]", "", value).upper()
    return compact if _ISRC.match(compact) else value
