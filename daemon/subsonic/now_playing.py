"""What each user is playing: one entry per user and app, in memory, for getNowPlaying.

`stream`, `scrobble` without submission and `reportPlayback` set it; the entries last
NOW_PLAYING_MINUTES. The listen `reportPlayback` follows is kept here too, so that `scrobble`
and `reportPlayback` together still count one play per listen (`claim_play`).
"""

from __future__ import annotations

import time
import zlib

from tunecamp.daemon.subsonic.call import Call, Listen, NowPlayingEntry, Subsonic
from tunecamp.daemon.subsonic.library import Track

NOW_PLAYING_MINUTES = 30
MAX_NOW_PLAYING = 1000


def client_of(call: Call) -> str:
    return (call.text("c") or "unknown")[:100]


def mark_now_playing(call: Call, track: Track) -> None:
    """What getNowPlaying shows: one entry per user and app, replaced by the next song."""
    client = client_of(call)
    if len(call.state.now_playing) >= MAX_NOW_PLAYING:  # bounded, whatever apps send as `c`
        oldest = min(call.state.now_playing, key=lambda k: call.state.now_playing[k].started)
        del call.state.now_playing[oldest]
    call.state.now_playing[(call.user.id, client)] = NowPlayingEntry(
        call.user.username, track.id, client, zlib.crc32(client.encode()) % 100_000, time.time()
    )


def live(state: Subsonic, now: float) -> list[NowPlayingEntry]:
    """The entries of the last NOW_PLAYING_MINUTES; older ones are dropped."""
    fresh = {k: e for k, e in state.now_playing.items() if now - e.started < NOW_PLAYING_MINUTES * 60}
    state.now_playing.clear()
    state.now_playing.update(fresh)
    return list(fresh.values())


def stop_playing(call: Call) -> None:
    call.state.now_playing.pop((call.user.id, client_of(call)), None)


def listen_of(call: Call) -> Listen | None:
    return call.state.listens.get((call.user.id, client_of(call)))


def keep_listen(call: Call, listen: Listen) -> None:
    listens = call.state.listens
    if len(listens) >= MAX_NOW_PLAYING and (call.user.id, client_of(call)) not in listens:
        del listens[min(listens, key=lambda k: listens[k].at)]  # bounded, whatever apps send as `c`
    listens[(call.user.id, client_of(call))] = listen


def claim_play(call: Call, track_id: int) -> bool:
    """True when this app's current listen of the song has not had its play counted yet (and now has).

    `scrobble` asks before counting: an app that reports playback and scrobbles too counts once.
    """
    listen = listen_of(call)
    if listen is None or listen.track_id != track_id:
        return True
    if listen.counted:
        return False
    listen.counted = True
    return True
