from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tunecamp.generator.site.display import (
    clean_text,
    duration,
    filesize,
    format_label,
    iso_duration,
    join_names,
    long_date,
    price,
)
from tunecamp.generator.site.licenses import license_info


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (4.4, "0:04"),
        (59.6, "1:00"),
        (183.4, "3:03"),
        (3599.5, "1:00:00"),
        (3723, "1:02:03"),
        (None, "–:––"),
        (float("nan"), "–:––"),
        (-1, "–:––"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_iso_duration() -> None:
    assert [iso_duration(s) for s in (0, 4.4, 183.4, 3723)] == ["PT0S", "PT4S", "PT3M3S", "PT1H2M3S"]


def test_sizes_prices_labels_dates_names() -> None:
    assert [filesize(n) for n in (12, 1234, 42_700, 1_234_567, 52_000_000_000)] == [
        "12 B",
        "1.2 kB",
        "42.7 kB",
        "1.2 MB",
        "52.0 GB",
    ]
    assert price(Decimal("5"), "EUR") == "€5.00" and price(Decimal("4.5"), "SEK") == "4.50 SEK"
    assert price(Decimal("500"), "JPY") == "¥500"
    assert format_label("mp3-v0") == "MP3 V0" and format_label("zip:flac") == "FLAC (zip)"
    assert format_label("weird") == "WEIRD"
    assert long_date(dt.date(2025, 3, 1)) == "1 March 2025"
    assert [join_names(n) for n in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A & B", "A, B & C"]


def test_clean_text_drops_what_html_cannot_carry() -> None:
    assert clean_text("Bell\x07 and \x0bTab\ud800\ufffe\n\tok") == "Bell and Tab\n\tok"


def test_licenses() -> None:
    cc = license_info("CC-BY-NC-SA-4.0")
    assert cc is not None and cc.url == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert cc.name == "Creative Commons Attribution-NonCommercial-ShareAlike 4.0"
    zero = license_info("CC0-1.0")
    assert zero is not None and zero.url == "https://creativecommons.org/publicdomain/zero/1.0/"
    own = license_info("All rights reserved")
    assert own is not None and own.url is None and own.name == "All rights reserved"
    assert license_info(None) is None and license_info("") is None
    custom = license_info("Free Art License")
    assert custom is not None and custom.name == "Free Art License" and custom.url is None
