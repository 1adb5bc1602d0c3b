"""reportPlayback (the `playbackReport` extension): where an app is in a song, and one play per listen.

An app reports `starting` when a song starts, `playing`/`paused` as it goes (position in ms,
playback rate) and `stopped` at the end. Each report sets what getNowPlaying shows (`stopped`
clears it). A play is counted once the listen has played through half the song or four minutes,
whichever is less (the Last.fm rule apps know), counting only the time actually played: a seek
forward or a pause adds nothing, and however many reports follow, the listen counts one play.
`starting` begins a new listen (a song played twice counts twice). `ignoreScrobble=true` marks
the listen as not counted at all (the app scrobbles elsewhere); `scrobble` and reportPlayback of
the same listen count one play between them (now_playing.claim_play).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from tunecamp.daemon.subsonic.call import Call, Listen
from tunecamp.daemon.subsonic.ids import parse
from tunecamp.daemon.subsonic.library import Track
from tunecamp.daemon.subsonic.listening import scrobble
from tunecamp.daemon.subsonic.now_playing import keep_listen, listen_of, mark_now_playing, stop_playing
from tunecamp.daemon.subsonic.render import GENERIC, NOT_FOUND, SubsonicError

STATES = frozenset({"starting", "playing", "paused", "stopped"})
MEDIA_TYPES = {"song": "track", "podcast": "episode"}
PLAY_AFTER_SECONDS = 240.0
SLACK_SECONDS = 2.0  # reports arrive late or early by this much without being taken for a seek


def threshold(track: Track) -> float:
    return min(PLAY_AFTER_SECONDS, max(0.5, track.duration / 2))


def played_between(listen: Listen, position_ms: int, rate: float, now: float) -> float:
    """Seconds of the song played since the last report: the position's advance, when the clock allows it."""
    if listen.state != "playing":
        return 0.0
    advance = (position_ms - listen.position_ms) / 1000
    possible = (now - listen.at) * max(rate, 0.1) + SLACK_SECONDS
    return advance if 0 <= advance <= possible else 0.0  # backwards or too far: a seek


async def report_playback(call: Call) -> dict[str, Any]:
    view = await call.view()
    media_type = call.required("mediaType")
    kind = MEDIA_TYPES.get(media_type)
    if kind is None:
        raise SubsonicError(GENERIC, f"mediaType must be song or podcast, not {media_type[:40]!r}")
    raw = call.required("mediaId")
    item = parse(raw, "track", "episode")
    track = view.tracks.get(item.number) if item is not None and item.kind == kind else None
    if track is None:
        raise SubsonicError(NOT_FOUND, f"mediaId: no {media_type} with ID {raw[:60]!r}")
    state = call.required("state")
    if state not in STATES:
        raise SubsonicError(GENERIC, f"state must be one of {', '.join(sorted(STATES))}, not {state[:40]!r}")
    position = call.integer("positionMs", high=10**12)
    if position is None or position < 0:
        raise SubsonicError(GENERIC, "positionMs must be a whole number of milliseconds, 0 or more")
    rate = call.number("playbackRate", 1.0)
    if not 0 < rate <= 16:
        raise SubsonicError(GENERIC, "playbackRate must be above 0 and at most 16")
    ignore = call.flag("ignoreScrobble")
    now = time.monotonic()
    listen = listen_of(call)
    if listen is None or listen.track_id != track.id or state == "starting":
        listen = Listen(track.id, position, state, now)
    else:
        listen.heard += played_between(listen, position, rate, now)
        listen.position_ms, listen.state, listen.at = position, state, now
    listen.ignore = listen.ignore or ignore
    keep_listen(call, listen)
    if state == "stopped":
        stop_playing(call)
    else:
        mark_now_playing(call, track)
    if not listen.counted and not listen.ignore and listen.heard >= threshold(track):
        listen.counted = True
        when = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        user_id = call.user.id
        await call.write_notes(lambda d: scrobble(d, user_id, [(track.id, when)]))
    return {}


ENDPOINTS = {"reportPlayback": report_playback}
