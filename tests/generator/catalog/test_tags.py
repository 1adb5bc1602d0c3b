from __future__ import annotations

import base64
import datetime as dt
import pickle
import random
import struct
import subprocess
from pathlib import Path
from typing import Any

import mutagen.id3
import pytest
from conftest import PNG_1PX, MakeAudio, write_tone
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, IPLS, TIPL, TMCL, TXXX, UFID, MakeID3v1
from mutagen.mp4 import MP4
from mutagen.oggvorbis import OggVorbis

from tunecamp.generator.catalog.tags import TagError, TrackTags, read_embedded_cover, read_tags
from tunecamp.generator.catalog.tagvalues import normalize_isrc, parse_date, parse_numbers, split_names

FORMATS = ["mp3", "flac", "ogg", "opus", "m4a", "alac.m4a", "wav", "aiff"]
JPEG_STUB = b"\xff\xd8\xff\xe0" + bytes(60)  # enough for the picture sniffing, not a real image

FULL_TAGS: dict[str, Any] = {
    "title": "  Night Drive  ",
    "artist": ["Ada Lovelace", "Simon & Garfunkel"],
    "album": "Engines",
    "albumartist": "Ada Lovelace",
    "tracknumber": "2/5",
    "discnumber": "1/2",
    "date": "2024-05-01",
    "genre": ["Electronic", "Ambient"],
    "composer": ["Ada Lovelace", "Charles Babbage"],
    "lyrics": "Line one\nLine two",
    "comment": "Recorded at home",
    "isrc": "USX9P2400001",
    "performer": ["Ada Lovelace (piano)", "Charles Babbage (engine)"],
    "producer": "Mary Somerville",
    "musicbrainz_recordingid": "11111111-1111-1111-1111-111111111111",
    "musicbrainz_albumid": "22222222-2222-2222-2222-222222222222",
    "musicbrainz_releasegroupid": "33333333-3333-3333-3333-333333333333",
    "musicbrainz_artistid": "44444444-4444-4444-4444-444444444444",
    "musicbrainz_albumartistid": "55555555-5555-5555-5555-555555555555",
    "musicbrainz_releasetrackid": "66666666-6666-6666-6666-666666666666",
}

