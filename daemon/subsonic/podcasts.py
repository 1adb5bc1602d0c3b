"""Podcasts, read-only: the catalog's own show (the site's podcast feed) as one channel.

The generator publishes every listed track as an episode of the catalog's podcast
(public/podcast.rss); the API offers the same show, so a Subsonic app plays it without a podcast
app. Channel "pc-1" exists once a build has published the feed (site_info.py); its episodes are
the published tracks on the site, newest release first, "pe-<track>" each, streamed through
`stream` with their `streamId` ("tr-<track>"). Nothing is downloaded or subscribed to:
create/refresh/delete calls stay "not implemented", and the podcast role is not granted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.ids import parse, track_id
from tunecamp.daemon.subsonic.items import Annotations, song
from tunecamp.daemon.subsonic.library import Track, View
from tunecamp.daemon.subsonic.render import NOT_FOUND, SubsonicError, iso

CHANNEL = "pc-1"
MAX_EPISODES = 1000


def episodes(view: View) -> list[tuple[Track, str]]:
    """(track, publish date) of every episode, newest first; the feed's order within a release."""
    site = view.library.site
    out: list[tuple[Track, str]] = []
    albums = sorted(view.albums.values(), key=lambda a: (a.date or a.created[:10], a.id), reverse=True)
    for album in albums:
        if album.status != "published" or album.slug not in site.releases:
            continue
        try:
            day = dt.datetime.fromisoformat(album.date or album.created).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        for minute, track in enumerate(view.album_tracks(album)):
            if (album.slug, track.slug) in site.tracks:  # a minute apart: podcast apps keep the album's order
                out.append((track, iso(day + dt.timedelta(minutes=minute)) or ""))
        if len(out) >= MAX_EPISODES:
            break
    return out[:MAX_EPISODES]


def episode(track: Track, published: str, view: View, notes: Annotations) -> dict[str, Any]:
    album = view.albums[track.album_id]
    return {
        **song(track, view, notes),
        "id": f"pe-{track.id}",
        "streamId": track_id(track.id),
        "channelId": CHANNEL,
        "type": "podcast",
        "description": f"{track.title} — {track.artist}, from {album.title}",
        "status": "completed",
        "publishDate": published,
    }


async def get_podcasts(call: Call) -> dict[str, Any]:
    view = await call.view()
    wanted = call.text("id")
    site = view.library.site
    if wanted and (parse(wanted, "channel") is None or wanted != CHANNEL or not site.podcast):
        raise SubsonicError(NOT_FOUND, f"id: no podcast with ID {wanted[:60]!r}")
    if not site.podcast:
        return {"podcasts": {}}
    channel: dict[str, Any] = {
        "id": CHANNEL,
        "url": site.podcast,
        "title": site.title or "Podcast",
        "description": f"Every release of {site.title or 'this catalog'}, track by track",
        "status": "completed",
    }
    if call.flag("includeEpisodes", True):
        notes = await call.notes()
        channel["episode"] = [episode(t, when, view, notes) for t, when in episodes(view)]
    return {"podcasts": {"channel": [channel]}}


async def get_newest_podcasts(call: Call) -> dict[str, Any]:
    view = await call.view()
    count = call.integer("count", 20, low=0, high=MAX_EPISODES) or 0
    notes = await call.notes()
    found = [episode(t, when, view, notes) for t, when in episodes(view)[:count]]
    return {"newestPodcasts": {"episode": found} if found else {}}


async def get_podcast_episode(call: Call) -> dict[str, Any]:
    view = await call.view()
    raw = call.required("id")
    item = parse(raw, "episode")
    for track, when in episodes(view) if item is not None else []:
        if item is not None and track.id == item.number:
            return {"podcastEpisode": episode(track, when, view, await call.notes())}
    raise SubsonicError(NOT_FOUND, f"id: no podcast episode with ID {raw[:60]!r}")


ENDPOINTS = {
    "getPodcasts": get_podcasts,
    "getNewestPodcasts": get_newest_podcasts,
    "getPodcastEpisode": get_podcast_episode,
}
