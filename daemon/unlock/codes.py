"""Unlock codes themselves: making them, reading them as typed, and their keyed hashes.

A code is 12 symbols from an alphabet of 32 with no look-alikes (no 0/O, no 1/I), shown in
groups of four (`7KQM-X2RD-94TB`): 60 bits from `secrets`, so guessing one of even a million
live codes takes about 2^40 tries, which the rate limits (redeem.py) put out of reach. A code is
typed in any case, with or without dashes or spaces. Only a keyed hash is stored (HMAC-SHA256
with a key derived from the instance secret): a copy of the database alone reveals no code and
allows no offline guessing.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
GROUPS, GROUP_SIZE = 3, 4
LENGTH = GROUPS * GROUP_SIZE
BITS = LENGTH * math.log2(len(ALPHABET))
_ALLOWED = frozenset(ALPHABET)
_SEPARATORS = str.maketrans("", "", "- \t")


def new_code() -> str:
    # 60 random bits, five per symbol: 32 symbols make every one equally likely
    bits = secrets.randbits(LENGTH * 5)
    symbols = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(typed: str) -> str | None:
    """The code's symbols as stored, or None when `typed` cannot be a code at all."""
    if len(typed) > 64:
        return None
    symbols = typed.translate(_SEPARATORS).upper()
    if len(symbols) != LENGTH or not set(symbols) <= _ALLOWED:
        return None
    return symbols


@dataclass(frozen=True)
class CodeHasher:
    secret: bytes

    @property
    def _key(self) -> bytes:
        return hmac.new(self.secret, b"tunecamp unlock codes v1", hashlib.sha256).digest()

    def hash(self, symbols: str) -> str:
        return hmac.new(self._key, symbols.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A code as it is shown once, when made."""

    code: str
    release: str
    uses: int
    expires_at: str | None
    note: str


CSV_HEADER = ("code", "release", "uses", "expires_at", "note")


def to_csv(codes: Iterable[Issued]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for c in codes:
        # a note starting with = + - @ would run as a formula in a spreadsheet: quote it as text
        note = "'" + c.note if c.note[:1] in ("=", "+", "-", "@") else c.note
        writer.writerow((c.code, c.release, c.uses, c.expires_at or "", note))
    return out.getvalue()
