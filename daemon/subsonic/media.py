"""stream: the original with HTTP Range, or a transcode made on the fly.

`stream` serves the original file (206 for a Range, Accept-Ranges, Content-Length) when
the client takes it as it is; for a `format` or a `maxBitRate` below the original it
serves the site's own stream file when one matches (built by the audio pipeline, so it
too seeks with Range), else pipes ffmpeg, starting at `timeOffset` seconds (the
`transcodeOffset` extension). A client that goes away kills its ffmpeg at once.

Transcodes are capped overall and per user (slots.py). Over the cap, the site's own
stream file is sent when one is in the asked format (at whatever bitrate it was built), else
HTTP 503 with Retry-After and a Subsonic error body. Not the usual Subsonic HTTP 200: `stream`
is fetched by the player itself, and ExoPlayer/Media3 (Symfonium, Tempo, Ultrasonic...) never
retry a 200 whose body is not audio (a parse error) but retry any other HTTP error (three
times, 0, 1 and 2 s apart, in DefaultLoadErrorHandlingPolicy).

Download policies hold here too: a release sold or unlocked with codes streams only in
its public stream quality (never as the lossless original), except to Curators and
above (`download` holds the same rule: download.py). Only `scrobble` counts a
play; a stream only shows up in getNowPlaying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.subsonic.call import Call, Subsonic
from tunecamp.daemon.subsonic.download import owned_albums
from tunecamp.daemon.subsonic.library import Track, View
from tunecamp.daemon.subsonic.lookup import find_track
from tunecamp.daemon.subsonic.now_playing import mark_now_playing
from tunecamp.daemon.subsonic.render import GENERIC, SubsonicError, error_response
from tunecamp.daemon.subsonic.sources import file_response, source_path
from tunecamp.generator.media.formats import can_pass_through, stream_formats
from tunecamp.generator.media.plan import PROTECTED_POLICIES, PUBLIC_POLICIES

log = logging.getLogger("tunecamp.subsonic")
CHUNK = 64 * 1024
DEFAULT_KBPS = 192
PROTECTED_KBPS = 128  # the most a sold or code-locked release streams at
BUSY_RETRY_AFTER = 3
LOSSLESS_CODECS = frozenset({"flac", "alac", "pcm", "wav", "aiff", "wavpack", "ape"})


@dataclass(frozen=True)
class Target:
    """A transcode: ffmpeg codec arguments and the container it is piped in."""

    suffix: str
    mime: str
    codec_args: tuple[str, ...]
    muxer: str
    lossless: bool = False


@dataclass(frozen=True)
class Transcode:
    """One on-the-fly transcode: into what, at what bitrate, from where in the song."""

    target: Target
    kbps: int
    offset: float  # seconds into the song (timeOffset)
    estimate: bool  # send a Content-Length estimated from the bitrate (estimateContentLength)


def target_for(name: str, kbps: int) -> Target:
    rate = f"{kbps}k"
    if name == "opus":
        return Target("opus", "audio/ogg", ("-c:a", "libopus", "-b:a", rate), "ogg")
    if name in ("ogg", "oga", "vorbis"):
        return Target("ogg", "audio/ogg", ("-c:a", "libvorbis", "-b:a", rate), "ogg")
    if name in ("aac", "m4a", "mp4"):
        return Target("aac", "audio/aac", ("-c:a", "aac", "-b:a", rate), "adts")
    if name == "flac":
        return Target("flac", "audio/flac", ("-c:a", "flac"), "flac", lossless=True)
    return Target("mp3", "audio/mpeg", ("-c:a", "libmp3lame", "-b:a", rate), "mp3")


def transcode_kbps(track: Track, max_kbps: int, allowed: bool) -> int:
    """The bitrate of a transcode: what was asked (or the default), never above a lossy source's own.

    Re-encoding a 128 kb/s MP3 at 192 kb/s only makes the file bigger: the lost detail does not
    come back. A lossless source has no such ceiling.
    """
    kbps = max_kbps or DEFAULT_KBPS
    if not allowed:
        kbps = min(kbps, PROTECTED_KBPS)
    if track.bitrate and track.codec not in LOSSLESS_CODECS:
        kbps = min(kbps, max(32, round(track.bitrate / 1000)))
    return max(32, min(kbps, 320))


def original_allowed(track: Track, staff: bool) -> bool:
    """Whether the source file itself may be streamed to this caller."""
    if staff or track.download in PUBLIC_POLICIES:
        return True
    # a lossy original no better than the public stream is what the site streams anyway
    return any(
        can_pass_through(f, f".{track.suffix}", track.codec, track.bitrate)
        for f in stream_formats(track.streaming)
    )


def built_stream(
    call: Call, view: View, track: Track, wanted: str | None, max_kbps: int
) -> tuple[Path, str] | None:
    """The audio pipeline's stream file that fits the request, if it was built."""
    album = view.albums[track.album_id]
    for fmt in stream_formats(track.streaming):
        if wanted and wanted not in (fmt.ext, fmt.codec) and not (wanted == "ogg" and fmt.ext == "opus"):
            continue
        if max_kbps and fmt.bitrate and fmt.bitrate > max_kbps * 1000:
            continue
        path = call.config.public_dir / "audio" / album.slug / f"{track.slug}.{fmt.ext}"
        if path.is_file():
            return path, fmt.mime
    return None


