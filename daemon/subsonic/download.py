"""download: a song's original file, or a whole album or artist as a zip (as Navidrome does).

The download policy holds for every track: `free` and `name-your-price` tracks are for
everyone, the rest (`paid`, `codes`, `external`, `none`) only for Curators and above, and
`paid` and `codes` ones also for an account that holds the release (a code it redeemed or a
purchase it made while signed in: entitlements.py). An
album whose every track the caller may have, in the very format of the sources (FLAC
masters and a FLAC zip), gets the zip the audio pipeline built (from public/, or the
private store for codes and paid releases), with Range; anything else is zipped on the fly
from the source files of the tracks the caller may download (streamed_zip.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon import entitlements
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.subsonic.call import Call
from tunecamp.daemon.subsonic.library import Album, Track, View
from tunecamp.daemon.subsonic.render import NOT_AUTHORIZED, NOT_FOUND, SubsonicError
from tunecamp.daemon.subsonic.sources import file_response, source_path
from tunecamp.daemon.subsonic.streamed_zip import Member, attachment, zip_response
from tunecamp.generator.media.archives import Member as ZipMember
from tunecamp.generator.media.archives import safe_name, track_name, unique_names
from tunecamp.generator.media.formats import DOWNLOADS
from tunecamp.generator.media.plan import PROTECTED_POLICIES, PUBLIC_POLICIES

REFUSALS = {
    "paid": "this release is for sale: buy it on its page to download",
    "codes": "this release is downloaded with an unlock code, on its page",
    "external": "this release is downloaded from the artist's own shop",
}


def _staff(call: Call) -> bool:
    return call.caller is not None and call.caller.sees_drafts


async def owned_albums(call: Call, view: View) -> frozenset[int]:
    """The albums the caller unlocked with a code or bought (entitlements.py)."""
    if call.caller is None:
        return frozenset()
    user_id = call.user.id
    slugs = await call.request.app[DB].run(lambda db: entitlements.releases_of(db, user_id))
    return frozenset(a.id for a in view.albums.values() if a.slug in slugs) if slugs else frozenset()


@dataclass(frozen=True)
class Rights:
    staff: bool
    owned: frozenset[int] = frozenset()  # album IDs

    def may_download(self, track: Track) -> bool:
        if self.staff or track.download in PUBLIC_POLICIES:
            return True
        return track.album_id in self.owned and track.download in PROTECTED_POLICIES


async def rights(call: Call, view: View) -> Rights:
    return Rights(_staff(call), await owned_albums(call, view))


def may_download(track: Track, staff: bool) -> bool:
    return Rights(staff).may_download(track)


def _refusal(policy: str | None) -> SubsonicError:
    return SubsonicError(
        NOT_AUTHORIZED, REFUSALS.get(policy or "", "this release is not offered for download")
    )


def original_format(tracks: list[Track]) -> str | None:
    """The download format that holds every track exactly as its source is (lossless), if any."""
    for fmt in DOWNLOADS.values():
        exts = {fmt.ext, "aif"} if fmt.ext == "aiff" else {fmt.ext}
        if fmt.lossless and tracks and all(t.codec == fmt.codec and t.suffix in exts for t in tracks):
            return fmt.name
    return None


def built_zip(call: Call, album: Album, tracks: list[Track]) -> Path | None:
    """The audio pipeline's zip of the album in its sources' own format, when it was built."""
    fmt = original_format(tracks)
    if fmt is None:
        return None
    relative = Path(album.slug) / f"{album.slug}-{fmt}.zip"  # as generator.urls.release_zip names it
    if album.download in PUBLIC_POLICIES:
        path = call.config.public_dir / "downloads" / relative
    elif album.download in PROTECTED_POLICIES:
        path = call.config.data_dir / "private" / "downloads" / relative
    else:
        return None
    return path if path.is_file() else None


def _album_members(call: Call, view: View, album: Album, tracks: list[Track], folder: str) -> list[ZipMember]:
    multi_disc = any(t.disc > 1 for t in view.album_tracks(album))
    return [
        ZipMember(
            f"{folder}/{track_name(t.number, t.title, t.suffix, t.disc if multi_disc else None)}",
            source_path(call, t),
            "",
        )
        for t in tracks
    ]


async def _zip(call: Call, members: list[ZipMember], filename: str) -> web.StreamResponse:
    pairs: list[Member] = [(m.name, m.source) for m in unique_names(members)]
    try:
        return await zip_response(call.request, pairs, filename)
    except FileNotFoundError as exc:  # gone between the check and the stat: nothing is sent yet
        raise SubsonicError(
            NOT_FOUND, f"an audio file is missing ({exc.filename}); a rescan will fix it"
        ) from None


async def download_track(call: Call, track: Track, can: Rights) -> web.StreamResponse:
    if not can.may_download(track):
        raise _refusal(track.download)
    path = source_path(call, track)
    disposition = attachment(f"{track.title}.{track.suffix}")
    return file_response(path, track.mime, **{"Content-Disposition": disposition})


async def download_album(call: Call, view: View, album: Album, can: Rights) -> web.StreamResponse:
    every = view.album_tracks(album)
    tracks = [t for t in every if can.may_download(t)]
    if not tracks:
        raise _refusal(album.download if every else "none")
    filename = safe_name(f"{album.artist_name} - {album.title}") + ".zip"
    built = built_zip(call, album, tracks) if len(tracks) == len(every) else None
    if built is not None:
        return file_response(built, "application/zip", **{"Content-Disposition": attachment(filename)})
    folder = safe_name(f"{album.artist_name} - {album.title}")
    return await _zip(call, _album_members(call, view, album, tracks, folder), filename)


async def download_artist(call: Call, view: View, artist_id: int, can: Rights) -> web.StreamResponse:
    artist = view.library.artists[artist_id]
    members: list[ZipMember] = []
    for album in view.artist_albums.get(artist_id, []):
        tracks = [t for t in view.album_tracks(album) if can.may_download(t)]
        members += _album_members(
            call, view, album, tracks, f"{safe_name(artist.name)}/{safe_name(album.title)}"
        )
    if not members:
        raise SubsonicError(NOT_AUTHORIZED, f"nothing by {artist.name} is offered for download")
    return await _zip(call, members, safe_name(artist.name) + ".zip")


async def download(call: Call) -> web.StreamResponse:
    view = await call.view()
    item = call.item("id", "track", "album", "artist")
    can = await rights(call, view)
    if item.kind == "track" and item.number in view.tracks:
        return await download_track(call, view.tracks[item.number], can)
    if item.kind == "album" and item.number in view.albums:
        return await download_album(call, view, view.albums[item.number], can)
    if item.kind == "artist" and item.number in view.artist_albums:
        return await download_artist(call, view, item.number, can)
    raise SubsonicError(NOT_FOUND, f"{item} not found")


ENDPOINTS: dict[str, Any] = {"download": download}
