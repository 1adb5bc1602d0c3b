"""How well a candidate from a database matches a release: title, artist, track count, durations.

Each part is a similarity from 0 to 1; the score is their weighted mean. Titles and names are
compared folded (case, accents, punctuation and "the" aside); durations track by track, a track
within 3 s counting fully and one 15 s off or more not at all.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

MATCH = 0.6  # below this a candidate is no match


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"\w+", bare.replace("&", " and "))
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def similarity(a: str, b: str) -> float:
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    return SequenceMatcher(None, fa, fb).ratio()


def durations(ours: list[float], theirs: list[float | None]) -> float | None:
    """Track by track in order; None when the candidate gives no lengths to compare."""
    pairs = [(a, b) for a, b in zip(ours, theirs, strict=False) if b]
    if not pairs:
        return None
    total = 0.0
    for a, b in pairs:
        off = abs(a - b)
        total += 1.0 if off <= 3 else max(0.0, 1 - (off - 3) / 12)
    return total / max(len(ours), len(theirs))


def score(
    title: tuple[str, str], artist: tuple[str, str], count: tuple[int, int], lengths: float | None
) -> float:
    """(ours, theirs) for title, artist and track count; `lengths` from `durations`."""
    parts = [(similarity(*title), 3.0), (similarity(*artist), 2.0)]
    ours, theirs = count
    parts.append((1.0 if ours == theirs else max(0.0, 1 - abs(ours - theirs) / max(ours, theirs, 1)), 1.5))
    if lengths is not None:
        parts.append((lengths, 2.0))
    return round(sum(v * w for v, w in parts) / sum(w for _, w in parts), 3)
