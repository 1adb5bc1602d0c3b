"""The `transcoding` extension: getTranscodeDecision from the app's declared capabilities, then
getTranscodeStream with the sealed decision (transcode_params.py).

Direct play when a direct-play profile takes the file as it is (container, codec, channels, the
bitrate limits) and the caller may have the original (the download policy, as in `stream`).
Otherwise the first transcoding profile over HTTP whose codec ffmpeg makes here: the site's own
stream file when one is in that codec and within the bitrate (it seeks with Range, costs no
CPU), else ffmpeg, at a bitrate never above a lossy source's (media.transcode_kbps). HLS
profiles are skipped: songs are served over plain HTTP.

Bitrates: StreamDetails' `audioBitrate` is in kb/s; the app's limits (`maxAudioBitrate`,
`maxTranscodingAudioBitrate`, audioBitrate limitations) are read as kb/s, or as b/s when above
10,000 (no audio is 10 Mb/s), since apps send both.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import SECRET
from tunecamp.daemon.bodies import MalformedBody, read_json
from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.download import owned_albums
from tunecamp.daemon.subsonic.ids import parse
from tunecamp.daemon.subsonic.library import Track, View
from tunecamp.daemon.subsonic.media import (
    Transcode,
    built_stream,
    original_allowed,
    send_transcode,
    target_for,
    transcode_kbps,
)
from tunecamp.daemon.subsonic.now_playing import mark_now_playing
from tunecamp.daemon.subsonic.render import GENERIC, NOT_FOUND, SubsonicError
from tunecamp.daemon.subsonic.sources import file_response, source_path
from tunecamp.daemon.subsonic.transcode_params import LIFETIME, BadParams, Decision, open_params, seal

MAKES = {"mp3": "mp3", "opus": "opus", "vorbis": "ogg", "ogg": "ogg", "aac": "aac", "flac": "flac"}
BUILT_CODECS = frozenset({"mp3", "opus", "vorbis", "aac"})  # matched by codec: vorbis is not opus
CONTAINERS = {"mp3": "mp3", "opus": "ogg", "ogg": "ogg", "aac": "aac", "flac": "flac"}


def kbps(value: Any) -> int | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return round(value / 1000) if value > 10_000 else round(value)


def _names(profile: dict[str, Any], key: str) -> set[str]:
    values = profile.get(key) or []
    if not isinstance(values, list):
        raise SubsonicError(GENERIC, f"ClientInfo: {key} must be a list")
    return {str(v).lower() for v in values}


def _limits_ok(client: dict[str, Any], track: Track) -> bool:
    """The codec profiles' required limitations, for the source's codec."""
    source = {
        "audiobitrate": round(track.bitrate / 1000) if track.bitrate else None,
        "audiochannels": track.channels,
        "audiosamplerate": track.sample_rate,
        "audiobitdepth": track.bits_per_sample,
    }
    for profile in client.get("codecProfiles") or []:
        if not isinstance(profile, dict) or str(profile.get("name", "")).lower() != track.codec:
            continue
        for limit in profile.get("limitations") or []:
            if not isinstance(limit, dict) or not limit.get("required"):
                continue
            have = source.get(str(limit.get("name", "")).lower())
            values = [str(v) for v in limit.get("values") or []]
            if have is None or not values:
                continue
            number = _number(values[0])
            first = kbps(number) if limit.get("name") == "audioBitrate" and number is not None else number
            comparison = limit.get("comparison")
            if comparison == "Equals" and str(have) not in values:
                return False
            if comparison == "NotEquals" and str(have) in values:
                return False
            if comparison == "LessThanEqual" and first is not None and have > first:
                return False
            if comparison == "GreaterThanEqual" and first is not None and have < first:
                return False
    return True


def _number(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return round(value) if value == value and abs(value) < 1e15 else None  # not NaN, not infinite


def direct_play(client: dict[str, Any], track: Track) -> bool:
    ceiling = kbps(client.get("maxAudioBitrate"))
    if ceiling and track.bitrate and track.bitrate > ceiling * 1000:
        return False
    container = "ogg" if track.suffix in ("ogg", "oga", "opus") else track.suffix
    for profile in client.get("directPlayProfiles") or []:
        if not isinstance(profile, dict):
            raise SubsonicError(GENERIC, "ClientInfo: directPlayProfiles must hold objects")
        containers, codecs = _names(profile, "containers"), _names(profile, "audioCodecs")
        protocols = _names(profile, "protocols")
        channels = profile.get("maxAudioChannels")
        if containers and container not in containers and track.suffix not in containers:
            continue
        if (codecs and track.codec not in codecs) or (protocols and "http" not in protocols):
            continue
        if isinstance(channels, int) and track.channels and track.channels > channels:
            continue
        if _limits_ok(client, track):
            return True
    return False


def _details(container: str, codec: str, rate: int | None, track: Track) -> dict[str, Any]:
    return {
        "protocol": "http",
        "container": container,
        "codec": codec,
        "audioChannels": track.channels,
        "audioBitrate": rate,
        "audioSamplerate": track.sample_rate,
        "audioBitdepth": track.bits_per_sample,
    }


async def _client_info(call: Call) -> dict[str, Any]:
    if call.request.method != "POST" or call.request.content_type != "application/json":
        raise SubsonicError(GENERIC, "getTranscodeDecision takes the ClientInfo as a JSON body (POST)")
    try:
        client = await read_json(call.request)
    except MalformedBody as exc:
        raise SubsonicError(GENERIC, f"ClientInfo: {exc}") from None
    for key in ("directPlayProfiles", "transcodingProfiles", "codecProfiles"):
        if not isinstance(client.get(key) or [], list):
            raise SubsonicError(GENERIC, f"ClientInfo: {key} must be a list")
    return client


async def _song(call: Call, view: View, name: str = "mediaId") -> Track:
    media_type = call.required("mediaType")
    if media_type not in ("song", "podcast"):
        raise SubsonicError(GENERIC, f"mediaType must be song or podcast, not {media_type[:40]!r}")
    raw = call.required(name)
    item = parse(raw, "track", "episode")
    track = view.tracks.get(item.number) if item is not None else None
    if track is None or (item is not None and (item.kind == "episode") != (media_type == "podcast")):
        raise SubsonicError(NOT_FOUND, f"{name}: no {media_type} with ID {raw[:60]!r}")
    return track


async def _may_have_original(call: Call, view: View, track: Track) -> bool:
    staff = call.caller is not None and call.caller.sees_drafts
    return original_allowed(track, staff) or track.album_id in await owned_albums(call, view)


async def get_transcode_decision(call: Call) -> dict[str, Any]:
    view = await call.view()
    track = await _song(call, view)
    client = await _client_info(call)
    allowed = await _may_have_original(call, view, track)
    source_rate = round(track.bitrate / 1000) if track.bitrate else None
    source = _details(track.suffix, track.codec, source_rate, track)
    decision: dict[str, Any] = {"sourceStream": source}
    expires = int(time.time()) + LIFETIME
    secret = call.request.app[SECRET].value
    if allowed and direct_play(client, track):
        sealed = seal(secret, Decision(track.id, call.user.id, "direct", source_rate or 0, expires))
        return {
            "transcodeDecision": {
                **decision,
                "canDirectPlay": True,
                "canTranscode": False,
                "transcodeParams": sealed,
            }
        }
    reasons = ["the app cannot play the original"] if allowed else ["the original is not for streaming"]
    ceiling = kbps(client.get("maxTranscodingAudioBitrate")) or kbps(client.get("maxAudioBitrate")) or 0
    for profile in client.get("transcodingProfiles") or []:
        if not isinstance(profile, dict):
            raise SubsonicError(GENERIC, "ClientInfo: transcodingProfiles must hold objects")
        codec = str(profile.get("audioCodec", "")).lower()
        if profile.get("protocol", "http") != "http" or codec not in MAKES:
            continue
        rate = transcode_kbps(track, ceiling, allowed)
        target = MAKES[codec]
        built = built_stream(call, view, track, codec, ceiling) if codec in BUILT_CODECS else None
        if built is not None:
            target = f"built:{built[0].suffix.lstrip('.')}"
            rate = min(rate, ceiling) if ceiling else rate
        if target == "flac" and not allowed:
            continue
        sealed = seal(secret, Decision(track.id, call.user.id, target, rate, expires))
        stream = _details(
            CONTAINERS.get(MAKES[codec], MAKES[codec]), codec, None if target == "flac" else rate, track
        )
        return {
            "transcodeDecision": {
                **decision,
                "canDirectPlay": False,
                "canTranscode": True,
                "transcodeReason": reasons,
                "transcodeParams": sealed,
                "transcodeStream": stream,
            }
        }
    return {
        "transcodeDecision": {
            **decision,
            "canDirectPlay": False,
            "canTranscode": False,
            "transcodeReason": reasons,
            "errorReason": "no transcoding profile over HTTP in a codec this server makes (mp3, opus, vorbis, aac, flac)",
        }
    }


async def get_transcode_stream(call: Call) -> web.StreamResponse:
    view = await call.view()
    track = await _song(call, view)
    try:
        decision = open_params(call.request.app[SECRET].value, call.required("transcodeParams"))
    except (BadParams, ValueError) as exc:
        raise SubsonicError(
            GENERIC, str(exc) if isinstance(exc, BadParams) else "transcodeParams is malformed"
        ) from None
    if decision.track_id != track.id or decision.user_id != call.user.id:
        raise SubsonicError(GENERIC, "transcodeParams was made for another song or another user")
    offset = float(call.integer("offset", 0, low=0) or 0)
    offset = min(offset, max(0.0, track.duration))
    path = source_path(call, track)
    if decision.target in ("direct", "flac") and not await _may_have_original(call, view, track):
        raise SubsonicError(
            GENERIC, "the original is no longer for streaming: ask getTranscodeDecision again"
        )
    mark_now_playing(call, track)
    if decision.target == "direct" and offset == 0:
        return file_response(path, track.mime)
    if decision.target.startswith("built:") and offset == 0:
        built = built_stream(call, view, track, decision.target.removeprefix("built:"), 0)
        if built is not None:
            return file_response(*built)
    name = decision.target.removeprefix("built:")
    if name == "direct":
        name = track.codec if track.codec in MAKES else "mp3"
    target = target_for(MAKES.get(name, name), decision.kbps or 192)
    plan = Transcode(target, decision.kbps or 192, offset, False)
    return await send_transcode(call, (view, track, path), plan, None)


ENDPOINTS: dict[str, Any] = {
    "getTranscodeDecision": get_transcode_decision,
    "getTranscodeStream": get_transcode_stream,
}
