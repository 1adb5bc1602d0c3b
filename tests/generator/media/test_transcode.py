from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mediacatalog import bad_inputs, decoded_seconds

from tunecamp.generator.media.analysis import PEAK_BUCKETS, Analysis, PeakMeter
from tunecamp.generator.media.ffmpeg import FFmpegRunner
from tunecamp.generator.media.ffmpeglog import parse_probe
from tunecamp.generator.media.formats import DOWNLOADS, STREAM_FORMATS, Format
from tunecamp.generator.media.transcode import Decode, Encode, MediaError, transcode

INPUTS = ["wav", "aiff", "flac", "mp3", "ogg", "opus", "m4a", "alac.m4a"]
FOUR_HOURS = 4 * 3600.0


def run(
    tmp_path: Path,
    ffmpeg: str,
    source: Path,
    formats: list[Format],
    analyse: bool = True,
    max_duration: float = FOUR_HOURS,
) -> tuple[Analysis | None, list[Path]]:
    encodes = tuple(Encode(f, tmp_path / f"out-{f.name}.{f.ext}") for f in formats)
    decode = Decode(source, encodes, analyse, tmp_path / "ffmpeg.log", max_duration)
    return transcode(decode, FFmpegRunner(ffmpeg)), [e.path for e in encodes]


@pytest.mark.parametrize("ext", INPUTS)
def test_one_decode_feeds_every_encode_and_the_analysis(
    tmp_path: Path, make_audio, ffmpeg: str, ext: str
) -> None:
    source = make_audio(tmp_path / f"in.{ext}", seconds=1.0)
    formats = [STREAM_FORMATS["opus-96"], STREAM_FORMATS["mp3-v5"], DOWNLOADS["flac"], DOWNLOADS["alac"]]
    analysis, outputs = run(tmp_path, ffmpeg, source, formats)
    assert analysis is not None
    assert analysis.duration == pytest.approx(1.0, abs=0.05)
    assert analysis.channels == 1 and analysis.sample_rate in (44100, 48000)
    assert analysis.codec == {
        "wav": "pcm",
        "aiff": "pcm",
        "ogg": "vorbis",
        "m4a": "aac",
        "alac.m4a": "alac",
    }.get(ext, ext)
    assert len(analysis.peaks) == PEAK_BUCKETS and analysis.loudness is not None
    for out in outputs:
        assert decoded_seconds(ffmpeg, out) == pytest.approx(1.0, abs=0.05), out.name


def test_peaks_follow_a_tone_then_silence(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    source = make_audio(tmp_path / "tone.wav", seconds=1.0, silence_after=1.0)
    analysis, _ = run(tmp_path, ffmpeg, source, [])
    assert analysis is not None and analysis.duration == pytest.approx(2.0, abs=0.01)
    peaks = analysis.peaks
    tone, silence = peaks[: PEAK_BUCKETS // 2 - 5], peaks[PEAK_BUCKETS // 2 + 5 :]
    # amplitude 0.5 of full scale is 128 of 255
    assert all(120 <= p <= 135 for p in tone), (min(tone), max(tone))
    assert set(silence) == {0}


def test_loudness_of_a_known_tone(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    # BS.1770: a full-scale 997 Hz sine on one channel reads -3.01 LUFS; amplitude 0.5 is 6.02 dB lower
    source = make_audio(tmp_path / "tone.flac", seconds=2.0, freq=997.0)
    analysis, _ = run(tmp_path, ffmpeg, source, [])
    assert analysis is not None and analysis.loudness is not None
    assert analysis.loudness.integrated_lufs == pytest.approx(-3.01 - 6.02, abs=0.5)
    assert analysis.loudness.true_peak_dbtp == pytest.approx(-6.02, abs=0.5)


def test_silence_has_no_loudness(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    source = make_audio(tmp_path / "quiet.wav", seconds=0.0, silence_after=1.0)
    analysis, _ = run(tmp_path, ffmpeg, source, [])
    assert analysis is not None and analysis.loudness is None and set(analysis.peaks) == {0}


def test_24_bit_masters_stay_24_bit_in_pcm_downloads(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    wav = make_audio(tmp_path / "in.wav")
    source = tmp_path / "in24.flac"
    subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(wav), "-c:a", "flac", "-sample_fmt", "s32", str(source)], check=True
    )
    assert parse_probe(_log_of(ffmpeg, source)).bits_per_sample == 24  # type: ignore[union-attr]
    encode = Encode(DOWNLOADS["wav"], tmp_path / "out.wav", bits_per_sample=24)
    transcode(Decode(source, (encode,), False, tmp_path / "log", FOUR_HOURS), FFmpegRunner(ffmpeg))
    assert "pcm_s24le" in _log_of(ffmpeg, encode.path)


def _log_of(ffmpeg: str, path: Path) -> str:
    return subprocess.run([ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def test_the_peak_meter_counts_every_sample() -> None:
    meter = PeakMeter()
    for chunk in (b"\x00\x40" * 33, b"\x00\xc0" * 7, b"\x01"):  # odd sizes, a stray byte
        meter.feed(chunk)
    meter.finish()
    assert meter.samples == 40
    assert meter.peaks(4) == (128, 128, 128, 128)


# -- bad input ---------------------------------------------------------------------------------


def test_every_bad_input_gets_a_one_line_reason(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    for name, (path, expected) in bad_inputs(tmp_path, make_audio).items():
        with pytest.raises(MediaError) as caught:
            run(tmp_path, ffmpeg, path, [STREAM_FORMATS["opus-96"]])
        message = str(caught.value)
        assert expected in message, (name, message)
        assert "\n" not in message and str(tmp_path) not in message, (name, message)


def test_a_source_longer_than_the_limit_is_refused(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    source = make_audio(tmp_path / "two.wav", seconds=2.0)
    with pytest.raises(MediaError, match="limit"):
        run(tmp_path, ffmpeg, source, [], max_duration=1.0)


def test_a_killed_ffmpeg_is_an_error_not_a_result(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    killer = tmp_path / "ffmpeg-killed"
    killer.write_text("#!/bin/sh\nkill -9 $$\n")
    killer.chmod(0o755)
    source = make_audio(tmp_path / "in.wav")
    with pytest.raises(MediaError, match="killed"):
        run(tmp_path, str(killer), source, [STREAM_FORMATS["opus-96"]])


def test_analysis_round_trips_through_json(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    analysis, _ = run(tmp_path, ffmpeg, make_audio(tmp_path / "in.flac"), [])
    assert analysis is not None
    assert Analysis.from_json(analysis.to_json()) == analysis
    assert Analysis.from_json({**analysis.to_json(), "version": 0}) is None
    assert Analysis.from_json({"version": 1}) is None


@pytest.mark.slow
def test_a_surround_master_encodes_to_every_format_in_one_run(tmp_path: Path, ffmpeg: str) -> None:
    source = tmp_path / "surround.flac"
    layout = "pan=5.1(side)|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-af", layout, str(source)], check=True
    )
    formats = [*STREAM_FORMATS.values(), *DOWNLOADS.values()]
    analysis, outputs = run(tmp_path, ffmpeg, source, formats)
    assert analysis is not None and analysis.channels == 6
    for out in outputs:
        assert decoded_seconds(ffmpeg, out) == pytest.approx(0.5, abs=0.05), out.name
