"""What each user is playing: one entry per user and app, in memory, for getNowPlaying.

`stream` and `scrobble` without submission set it; the entries last NOW_PLAYING_MINUTES.
"""

from __future__ import annotations

import time
import zlib

from tunecamp.daemon.subsonic.call import Call, NowPlayingEntry, Subsonic
from tunecamp.daemon.subsonic.library import Track

NOW_PLAYING_MINUTES = 30
MAX_NOW_PLAYING = 1000


def mark_now_playing(call: Call, track: Track) -> None:
    """What getNowPlaying shows: one entry per user and app, replaced by the next song."""
    client = (call.text("c") or "unknown")[:100]
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
