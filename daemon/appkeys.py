"""The application state every feature may read: settings, database, secret, builds, outbound client.

`create_app` sets them before any feature starts (CONFIG and DB at once, SECRET and BUILDS in its
cleanup contexts), so a feature reads them without importing the module that made them. A
feature's own state (the Subsonic caches, the live-reload hub...) has its key in its folder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from tunecamp.daemon.builds import Builds
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.outbound import Outbound
from tunecamp.daemon.secret import InstanceSecret

CONFIG = web.AppKey("config", DaemonConfig)
DB = web.AppKey("db", Db)
SECRET = web.AppKey("secret", InstanceSecret)
# The site feature's build manager, as the other features see it (builds.py): typed by a protocol,
# so asking for a rebuild (admin, Subsonic startScan) or showing the last one (/health) needs no
# import of the site feature.
BUILDS: web.AppKey[Builds] = web.AppKey("builds")
# The one guarded outbound HTTP client (outbound.py), for every remote fetch and delivery.
OUTBOUND = web.AppKey("outbound", Outbound)


@dataclass(frozen=True)
class ArtistNote:
    """A note from an artist to its fediverse followers, outside the site's releases (live's "live now").

    `key` names it for ever (a second post with the same key is an update of the first);
    `content` is HTML; `url` the page it points to.
    """

    artist: str
    key: str
    content: str
    url: str
    update: bool = False


# Queue an ArtistNote for the artist's followers; returns the inboxes it goes to (0: no followers,
# or the artist is not on the fediverse). The federation feature makes it, the live feature uses it:
# create_app hands it over when both are composed.
AnnounceNote = Callable[[ArtistNote], Awaitable[int]]
ANNOUNCE: web.AppKey[AnnounceNote] = web.AppKey("announce_note")


@dataclass(frozen=True)
class FollowTarget:
    """A remote actor to follow: `reference` is a handle (`acct:name@host`) or a profile/actor URL;
    `origin` is the server to ask WebFinger (a discovered instance), and what the follow is listed under."""

    reference: str
    origin: str
    fallback: str = ""  # another reference for the same actor (the artist's page URL), tried second


@dataclass(frozen=True)
class FollowOutcome:
    """What became of one FollowTarget: the actor's id and the follow's state, or why it failed."""

    reference: str
    actor: str = ""
    state: str = ""  # "pending", "accepted", "rejected" or "" (failed: see `error`)
    error: str = ""


class ArtistFollows(Protocol):
    """The label actor following remote artists. The federation feature makes it, discovery uses it
    (the dashboard's "Follow artists"): create_app hands it over when both are composed."""

    async def follow(self, targets: Sequence[FollowTarget]) -> list[FollowOutcome]: ...

    async def unfollow(self, origin: str) -> int:
        """Undo every follow listed under `origin`; returns how many there were."""
        ...

    async def states(self) -> dict[str, dict[str, int]]:
        """Per origin the targets were listed under: how many follows are in each state."""
        ...


FOLLOWS: web.AppKey[ArtistFollows] = web.AppKey("artist_follows")


@dataclass(frozen=True)
class LiveStation:
    """A broadcast running now, as a radio station: its HLS playlist and the artist's live page."""

    id: str
    artist: str
    title: str
    stream_url: str
    page_url: str


# The broadcasts running now. The live feature has them, the Subsonic API lists them as internet
# radio stations: create_app hands it over when live is composed.
LiveStations = Callable[[], list[LiveStation]]
LIVE_STATIONS: web.AppKey[LiveStations] = web.AppKey("live_stations")
