"""Dates as the artist wrote them: a year, a year and month, or a day.

`PartialDate` is a `datetime.date` (January 1st or the 1st of the month stand in for what is not
known, so sorting, feeds and catalog.json work unchanged) that remembers how much was written,
so a page shows "2026" for `date: 2026`, not "1 January 2026".
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

Precision = Literal["year", "month", "day"]


class PartialDate(dt.date):
    precision: Precision

    def __new__(cls, year: int, month: int = 1, day: int = 1, precision: Precision = "day") -> PartialDate:
        self = super().__new__(cls, year, month, day)
        self.precision = precision
        return self

    def __reduce__(self) -> tuple[type[PartialDate], tuple[int, int, int, Precision]]:
        # date pickles its bytes only: the build snapshot must keep the precision too
        return (PartialDate, (self.year, self.month, self.day, self.precision))

    def __repr__(self) -> str:
        return f"PartialDate({self.year}, {self.month}, {self.day}, {self.precision!r})"


def precision_of(date: dt.date) -> Precision:
    return getattr(date, "precision", "day")


def written(date: dt.date) -> str:
    """What the artist wrote, as HTML's <time datetime> takes it: 2026, 2026-05 or 2026-05-01."""
    precision = precision_of(date)
    if precision == "year":
        return f"{date.year:04d}"
    if precision == "month":
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()
