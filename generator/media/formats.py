"""Encoder presets: what each streaming and download format is, and how ffmpeg makes it.

A format's `args` are part of its cache key, so changing a preset here re-encodes exactly
the files it affects. Names match the `streaming` and `download_formats` settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunecamp.generator.catalog.settings import DOWNLOAD_FORMATS, STREAMING_PRESETS

# Bump to re-encode everything (a fix in how the args below are used, not in the args).
ENCODER_VERSION = 1


@dataclass(frozen=True)
class Format:
    name: str  # the settings name: "opus-96", "flac", "mp3-v0"...
    label: str  # for people: "MP3 V0"
    ext: str
    mime: str
    codec: str  # flac, alac, pcm, mp3, aac, vorbis, opus
    muxer: str  # ffmpeg -f
    args: tuple[str, ...]  # ffmpeg codec arguments
    bitrate: int | None = None  # nominal, bits per second (lossy formats)
    lossless: bool = False
    # a source already in this codec up to this bitrate streams as it is (re-encoding only loses)
    passthrough_max: int | None = None

    def encode_args(self, bits_per_sample: int | None) -> tuple[str, ...]:
        """The codec arguments for a source of this bit depth (PCM keeps 24-bit masters 24-bit)."""
        if self.codec == "pcm" and bits_per_sample and bits_per_sample > 16:
            return tuple(a.replace("s16", "s24") for a in self.args)
        return self.args


OPUS_MIME = "audio/ogg; codecs=opus"
MP3_MIME = "audio/mpeg"
M4A_MIME = "audio/mp4"
_FASTSTART = ("-movflags", "+faststart")


def _opus(kbps: int, name: str | None = None, passthrough: int | None = None) -> Format:
    # libopus refuses most surround layouts: Opus files are mono or stereo
    args = ("-af", "aformat=channel_layouts=mono|stereo", "-c:a", "libopus", "-b:a", f"{kbps}k", "-vbr", "on")
    return Format(
        name=name or f"opus-{kbps}",
        label=f"Opus {kbps}k",
        ext="opus",
        mime=OPUS_MIME,
        codec="opus",
        muxer="opus",
        args=args,
        bitrate=kbps * 1000,
        passthrough_max=passthrough,
    )


def _mp3_vbr(quality: int, kbps: int, passthrough: int | None) -> Format:
    return Format(
        name=f"mp3-v{quality}",
        label=f"MP3 V{quality}",
        ext="mp3",
        mime=MP3_MIME,
        codec="mp3",
        muxer="mp3",
        args=("-c:a", "libmp3lame", "-q:a", str(quality)),
        bitrate=kbps * 1000,
        passthrough_max=passthrough,
    )


STREAM_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        _opus(96, passthrough=112_000),
        _opus(48, passthrough=64_000),
        _opus(160, passthrough=192_000),
        _mp3_vbr(5, 130, passthrough=160_000),
        _mp3_vbr(7, 100, passthrough=128_000),
        _mp3_vbr(0, 245, passthrough=320_000),
    )
}

PRESETS: dict[str, tuple[str, ...]] = {
    "standard": ("opus-96", "mp3-v5"),
    "frugal": ("opus-48", "mp3-v7"),
    "high": ("opus-160", "mp3-v0"),
}

DOWNLOADS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("flac", "FLAC", "flac", "audio/flac", "flac", "flac", ("-c:a", "flac"), lossless=True),
        Format("alac", "ALAC", "m4a", M4A_MIME, "alac", "ipod", ("-c:a", "alac", *_FASTSTART), lossless=True),
        Format("wav", "WAV", "wav", "audio/wav", "pcm", "wav", ("-c:a", "pcm_s16le"), lossless=True),
        Format("aiff", "AIFF", "aiff", "audio/aiff", "pcm", "aiff", ("-c:a", "pcm_s16be"), lossless=True),
        _mp3_vbr(0, 245, None),
        Format(
            name="mp3-320",
            label="MP3 320",
            ext="mp3",
            mime=MP3_MIME,
            codec="mp3",
            muxer="mp3",
            args=("-c:a", "libmp3lame", "-b:a", "320k"),
            bitrate=320_000,
        ),
        Format(
            name="aac",
            label="AAC 256k",
            ext="m4a",
            mime=M4A_MIME,
            codec="aac",
            muxer="ipod",
            args=("-c:a", "aac", "-b:a", "256k", *_FASTSTART),
            bitrate=256_000,
        ),
        Format(
            name="vorbis",
            label="Ogg Vorbis",
            ext="ogg",
            mime="audio/ogg",
            codec="vorbis",
            muxer="ogg",
            args=("-c:a", "libvorbis", "-q:a", "6"),
            bitrate=192_000,
        ),
        _opus(128),
    )
}
assert DOWNLOADS.keys() == set(DOWNLOAD_FORMATS) and PRESETS.keys() == set(STREAMING_PRESETS)

# Which codecs a file may hold for its extension: anything else is mislabelled.
CODECS_BY_EXT: dict[str, frozenset[str]] = {
    ".mp3": frozenset({"mp3"}),
    ".flac": frozenset({"flac"}),
    ".ogg": frozenset({"vorbis", "opus", "flac"}),
    ".oga": frozenset({"vorbis", "opus", "flac"}),
    ".opus": frozenset({"opus"}),
    ".m4a": frozenset({"aac", "alac"}),
    ".wav": frozenset({"pcm"}),
    ".aif": frozenset({"pcm"}),
    ".aiff": frozenset({"pcm"}),
}
EXT_FOR_CODEC = {
    "mp3": ".mp3",
    "flac": ".flac",
    "vorbis": ".ogg",
    "opus": ".opus",
    "aac": ".m4a",
    "alac": ".m4a",
    "pcm": ".wav",
}


def codec_family(ffmpeg_codec: str) -> str:
    """ffmpeg's codec name to ours: pcm_s24le -> pcm, mp3float -> mp3."""
    name = ffmpeg_codec.lower()
    if name.startswith("pcm_"):
        return "pcm"
    if name.startswith("mp3"):
        return "mp3"
    return name


def stream_formats(preset: str) -> tuple[Format, ...]:
    return tuple(STREAM_FORMATS[name] for name in PRESETS[preset])


def download_format(name: str) -> Format:
    return DOWNLOADS[name]


def can_pass_through(fmt: Format, source_ext: str, codec: str, bitrate: int | None) -> bool:
    """Whether an original file can be streamed as it is instead of being re-encoded."""
    if fmt.passthrough_max is None or bitrate is None or codec != fmt.codec:
        return False
    if source_ext.lower() not in (f".{fmt.ext}", ".ogg" if fmt.codec == "opus" else f".{fmt.ext}"):
        return False
    return bitrate <= fmt.passthrough_max
