"""getInternetRadioStations: the instance's live broadcasts, while they run.

A broadcast (the live feature) is an HLS stream; apps that play internet radio (DSub, Ultrasonic,
Symfonium, Tempo) take its playlist URL as the station's `streamUrl` and the artist's live page as
its home page. The list comes from the live feature through the `LIVE_STATIONS` hand-over, so it
is empty when live is not composed, and a station is gone as soon as its broadcast ends.
Stations are not stored: create/update/delete stay "not implemented".
"""

from __future__ import annotations

from typing import Any

from tunecamp.daemon.appkeys import LIVE_STATIONS
from tunecamp.daemon.subsonic.call import Call


async def get_internet_radio_stations(call: Call) -> dict[str, Any]:
    listing = call.request.app.get(LIVE_STATIONS)
    stations = [
        {
            "id": f"live-{s.id}",
            "name": f"{s.artist}: {s.title}" if s.title else s.artist,
            "streamUrl": s.stream_url,
            "homePageUrl": s.page_url,
        }
        for s in (listing() if listing is not None else [])
    ]
    return {"internetRadioStations": {"internetRadioStation": stations} if stations else {}}


ENDPOINTS = {"getInternetRadioStations": get_internet_radio_stations}