async def stream(call: Call) -> web.StreamResponse:
    view = await call.view()
    track = find_track(view, call)
    max_kbps = call.integer("maxBitRate", 0, low=0, high=10_000) or 0
    wanted = (call.text("format") or "").strip().lower() or None
    offset = call.number("timeOffset", 0.0)
    offset = 0.0 if offset < 0 else min(offset, max(0.0, track.duration))
    staff = call.caller is not None and call.caller.sees_drafts
    path = source_path(call, track)
    mark_now_playing(call, track)
    # an account that unlocked or bought the release streams its originals, as staff do
    owned = (
        not staff
        and track.download in PROTECTED_POLICIES
        and track.album_id in await owned_albums(call, view)
    )
    allowed = original_allowed(track, staff or owned)
    fits = not max_kbps or (track.bitrate is not None and track.bitrate <= max_kbps * 1000)
    as_is = wanted in (None, "raw", track.suffix) or (wanted == "mp3" and track.codec == "mp3")
    if allowed and fits and as_is and offset == 0:
        return file_response(path, track.mime)
    if offset == 0:
        built = built_stream(call, view, track, None if wanted in (None, "raw") else wanted, max_kbps)
        if built is not None:
            return file_response(built[0], built[1])
    kbps = transcode_kbps(track, max_kbps, allowed)
    target = target_for(wanted or "mp3", kbps)
    if target.lossless and not allowed:
        target = target_for("mp3", kbps)
    plan = Transcode(target, kbps, offset, call.flag("estimateContentLength"))
    return await send_transcode(call, (view, track, path), plan, None if wanted in (None, "raw") else wanted)


async def send_transcode(
    call: Call, source: tuple[View, Track, Path], plan: Transcode, fmt: str | None
) -> web.StreamResponse:
    """A transcode in a slot; over the cap, the built stream in `fmt` (any bitrate), else busy."""
    view, track, path = source
    if call.request.method == "HEAD":
        return await transcode(call, path, track, plan)
    slots, user_id = call.state.slots, call.user.id
    if not slots.take(user_id):
        if plan.offset == 0 and (fallback := built_stream(call, view, track, fmt, 0)) is not None:
            return file_response(*fallback)
        if not await slots.take_soon(user_id):
            return busy(call)
    try:
        return await transcode(call, path, track, plan)
    finally:
        slots.give_back(user_id)


def busy(call: Call) -> web.Response:
    """Every transcode slot is taken: an error the player retries (see the module's docstring)."""
    seconds = str(BUSY_RETRY_AFTER)
    error = SubsonicError(
        GENERIC, f"the server is busy transcoding; try again in {seconds} s", {"Retry-After": seconds}
    )
    response = error_response(error, call.fmt)
    response.set_status(503)
    return response


async def transcode(call: Call, path: Path, track: Track, plan: Transcode) -> web.StreamResponse:
    from tunecamp.generator.media.ffmpeg import ffmpeg_path

    target, offset = plan.target, plan.offset
    if call.request.method == "HEAD":  # what the answer would be, without making it
        return web.Response(headers={"Content-Type": target.mime, "Accept-Ranges": "none"})
    args = [ffmpeg_path(), "-v", "error", "-nostdin"]
    if offset > 0:
        args += ["-ss", f"{offset:.3f}"]
    args += [
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-vn",
        "-map_metadata",
        "-1",
        *target.codec_args,
        "-f",
        target.muxer,
    ]
    args.append("pipe:1")
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    state = call.state
    state.transcodes.add(process)
    response = web.StreamResponse(
        headers={"Content-Type": target.mime, "Accept-Ranges": "none", "Cache-Control": "no-store"}
    )
    length = None
    if plan.estimate and not target.lossless:
        length = max(0, int((track.duration - offset) * plan.kbps * 1000 / 8))
        response.content_length = length
    request = call.request
    try:
        await response.prepare(request)
        assert process.stdout is not None
        sent = 0
        while True:
            chunk = await process.stdout.read(CHUNK)
            if not chunk:
                break
            if request.transport is None or request.transport.is_closing():
                # the client went away: stop now, not at the end of the song
                raise ConnectionResetError("the client closed the stream")
            if length is not None:
                chunk = chunk[: max(0, length - sent)]
            if chunk:
                await response.write(chunk)
                sent += len(chunk)
            if length is not None and sent >= length:
                break
        if length is not None and sent < length:  # the estimate was generous: pad with silence-ish zeros
            await response.write(b"\0" * (length - sent))
        await response.write_eof()
    except (ConnectionError, asyncio.CancelledError):
        log.debug("stream of tr-%s ended by the client", track.id)
        raise
    finally:
        await _stop(process)
        state.transcodes.discard(process)
    return response


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(process.wait(), 5)


async def stop_transcodes(state: Subsonic) -> None:
    for process in list(state.transcodes):
        await _stop(process)
    state.transcodes.clear()


ENDPOINTS: dict[str, Any] = {"stream": stream}  # download: download.py
