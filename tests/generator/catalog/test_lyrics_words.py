"""Word timings (enhanced LRC, TTML beside the audio) and the other tags the Subsonic fields read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunecamp.generator.catalog.lyrics import parse_lrc, read_lyrics_file
from tunecamp.generator.catalog.lyrics_ttml import parse_ttml, ttml_time
from tunecamp.generator.catalog.model import LyricWord

TTML = """<?xml version="1.0" encoding="utf-8"?>
<tt xmlns="http://www.w3.org/ns/ttml"><body><div>
  <p begin="00:01.000" end="00:03.000"><span begin="00:01.000" end="00:01.400">Hel</span><span
     begin="00:01.400" end="00:02.000">lo</span> <span begin="2.0s" end="2900ms">wörld</span></p>
  <p begin="4s" end="5s">untimed words</p>
  <p>no time at all</p>
</div></body></tt>"""


def test_enhanced_lrc_gives_words_with_starts() -> None:
    lyrics = parse_lrc("[offset:+500]\n[00:01.00][00:11.00]<00:01.00>Hello <00:01.50>wörld\n")
    first, repeat = lyrics.synced
    assert first.text == "Hello wörld" and first.start == 0.5
    assert first.words == (LyricWord(0.5, "Hello"), LyricWord(1.0, "wörld"))
    assert [w.start for w in repeat.words] == [10.5, 11.0]  # the chorus' words move with its stamp
    assert all(w.end is None for w in first.words)


def test_plain_lrc_has_no_words() -> None:
    assert parse_lrc("[00:01.00]just a line\n").synced[0].words == ()


def test_ttml_lines_words_and_syllables() -> None:
    lyrics = parse_ttml(TTML)
    assert lyrics.text == "Hello wörld\nuntimed words"
    hello, untimed = lyrics.synced
    assert (hello.start, hello.end) == (1.0, 3.0)
    assert hello.words == (LyricWord(1.0, "Hello", 2.0), LyricWord(2.0, "wörld", 2.9))
    assert untimed.words == () and untimed.start == 4.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("01:02.5", 62.5), ("1:00:01", 3601.0), ("62.5s", 62.5), ("1500ms", 1.5), ("2m", 120.0), ("x", None)],
)
def test_ttml_times(value: str, seconds: float | None) -> None:
    assert ttml_time(value) == seconds


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE tt [<!ENTITY a "aaaa">]><tt><body><p begin="1s">&a;</p></body></tt>',
        "<tt><body><p begin='1s'>unclosed</body></tt>",
        "<html><p begin='1s'>not ttml</p></html>",
    ],
)
def test_hostile_or_broken_ttml_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ttml(text)


def test_ttml_file_beside_the_audio(tmp_path: Path) -> None:
    path = tmp_path / "01 - Song.ttml"
    path.write_text(TTML, encoding="utf-8")
    assert read_lyrics_file(path).synced[0].words[1].text == "wörld"
    (tmp_path / "empty.ttml").write_text("<tt xmlns='http://www.w3.org/ns/ttml'><body/></tt>")
    with pytest.raises(ValueError, match="empty"):
        read_lyrics_file(tmp_path / "empty.ttml")


def test_tags_for_the_subsonic_fields() -> None:
    from tunecamp.generator.catalog.tags import build_tags

    tags = build_tags(
        {
            "bpm": ["120.4"],
            "mood": ["calm; dreamy"],
            "releasetype": ["Album", "Live"],
            "originaldate": ["1999"],
        }
    )
    assert (tags.bpm, tags.moods, tags.release_types, tags.original_date) == (
        120,
        ("calm", "dreamy"),
        ("album", "live"),
        "1999",
    )
    for bad in ("fast", "0", "100000", "nan", "inf"):
        assert build_tags({"bpm": [bad]}).bpm is None, bad