# format -> (AudioInfo.format, codec, mime, web_playable, bits_per_sample)
EXPECTED_INFO = {
    "mp3": ("mp3", "mp3", "audio/mpeg", True, None),
    "flac": ("flac", "flac", "audio/flac", True, 16),
    "ogg": ("ogg", "vorbis", "audio/ogg", True, None),
    "opus": ("opus", "opus", "audio/ogg; codecs=opus", True, None),
    "m4a": ("m4a", "aac", "audio/mp4", True, None),
    "alac.m4a": ("m4a", "alac", "audio/mp4", False, 16),
    "wav": ("wav", "pcm", "audio/wav", True, 16),
    "aiff": ("aiff", "pcm", "audio/aiff", False, 16),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_of_every_format(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    path = make_audio(tmp_path / f"track.{fmt}", tags=FULL_TAGS, cover=PNG_1PX)
    tags, info = read_tags(path)
    assert tags == TrackTags(
        title="Night Drive",
        artists=("Ada Lovelace", "Simon & Garfunkel"),
        album="Engines",
        album_artists=("Ada Lovelace",),
        track_number=2,
        track_total=5,
        disc_number=1,
        disc_total=2,
        date=dt.date(2024, 5, 1),
        year=2024,
        genres=("Electronic", "Ambient"),
        lyrics="Line one\nLine two",
        composers=("Ada Lovelace", "Charles Babbage"),
        credits="Piano: Ada Lovelace\nEngine: Charles Babbage\nProducer: Mary Somerville",
        isrc="USX9P2400001",
        musicbrainz={
            "recording": "11111111-1111-1111-1111-111111111111",
            "release": "22222222-2222-2222-2222-222222222222",
            "release_group": "33333333-3333-3333-3333-333333333333",
            "artist": "44444444-4444-4444-4444-444444444444",
            "album_artist": "55555555-5555-5555-5555-555555555555",
            "track": "66666666-6666-6666-6666-666666666666",
        },
        comment="Recorded at home",
        has_cover=True,
    )
    kind, codec, mime, playable, bits = EXPECTED_INFO[fmt]
    assert (info.format, info.codec, info.mime, info.web_playable, info.bits_per_sample) == (
        kind,
        codec,
        mime,
        playable,
        bits,
    )
    assert info.size == path.stat().st_size
    assert info.duration == pytest.approx(1.0, abs=0.08)
    assert info.sample_rate == (48000 if fmt == "opus" else 44100)
    assert info.channels in (1, 2)
    assert info.bitrate and info.bitrate > 8000


@pytest.mark.parametrize("fmt", FORMATS)
def test_untagged_files_give_empty_tags(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    tags, info = read_tags(make_audio(tmp_path / f"plain.{fmt}"))
    assert tags == TrackTags()
    assert tags.musicbrainz == {}
    assert info.duration == pytest.approx(1.0, abs=0.08)


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_values_become_none(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    path = make_audio(tmp_path / f"blank.{fmt}", tags={"title": "   ", "album": "", "artist": [" ", "Ada "]})
    tags, _ = read_tags(path)
    assert tags.title is None and tags.album is None
    assert tags.artists == ("Ada",)


@pytest.mark.parametrize("fmt", FORMATS)
def test_embedded_cover_per_format(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    with_cover = make_audio(tmp_path / f"cover.{fmt}", tags={"title": "x"}, cover=PNG_1PX)
    without = make_audio(tmp_path / f"nocover.{fmt}", tags={"title": "x"})
    assert read_embedded_cover(with_cover) == (PNG_1PX, "image/png")
    assert read_embedded_cover(without) is None
    assert read_tags(without)[0].has_cover is False


def test_front_cover_is_preferred_id3(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.mp3")
    id3 = ID3(path)
    id3.add(APIC(encoding=3, mime="image/jpeg", type=0, desc="other", data=JPEG_STUB))
    id3.add(APIC(encoding=3, mime="image/png", type=3, desc="front", data=PNG_1PX))
    id3.save()
    assert read_embedded_cover(path) == (PNG_1PX, "image/png")


def _picture(kind: int, data: bytes, mime: str) -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.data = kind, mime, data
    return pic


def test_front_cover_is_preferred_flac_and_ogg(tmp_path: Path, make_audio: MakeAudio) -> None:
    flac = FLAC(make_audio(tmp_path / "a.flac"))
    flac.add_picture(_picture(4, JPEG_STUB, "image/jpeg"))  # back cover first
    flac.add_picture(_picture(3, PNG_1PX, "image/png"))
    flac.save()
    assert read_embedded_cover(tmp_path / "a.flac") == (PNG_1PX, "image/png")

    ogg = OggVorbis(make_audio(tmp_path / "a.ogg"))
    ogg["METADATA_BLOCK_PICTURE"] = [
        base64.b64encode(_picture(4, JPEG_STUB, "image/jpeg").write()).decode(),
        "not base64 at all!",  # a broken picture must not hide the good one
        base64.b64encode(_picture(3, PNG_1PX, "image/png").write()).decode(),
    ]
    ogg.save()
    assert read_embedded_cover(tmp_path / "a.ogg") == (PNG_1PX, "image/png")


def test_other_picture_when_no_front_cover_and_mime_from_bytes(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.mp3")
    id3 = ID3(path)
    id3.add(APIC(encoding=3, mime="image/png", type=8, desc="artist", data=JPEG_STUB))  # mime lies
    id3.save()
    assert read_tags(path)[0].has_cover
    assert read_embedded_cover(path) == (JPEG_STUB, "image/jpeg")


def test_legacy_ogg_coverart(tmp_path: Path, make_audio: MakeAudio) -> None:
    ogg = OggVorbis(make_audio(tmp_path / "a.ogg"))
    ogg["COVERART"] = [base64.b64encode(PNG_1PX).decode()]
    ogg["COVERARTMIME"] = ["image/png"]
    ogg.save()
    assert read_tags(tmp_path / "a.ogg")[0].has_cover
    assert read_embedded_cover(tmp_path / "a.ogg") == (PNG_1PX, "image/png")


def test_scan_does_not_parse_id3_pictures(
    tmp_path: Path, make_audio: MakeAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_audio(tmp_path / "a.mp3", tags={"title": "Big cover"}, cover=PNG_1PX + bytes(500_000))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scan parsed a picture")

    monkeypatch.setattr(mutagen.id3.APIC, "_fromData", classmethod(refuse))
    tags, _ = read_tags(path)
    assert tags.title == "Big cover" and tags.has_cover


# ID3 versions and forms


def test_id3v23_and_v24(tmp_path: Path, make_audio: MakeAudio) -> None:
    tags = {"artist": ["Ada", "Bob"], "date": "2024-05-01", "tracknumber": "3/9", "genre": "Ambient"}
    v24, _ = read_tags(make_audio(tmp_path / "v24.mp3", tags=tags, id3v=4))
    v23, _ = read_tags(make_audio(tmp_path / "v23.mp3", tags=tags, id3v=3))
    assert v24.artists == ("Ada", "Bob")  # real multi-values (NUL-separated)
    # ID3v2.3 has no multi-values: mutagen joins with a bare "/", which is kept so "AC/DC" survives.
    assert v23.artists == ("Ada/Bob",)
    for tags_read in (v23, v24):  # v2.3 keeps the date in TYER + TDAT; it comes back whole
        assert (tags_read.date, tags_read.year, tags_read.track_number, tags_read.track_total) == (
            dt.date(2024, 5, 1),
            2024,
            3,
            9,
        )
        assert tags_read.genres == ("Ambient",)


def test_id3v23_separators_that_do_split(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.mp3", tags={"artist": "Ada; Bob / Cy", "composer": "AC/DC"}, id3v=3)
    tags, _ = read_tags(path)
    assert tags.artists == ("Ada", "Bob", "Cy")
    assert tags.composers == ("AC/DC",)


def test_id3v1_only_mp3(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "old.mp3")
    mutagen.id3.delete(path)  # drop the ID3v2 tag ffmpeg wrote
    frames = {
        "TIT2": mutagen.id3.TIT2(text=["Old Song"]),
        "TPE1": mutagen.id3.TPE1(text=["Old Band"]),
        "TALB": mutagen.id3.TALB(text=["Old Album"]),
        "TDRC": mutagen.id3.TDRC(text=["1999"]),
        "TRCK": mutagen.id3.TRCK(text=["7"]),
        "TCON": mutagen.id3.TCON(text=["17"]),  # genre number 17 is Rock
        "COMM": mutagen.id3.COMM(text=["hello"]),
    }
    with path.open("ab") as f:
        f.write(MakeID3v1(frames))
    assert path.read_bytes()[:3] != b"ID3"
    tags, info = read_tags(path)
    assert (tags.title, tags.artists, tags.album) == ("Old Song", ("Old Band",), "Old Album")
    assert (tags.date, tags.year, tags.track_number, tags.genres) == (dt.date(1999, 1, 1), 1999, 7, ("Rock",))
    assert tags.comment == "hello"
    assert info.codec == "mp3" and info.duration == pytest.approx(1.0, abs=0.08)


def test_id3_involved_people_become_credits(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.mp3")
    id3 = ID3(path)
    id3.add(TIPL(encoding=3, people=[["producer", "Cy"], ["mix", "Dee"], ["mastering", "Eve"]]))
    id3.add(TMCL(encoding=3, people=[["piano", "Ada"], ["piano", "Bob"], ["lead vocals", "Cy"]]))
    id3.save()
    assert read_tags(path)[0].credits == (
        "Piano: Ada, Bob\nLead vocals: Cy\nProducer: Cy\nMixer: Dee\nMastering: Eve"
    )


def test_id3v23_ipls_becomes_credits(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.mp3")
    id3 = ID3(path)
    id3.add(IPLS(encoding=1, people=[["engineer", "Fay"]]))
    id3.save(v2_version=3)
    assert read_tags(path)[0].credits == "Engineer: Fay"


def test_musicbrainz_ids_follow_picard(tmp_path: Path, make_audio: MakeAudio) -> None:
    # Picard: the recording is UFID in ID3 but "MusicBrainz Track Id" in Vorbis comments and MP4.
    mp3 = make_audio(tmp_path / "a.mp3")
    id3 = ID3(mp3)
    id3.add(UFID(owner="http://musicbrainz.org", data=b"rec-1"))
    id3.add(TXXX(encoding=3, desc="MusicBrainz Release Track Id", text=["track-1"]))
    id3.add(TXXX(encoding=3, desc="MusicBrainz Release Group Id", text=["group-1"]))
    id3.save()
    assert read_tags(mp3)[0].musicbrainz == {
        "recording": "rec-1",
        "track": "track-1",
        "release_group": "group-1",
    }
    flac = make_audio(tmp_path / "a.flac", tags={"musicbrainz_trackid": "rec-2"})
    assert read_tags(flac)[0].musicbrainz == {"recording": "rec-2"}
    m4a = make_audio(tmp_path / "a.m4a", tags={"musicbrainz_trackid": "rec-3"})  # "MusicBrainz Track Id"
    assert read_tags(m4a)[0].musicbrainz == {"recording": "rec-3"}


# Multi-valued names


@pytest.mark.parametrize("fmt", ["mp3", "flac", "opus", "m4a"])
def test_multi_valued_artists(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    path = make_audio(
        tmp_path / f"a.{fmt}", tags={"artist": ["Ada", "Bob", "Ada"], "albumartist": ["X", "Y"]}
    )
    tags, _ = read_tags(path)
    assert tags.artists == ("Ada", "Bob")  # duplicates dropped, order kept
    assert tags.album_artists == ("X", "Y")


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_artists_tag_is_preferred(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    # Picard writes a display string in ARTIST and the individual names in ARTISTS.
    path = make_audio(tmp_path / f"a.{fmt}", tags={"artist": "Ada feat. Bob", "artists": ["Ada", "Bob"]})
    assert read_tags(path)[0].artists == ("Ada", "Bob")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Simon & Garfunkel", ("Simon & Garfunkel",)),
        ("Crosby, Stills, Nash & Young", ("Crosby, Stills, Nash & Young",)),
        ("AC/DC", ("AC/DC",)),
        ("Ada; Bob", ("Ada", "Bob")),
        ("Ada;Bob ;", ("Ada", "Bob")),
        ("Ada / Bob", ("Ada", "Bob")),
        ("  ", ()),
    ],
)
def test_split_names(value: str, names: tuple[str, ...]) -> None:
    assert split_names([value]) == names


# Numbers and dates


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a", "wav"])
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"tracknumber": "2/5", "discnumber": "1/2"}, (2, 5, 1, 2)),
        ({"tracknumber": "02", "discnumber": "3"}, (2, None, 3, None)),
        ({"tracknumber": "7"}, (7, None, None, None)),
    ],
)
def test_track_and_disc_numbers(
    tmp_path: Path, make_audio: MakeAudio, fmt: str, tags: dict[str, str], expected: tuple[int | None, ...]
) -> None:
    read, _ = read_tags(make_audio(tmp_path / f"a.{fmt}", tags=tags))
    assert (read.track_number, read.track_total, read.disc_number, read.disc_total) == expected


@pytest.mark.parametrize("total_key", ["TRACKTOTAL", "TOTALTRACKS"])
def test_vorbis_separate_totals(tmp_path: Path, make_audio: MakeAudio, total_key: str) -> None:
    path = make_audio(tmp_path / "a.flac", tags={"tracknumber": "4", total_key: "12", "DISCTOTAL": "2"})
    read, _ = read_tags(path)
    assert (read.track_number, read.track_total, read.disc_total) == (4, 12, 2)


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [
        ("2/5", None, (2, 5)),
        ("2 of 5", None, (2, 5)),
        (" 03 / 010 ", None, (3, 10)),
        ("4", "9", (4, 9)),
        ("4/6", "9", (4, 6)),
        ("0/0", None, (None, None)),
        ("A1", None, (None, None)),
        (None, None, (None, None)),
    ],
)
def test_parse_numbers(value: str | None, total: str | None, expected: tuple[int | None, int | None]) -> None:
    assert parse_numbers(value, total) == expected


@pytest.mark.parametrize("fmt", ["mp3", "flac", "opus", "m4a", "aiff"])
@pytest.mark.parametrize("id3v", [3, 4])
def test_year_only_dates(tmp_path: Path, make_audio: MakeAudio, fmt: str, id3v: int) -> None:
    read, _ = read_tags(make_audio(tmp_path / f"a.{fmt}", tags={"date": "1987"}, id3v=id3v))
    assert (read.date, read.year) == (dt.date(1987, 1, 1), 1987)


def test_year_tag_when_no_date(tmp_path: Path, make_audio: MakeAudio) -> None:
    read, _ = read_tags(make_audio(tmp_path / "a.flac", tags={"YEAR": "2001", "ORIGINALDATE": "1999-02-03"}))
    assert (read.date, read.year) == (dt.date(2001, 1, 1), 2001)
    read, _ = read_tags(
        make_audio(tmp_path / "b.flac", tags={"DATE": "unknown", "ORIGINALDATE": "1999-02-03"})
    )
    assert (read.date, read.year) == (dt.date(1999, 2, 3), 1999)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", (dt.date(2024, 1, 1), 2024)),
        ("2024-05", (dt.date(2024, 5, 1), 2024)),
        ("2024-05-01", (dt.date(2024, 5, 1), 2024)),
        ("2024-05-01T10:00", (dt.date(2024, 5, 1), 2024)),
        ("2024-05-01T07:00:00Z", (dt.date(2024, 5, 1), 2024)),
        ("2024-05-01 10:00:00", (dt.date(2024, 5, 1), 2024)),
        ("2024/5/1", (dt.date(2024, 5, 1), 2024)),
        ("20240501", (dt.date(2024, 5, 1), 2024)),
        (" 2024 ", (dt.date(2024, 1, 1), 2024)),
        ("2024-02-30", (dt.date(2024, 2, 1), 2024)),
        ("2024-13-01", (dt.date(2024, 1, 1), 2024)),
        ("0000", (None, None)),
        ("12345", (None, None)),
        ("May 2024", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_date(value: str, expected: tuple[dt.date | None, int | None]) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("us-x9p-24-00001", "USX9P2400001"), ("USX9P2400001", "USX9P2400001"), ("not an isrc", "not an isrc")],
)
def test_normalize_isrc(value: str, expected: str) -> None:
    assert normalize_isrc(value) == expected


# Audio info


def test_opus_inside_ogg_is_read_as_opus(tmp_path: Path, make_audio: MakeAudio) -> None:
    opus = make_audio(tmp_path / "a.opus", tags={"title": "In Ogg"})
    path = opus.rename(tmp_path / "a.ogg")
    tags, info = read_tags(path)
    assert tags.title == "In Ogg"
    assert (info.format, info.codec, info.mime, info.web_playable) == (
        "ogg",
        "opus",
        "audio/ogg; codecs=opus",
        True,
    )


def test_aif_and_oga_extensions(tmp_path: Path, make_audio: MakeAudio) -> None:
    assert read_tags(make_audio(tmp_path / "a.aif", tags={"title": "x"}))[1].format == "aiff"
    oga = make_audio(tmp_path / "b.ogg").rename(tmp_path / "b.oga")
    assert read_tags(oga)[1].codec == "vorbis"


def test_track_tags_pickle_and_hash(tmp_path: Path, make_audio: MakeAudio) -> None:
    # The tag index pickles them; frozen dataclasses must stay hashable despite the dict.
    tags, info = read_tags(make_audio(tmp_path / "a.flac", tags=FULL_TAGS, cover=PNG_1PX))
    again, info_again = pickle.loads(pickle.dumps((tags, info)))
    assert again == tags and again.musicbrainz == tags.musicbrainz and info_again == info
    assert hash(again) == hash(tags)


# Bad input


@pytest.fixture(scope="session")
def adts_aac(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> bytes:
    folder = tmp_path_factory.mktemp("adts")
    wav = write_tone(folder / "a.wav", 0.5)
    out = folder / "a.aac"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-i", str(wav), "-c:a", "aac", "-f", "adts", str(out)], check=True
    )
    return out.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_zero_length_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(b"")
    with pytest.raises(TagError, match="empty"):
        read_tags(path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("keep", [0.02, 0.5, 0.9])
def test_truncated_file(tmp_path: Path, make_audio: MakeAudio, fmt: str, keep: float) -> None:
    path = make_audio(tmp_path / f"cut.{fmt}", seconds=3.0, tags={"title": "Cut"}, cover=PNG_1PX)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(TagError, match=r"truncated|no audio|damaged"):
        read_tags(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_bytes(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"noise.{fmt}"
    path.write_bytes(random.Random(fmt).randbytes(20_000))
    with pytest.raises(TagError, match=r"not (MP3|FLAC|Ogg|Opus|M4A|WAV|AIFF) audio"):
        read_tags(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_aac_data_under_another_name(tmp_path: Path, adts_aac: bytes, fmt: str) -> None:
    path = tmp_path / f"aac.{fmt}"
    path.write_bytes(adts_aac)
    with pytest.raises(TagError, match=r"mislabelled file: the name says \w+ but the data is AAC \(ADTS\)"):
        read_tags(path)


@pytest.mark.parametrize(
    ("real", "name", "what"),
    [
        ("flac", "mp3", "FLAC"),
        ("mp3", "flac", "MPEG audio layer 3"),
        ("wav", "m4a", "WAV"),
        ("m4a", "ogg", "MP4"),
    ],
)
def test_mislabelled_formats(tmp_path: Path, make_audio: MakeAudio, real: str, name: str, what: str) -> None:
    path = make_audio(tmp_path / f"a.{real}").rename(tmp_path / f"a.{name}")
    with pytest.raises(TagError, match=f"mislabelled.*{what}"):
        read_tags(path)


def test_mislabelled_behind_an_id3_tag(tmp_path: Path, adts_aac: bytes, make_audio: MakeAudio) -> None:
    # Some tools put an ID3 tag in front of raw AAC and call it .mp3.
    tagged = make_audio(tmp_path / "a.mp3", tags={"title": "x"}).read_bytes()
    size = 10 + sum((b & 0x7F) << s for b, s in zip(tagged[6:10], (21, 14, 7, 0), strict=True))
    path = tmp_path / "b.mp3"
    path.write_bytes(tagged[:size] + adts_aac)
    with pytest.raises(TagError, match=r"AAC \(ADTS\)"):
        read_tags(path)


@pytest.mark.parametrize("name", ["song.wma", "song.txt", "song", "song.mp4"])
def test_unsupported_file_types(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    with pytest.raises(TagError, match="unsupported file type"):
        read_tags(path)


def test_unknown_ogg_codec(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.ogg")
    path.write_bytes(path.read_bytes().replace(b"\x01vorbis", b"\x01speexy", 1))
    with pytest.raises(TagError, match="unsupported audio: Ogg with a codec TuneCamp does not read"):
        read_tags(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(TagError, match="cannot open"):
        read_tags(tmp_path / "gone.mp3")
    (tmp_path / "folder.flac").mkdir()
    with pytest.raises(TagError, match="cannot"):
        read_tags(tmp_path / "folder.flac")


def test_mp4_without_audio(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.m4a")
    data = bytearray(path.read_bytes())
    at = data.find(b"soun")  # the handler type of the audio track
    data[at : at + 4] = b"vide"
    path.write_bytes(bytes(data))
    with pytest.raises(TagError, match="no audio"):
        read_tags(path)


def _set_id3_invalid_flags(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(b"ID3\x04")
    data[at + 5] |= 0x01  # undefined flag bits: mutagen refuses the whole tag
    path.write_bytes(bytes(data))


def _break_vorbis_comment(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(b"Lavf") - 4  # the vendor string ffmpeg writes first in every Vorbis comment block
    data[at : at + 4] = struct.pack("<I", 0x7FFFFF00)  # its length: far past the block
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("fmt", "damage"),
    [
        ("mp3", _set_id3_invalid_flags),
        ("wav", _set_id3_invalid_flags),
        ("aiff", _set_id3_invalid_flags),
        ("flac", _break_vorbis_comment),
        ("ogg", _break_vorbis_comment),
        ("opus", _break_vorbis_comment),
    ],
)
def test_unreadable_tags_keep_the_audio(tmp_path: Path, make_audio: MakeAudio, fmt: str, damage: Any) -> None:
    path = make_audio(tmp_path / f"a.{fmt}", tags={"title": "Lost"})
    damage(path)
    tags, info = read_tags(path)
    assert tags == TrackTags()
    assert info.duration == pytest.approx(1.0, abs=0.08) and info.codec == EXPECTED_INFO[fmt][1]


def test_odd_mp4_tag_values_are_ignored(tmp_path: Path, make_audio: MakeAudio) -> None:
    path = make_audio(tmp_path / "a.m4a", tags={"title": "ok"})
    mp4 = MP4(path)
    mp4["trkn"] = [(3, 0)]
    mp4["----:com.apple.iTunes:ARTISTS"] = [b"\xff\xfe broken utf-8"]
    mp4.save()
    tags, _ = read_tags(path)
    assert (tags.title, tags.track_number, tags.track_total) == ("ok", 3, None)
    assert tags.artists == ("\ufffd\ufffd broken utf-8",)


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_bytes_only_ever_raise_tag_error(tmp_path: Path, make_audio: MakeAudio, fmt: str) -> None:
    """Seeded damage to headers and tags: every outcome is a result or a TagError, nothing else."""
    original = make_audio(tmp_path / f"orig.{fmt}", tags=FULL_TAGS, cover=PNG_1PX).read_bytes()
    rng = random.Random(f"hostile-{fmt}")
    path = tmp_path / f"hostile.{fmt}"
    outcomes = {"read": 0, "refused": 0}
    for _ in range(120):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(min(len(data), 4096))
            data[at : at + rng.randint(1, 8)] = rng.randbytes(rng.randint(1, 8))
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        path.write_bytes(bytes(data))
        for reader in (read_tags, read_embedded_cover):
            try:
                reader(path)
                outcomes["read"] += 1
            except TagError as exc:
                assert str(exc)
                outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]  # the damage exercised both paths
