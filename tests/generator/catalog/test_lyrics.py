from __future__ import annotations

from pathlib import Path

import pytest

from tunecamp.generator.catalog.lyrics import MAX_BYTES, looks_like_lrc, parse_lrc, read_lyrics_file
from tunecamp.generator.catalog.model import LyricLine, Lyrics
from tunecamp.generator.catalog.tags import read_lyrics_file as read_lyrics_file_from_tags


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def test_lrc_lines_are_synced_and_sorted(tmp_path: Path) -> None:
    lrc = write(tmp_path / "a.lrc", "[00:05.50]second\n[00:01.00]first\n[01:02.25]third\n")
    lyrics = read_lyrics_file(lrc)
    assert lyrics.synced == (LyricLine(1.0, "first"), LyricLine(5.5, "second"), LyricLine(62.25, "third"))
    assert lyrics.text == "first\nsecond\nthird"


def test_a_line_with_several_timestamps_repeats(tmp_path: Path) -> None:
    lrc = write(tmp_path / "a.lrc", "[00:10.00][00:30.00] Chorus!\n[00:20.00]Verse\n")
    lyrics = read_lyrics_file(lrc)
    assert [(line.start, line.text) for line in lyrics.synced] == [
        (10.0, "Chorus!"),
        (20.0, "Verse"),
        (30.0, "Chorus!"),
    ]


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("[00:07]", 7.0),
        ("[00:07.5]", 7.5),
        ("[00:07.50]", 7.5),
        ("[00:07.505]", 7.505),
        ("[00:07:50]", 7.5),  # some tools write the hundredths after a colon
        ("[3:07.10]", 187.1),
        ("[120:00.00]", 7200.0),
    ],
)
def test_timestamp_forms(stamp: str, seconds: float) -> None:
    assert parse_lrc(f"{stamp}words").synced == (LyricLine(seconds, "words"),)


def test_metadata_lines_are_ignored() -> None:
    text = "[ar:Ada]\n[ti:Engines]\n[al:Album]\n[by:someone]\n[length: 03:20]\n[re:tool]\n[ve:1.0]\n[00:01.00]la\n"
    lyrics = parse_lrc(text)
    assert lyrics.synced == (LyricLine(1.0, "la"),)
    assert lyrics.text == "la"


@pytest.mark.parametrize(
    ("offset", "starts"),
    [("+500", (0.5, 4.5)), ("-500", (1.5, 5.5)), ("2000", (0.0, 3.0)), ("garbled", (1.0, 5.0))],
)
def test_offset_shifts_every_line(offset: str, starts: tuple[float, ...]) -> None:
    # A positive offset shows lyrics sooner; nothing goes below zero; a garbled offset is ignored.
    lyrics = parse_lrc(f"[offset:{offset}]\n[00:01.00]a\n[00:05.00]b\n")
    assert tuple(line.start for line in lyrics.synced) == starts


def test_enhanced_word_timestamps_are_dropped() -> None:
    lyrics = parse_lrc("[00:01.00]<00:01.00>Hello <00:01.50>world\n")
    assert lyrics.synced == (LyricLine(1.0, "Hello world"),)


def test_blank_timed_lines_separate_stanzas() -> None:
    lyrics = parse_lrc("[00:01]one\n[00:02]\n[00:03]two\n")
    assert [line.text for line in lyrics.synced] == ["one", "", "two"]
    assert lyrics.text == "one\n\ntwo"


def test_lrc_without_timestamps_reads_as_plain_text(tmp_path: Path) -> None:
    lyrics = read_lyrics_file(write(tmp_path / "a.lrc", "[ar:Ada]\nJust words\nmore words\n"))
    assert lyrics == Lyrics("Just words\nmore words")


def test_txt_is_plain_text_with_tidy_lines(tmp_path: Path) -> None:
    txt = write(tmp_path / "a.txt", "\r\n  Verse one  \r\nline two\r\n\r\n\r\n\r\nChorus\r\n\r\n")
    assert read_lyrics_file(txt) == Lyrics("Verse one\nline two\n\nChorus")


def test_txt_with_timestamps_is_still_text(tmp_path: Path) -> None:
    # Only .lrc is parsed for time: a .txt shows what the artist wrote.
    assert read_lyrics_file(write(tmp_path / "a.txt", "[00:01]la\n")) == Lyrics("[00:01]la")


@pytest.mark.parametrize(
    "data",
    [
        "Fête à l’été".encode("utf-8-sig"),
        "Fête à l’été".encode("utf-16"),
        "Fête à l’été".encode("cp1252"),
        "Fête à l’été".encode(),
    ],
    ids=["utf-8 bom", "utf-16", "cp1252", "utf-8"],
)
def test_text_encodings(tmp_path: Path, data: bytes) -> None:
    assert read_lyrics_file(write(tmp_path / "a.txt", data)).text == "Fête à l’été"


@pytest.mark.parametrize("content", ["", "\n \n", "[ar:Ada]\n[ti:Song]\n"])
def test_an_empty_lyrics_file_is_an_error(tmp_path: Path, content: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        read_lyrics_file(write(tmp_path / "a.lrc", content))


def test_an_oversized_lyrics_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="larger than"):
        read_lyrics_file(write(tmp_path / "a.txt", b"la " * (MAX_BYTES // 3 + 1)))


def test_a_missing_lyrics_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_lyrics_file(tmp_path / "missing.lrc")


def test_binary_garbage_does_not_crash(tmp_path: Path) -> None:
    lyrics = read_lyrics_file(write(tmp_path / "a.lrc", bytes(range(256)) * 4))
    assert isinstance(lyrics, Lyrics) and lyrics.text


def test_looks_like_lrc() -> None:
    assert looks_like_lrc("[00:01.00]one\n[00:02.00]two\n")
    assert not looks_like_lrc("one\ntwo\n[00:02.00]three\n")
    assert not looks_like_lrc("")


def test_tags_module_re_exports_the_reader() -> None:
    assert read_lyrics_file_from_tags is read_lyrics_file
