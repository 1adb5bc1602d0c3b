"""Regenerate the example catalog's audio and pictures (content/), all made here and released CC0.

Run: .venv/bin/python scripts/make_example_content.py  (needs ffmpeg). The YAML and Markdown
files in content/ are written by hand and left alone.
"""

from __future__ import annotations

import math
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

from mutagen import File as MutagenFile
from PIL import Image, ImageDraw, ImageFilter

from tunecamp.generator.media.ffmpeg import ffmpeg_path

CONTENT = Path(__file__).resolve().parent.parent / "content"
RATE = 22050
NOTE = {
    n: 440 * 2 ** ((i - 9) / 12)
    for i, n in enumerate(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])
}


def freq(name: str) -> float:
    return NOTE[name[:-1]] * 2 ** (int(name[-1]) - 4)


def melody(notes: list[str], beat: float, pad: list[str]) -> list[float]:
    """Plucked notes over a soft pad chord: enough to hear that the player works."""
    samples: list[float] = []
    pad_f = [freq(n) for n in pad]
    for note in notes:
        f = freq(note) if note != "-" else 0.0
        for i in range(int(beat * RATE)):
            t = i / RATE
            n = len(samples) / RATE
            pluck = math.sin(2 * math.pi * f * t) * math.exp(-4 * t) if f else 0.0
            chord = sum(math.sin(2 * math.pi * p * n) for p in pad_f) / len(pad_f)
            samples.append(0.55 * pluck + 0.18 * chord)
    fade = int(0.4 * RATE)
    for i in range(fade):
        samples[-1 - i] *= i / fade
    return samples


def write_wav(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, s)) * 32000)) for s in samples))


CODECS = {
    ".flac": ["-c:a", "flac", "-sample_fmt", "s16"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "2"],
    ".opus": ["-c:a", "libopus", "-b:a", "40k"],
    ".m4a": ["-c:a", "aac", "-b:a", "64k"],
    ".wav": ["-c:a", "pcm_s16le"],
}


def encode(samples: list[float], target: Path, tags: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.wav"
        write_wav(src, samples)
        extra = ["-ar", "11025"] if target.suffix == ".wav" else []
        subprocess.run(
            [
                ffmpeg_path(),
                "-v",
                "error",
                "-y",
                "-i",
                str(src),
                *CODECS[target.suffix],
                *extra,
                "-map_metadata",
                "-1",
                str(target),
            ],
            check=True,
        )
    if target.suffix != ".wav":
        f = MutagenFile(target, easy=True)
        if f.tags is None:
            f.add_tags()
        for key, value in tags.items():
            f[key] = value
        f.save()


def picture(path: Path, colours: tuple[str, str], seed: int) -> None:
    size = 600
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (size, size), colours[0])
    draw = ImageDraw.Draw(img)
    for i in range(7):
        r = 60 + ((seed * 37 + i * 53) % 200)
        x, y = (seed * 91 + i * 137) % size, (seed * 53 + i * 71) % size
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=colours[1] if i % 2 else colours[0], outline=colours[1]
        )
    img.filter(ImageFilter.GaussianBlur(3)).save(path, quality=70, optimize=True)


TRACKS = [
    (
        "releases/morning-tides/01 - First Light.flac",
        ["C5", "E5", "G5", "E5", "D5", "G4", "C5", "-"],
        0.45,
        ["C3", "G3"],
        {
            "title": "First Light",
            "artist": "Aurora Lane",
            "album": "Morning Tides",
            "tracknumber": "1/3",
            "date": "2025-03-21",
            "genre": "Ambient",
        },
    ),
    (
        "releases/morning-tides/02 - Harbour Bells.flac",
        ["A4", "C5", "E5", "A5", "G5", "E5", "C5", "A4"],
        0.5,
        ["A2", "E3"],
        {
            "title": "Harbour Bells",
            "artist": "Aurora Lane",
            "album": "Morning Tides",
            "tracknumber": "2/3",
            "date": "2025-03-21",
            "genre": "Ambient",
        },
    ),
    (
        "releases/morning-tides/03 - Low Tide.flac",
        ["F4", "A4", "C5", "F5", "E5", "C5", "A4", "-"],
        0.55,
        ["F2", "C3"],
        {
            "title": "Low Tide",
            "artist": "Aurora Lane",
            "album": "Morning Tides",
            "tracknumber": "3/3",
            "date": "2025-03-21",
            "genre": "Ambient",
        },
    ),
    (
        "releases/steam-and-static/01 - Kettle Song.mp3",
        ["D5", "D5", "A4", "F#4", "G4", "A4", "D5", "-"],
        0.3,
        ["D3", "A3"],
        {
            "title": "Kettle Song",
            "artist": "The Kettle Hums",
            "album": "Steam & Static",
            "tracknumber": "1",
            "date": "2024-11-02",
            "genre": "Indie Pop",
        },
    ),
    (
        "releases/steam-and-static/02 - Radio Static.ogg",
        ["E5", "B4", "G4", "B4", "E5", "F#5", "G5", "-"],
        0.3,
        ["E3", "B3"],
        {
            "title": "Radio Static",
            "artist": "The Kettle Hums",
            "album": "Steam & Static",
            "tracknumber": "2",
            "date": "2024-11-02",
            "genre": "Indie Pop",
        },
    ),
    (
        "releases/steam-and-static/03 - Whistle Stop.opus",
        ["G4", "B4", "D5", "G5", "D5", "B4", "G4", "-"],
        0.3,
        ["G2", "D3"],
        {
            "title": "Whistle Stop",
            "artist": "The Kettle Hums",
            "album": "Steam & Static",
            "tracknumber": "3",
            "date": "2024-11-02",
            "genre": "Indie Pop",
        },
    ),
    (
        "releases/night-drafts/01 - Unfinished.m4a",
        ["A4", "-", "C5", "-", "B4", "-", "G4", "-"],
        0.4,
        ["A2", "E3"],
        {
            "title": "Unfinished",
            "artist": "Aurora Lane",
            "album": "Night Drafts",
            "tracknumber": "1",
            "date": "2026",
            "genre": "Ambient",
        },
    ),
    ("releases/b-sides-for-friends/01 - Kitchen Demo.wav", ["C5", "G4", "E4", "G4"], 0.35, ["C3"], {}),
]


def main() -> None:
    for rel, notes, beat, pad, tags in TRACKS:
        target = CONTENT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        encode(melody(notes, beat, pad), target, tags)
        print(f"wrote {target.relative_to(CONTENT)} ({target.stat().st_size // 1024} KB)")
    picture(CONTENT / "releases/morning-tides/cover.jpg", ("#1d3557", "#f1a208"), 3)
    picture(CONTENT / "releases/b-sides-for-friends/cover.jpg", ("#2a9d8f", "#e9c46a"), 7)
    picture(CONTENT / "artists/aurora-lane/artist.jpg", ("#3d405b", "#f2cc8f"), 11)
    print("pictures written")


if __name__ == "__main__":
    main()
