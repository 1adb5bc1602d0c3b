"""Lyrics files beside the audio: `.ttml` and `.lrc` (synced), plain text.

Enhanced LRC (`<mm:ss.xx>` before each word) and TTML (`<span begin end>` per word) give word
timings: the Subsonic API's word cues and the track page's karaoke highlight both read them.
"""

from __future__ import annotations

import re
from pathlib import Path

from tunecamp.generator.catalog.lyrics_ttml import parse_ttml
from tunecamp.generator.catalog.model import LyricLine, Lyrics, LyricWord

MAX_BYTES = 1 << 20  # far above any song's lyrics; a bigger file is a mistake, not lyrics

_STAMP = re.compile(r"\[(\d{1,4}):(\d{1,2})(?:[.:](\d{1,3}))?\]")
_LEADING_STAMPS = re.compile(r"^\s*((?:\[\d{1,4}:\d{1,2}(?:[.:]\d{1,3})?\]\s*)+)(.*)$")
_METADATA = re.compile(r"^\s*\[([A-Za-z#][\w#]*):([^\]]*)\]\s*$")
_WORD_STAMP = re.compile(r"<(\d{1,4}):(\d{1,2})(?:[.:](\d{1,3}))?>")  # enhanced LRC, per word
_BLANK_RUNS = re.compile(r"\n{3,}")


def read_lyrics_file(path: Path) -> Lyrics:
    """`.lrc` gives synced lines and their plain text; anything else is plain text.

    Raises OSError when unreadable and ValueError when empty or oversized.
    """
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is larger than {MAX_BYTES // 1024} KB; lyrics are never that long")
    text = decode_text(data)
    suffix = path.suffix.lower()
    if suffix == ".ttml":
        lyrics = parse_ttml(text)
    else:
        lyrics = parse_lrc(text) if suffix == ".lrc" else Lyrics(plain_text(text))
    if not lyrics.text and not lyrics.synced:
        raise ValueError("the file is empty")
    return lyrics


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as old Windows tools write."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def plain_text(text: str) -> str:
    """Unix line ends, no trailing spaces, at most one blank line in a row."""
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def looks_like_lrc(text: str) -> bool:
    """True when most non-blank lines start with a timestamp (e.g. LRC pasted into a tag)."""
    lines = [line for line in text.splitlines() if line.strip()]
    timed = sum(1 for line in lines if _LEADING_STAMPS.match(line))
    return timed > 0 and timed * 2 >= len(lines)


def parse_lrc(text: str) -> Lyrics:
    """Synced lines sorted by time; `[offset:ms]` applied; metadata tags (`[ar:...]`) dropped.

    A line may carry several timestamps (a repeated chorus). Untimed lines are kept only
    when the file has no timestamps at all, so a mislabelled text file still reads well.
    """
    offset = 0.0
    timed: list[tuple[float, int, str, tuple[LyricWord, ...]]] = []
    untimed: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _LEADING_STAMPS.match(line)
        if match:
            words, cues = _words(match.group(2))
            stamps = [_seconds(stamp) for stamp in _STAMP.finditer(match.group(1))]
            for start in stamps:
                # a repeated line (a chorus with several stamps) moves its word times along with it
                shifted = tuple(_shift(w, start - stamps[0]) for w in cues)
                timed.append((start, len(timed), words, shifted))
            continue
        meta = _METADATA.match(line)
        if meta:
            if meta.group(1).lower() == "offset":
                offset = _offset_seconds(meta.group(2))
            continue
        untimed.append(line)
    if not timed:
        return Lyrics(plain_text("\n".join(untimed)))
    # A positive offset makes the lyrics appear sooner (the LRC convention).
    synced = tuple(
        LyricLine(round(max(0.0, start - offset), 3), words, tuple(_shift(w, -offset) for w in cues))
        for start, _, words, cues in sorted(timed, key=lambda t: (t[0], t[1]))
    )
    return Lyrics(plain_text("\n".join(line.text for line in synced)), synced)


def _words(rest: str) -> tuple[str, tuple[LyricWord, ...]]:
    """A line's text without its word stamps, and its words with their starts (enhanced LRC)."""
    stamps = list(_WORD_STAMP.finditer(rest))
    if not stamps:
        return rest.strip(), ()
    cues = []
    for i, stamp in enumerate(stamps):
        piece = rest[stamp.end() : stamps[i + 1].start() if i + 1 < len(stamps) else len(rest)].strip()
        if piece:
            cues.append(LyricWord(_seconds(stamp), piece))
    return " ".join(_WORD_STAMP.sub("", rest).split()), tuple(cues)


def _shift(word: LyricWord, seconds: float) -> LyricWord:
    if not seconds:
        return word
    end = None if word.end is None else round(max(0.0, word.end + seconds), 3)
    return LyricWord(round(max(0.0, word.start + seconds), 3), word.text, end)


def _seconds(stamp: re.Match[str]) -> float:
    minutes, seconds, fraction = stamp.group(1), stamp.group(2), stamp.group(3)
    value = int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return value


def _offset_seconds(value: str) -> float:
    try:
        return int(value.strip()) / 1000
    except ValueError:
        return 0.0  # a garbled offset is not worth losing the lyrics over
