"""Codes themselves: alphabet, entropy, uniqueness, reading them as typed, keyed hashes, CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter

import pytest

from tunecamp.daemon.unlock.codes import (
    ALPHABET,
    BITS,
    CSV_HEADER,
    CodeHasher,
    Issued,
    new_code,
    normalise,
    to_csv,
)

SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def test_the_alphabet_has_no_look_alikes_and_codes_carry_60_bits() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("0O1I") & set(ALPHABET)
    assert BITS >= 60


def test_100000_codes_are_well_formed_unique_and_evenly_spread() -> None:
    codes = [new_code() for _ in range(100_000)]
    assert all(SHAPE.match(c) for c in codes)
    assert len(set(codes)) == len(codes)
    counts = Counter(ch for c in codes for ch in c if ch != "-")
    expected = 100_000 * 12 / 32  # 37,500 each; the standard deviation is about 190
    assert set(counts) == set(ALPHABET)
    assert all(abs(n - expected) < 0.03 * expected for n in counts.values()), counts
    # every position is random too, not only the whole
    first = Counter(c[0] for c in codes)
    assert len(first) == 32 and max(first.values()) < 1.1 * 100_000 / 32


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KQM-X2RD-94TB", "7KQMX2RD94TB"),
        ("7kqm-x2rd-94tb", "7KQMX2RD94TB"),
        ("7KQMX2RD94TB", "7KQMX2RD94TB"),
        (" 7kqm x2rd 94tb ", "7KQMX2RD94TB"),
        ("7KQM-X2RD-94T", None),  # too short
        ("7KQM-X2RD-94TBB", None),  # too long
        ("7KQM-X2RD-94T0", None),  # 0 is not in the alphabet
        ("7KQM-X2RD-94TO", None),
        ("7KQM-X2RD-94T!", None),
        ("-" * 65, None),
        ("", None),
    ],
)
def test_a_code_is_read_in_any_case_with_or_without_dashes(typed: str, expected: str | None) -> None:
    assert normalise(typed) == expected


def test_hashes_are_keyed_by_the_instance_secret() -> None:
    one, two = CodeHasher(b"a" * 32), CodeHasher(b"b" * 32)
    symbols = "7KQMX2RD94TB"
    assert one.hash(symbols) == one.hash(symbols) and len(one.hash(symbols)) == 64
    assert one.hash(symbols) != two.hash(symbols)
    assert one.hash(symbols) != hashlib.sha256(symbols.encode()).hexdigest()  # not guessable offline
    assert symbols not in one.hash(symbols) and one.hash(symbols) != one.hash("7KQMX2RD94TC")


def test_csv_has_a_header_and_a_row_per_code_and_no_formulas() -> None:
    issued = [
        Issued("7KQM-X2RD-94TB", "tape", 1, None, "cassette run"),
        Issued("ABCD-EFGH-JKMN", "tape", 3, "2030-12-31T23:59:59+00:00", '=HYPERLINK("x")'),
    ]
    rows = list(csv.reader(io.StringIO(to_csv(issued))))
    assert rows[0] == list(CSV_HEADER)
    assert rows[1] == ["7KQM-X2RD-94TB", "tape", "1", "", "cassette run"]
    assert rows[2] == ["ABCD-EFGH-JKMN", "tape", "3", "2030-12-31T23:59:59+00:00", '\'=HYPERLINK("x")']
