"""Which ActivityPub files each unit writes (units.py), when the catalog federates.

    release unit   ap/releases/<slug>/note.json, create.json, announce.json, tracks/<track>.json
    artist unit    ap/artists/<slug>.json, its outbox (and pages), featured.json
    site unit      ap/label.json and its outbox, ap/instance.json and its outbox, ap/manifest.json

Nothing without `daemon_url`; nothing for drafts; an unlisted release and an artist with only
unlisted releases get no documents at all (they are never delivered, nor in an outbox).
"""

from __future__ import annotations

from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.output import Output
from tunecamp.generator.site.activitypub.actors import application, group, person
from tunecamp.generator.site.activitypub.manifest import manifest
from tunecamp.generator.site.activitypub.notes import announce, audio, create, note
from tunecamp.generator.site.activitypub.outbox import featured, paged
from tunecamp.generator.site.activitypub.vocabulary import Addresses, document
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.views import ArtistView, ReleaseView


def addresses(site: Site) -> Addresses | None:
    config = site.catalog.config
    return Addresses.of(config) if config.daemon_url else None


def release_note(site: Site, rv: ReleaseView, a: Addresses) -> dict[str, Any]:
    """The Note of a release, made once per release object (site/memo.py)."""
    return site.memo.get("ap-note", rv.release, lambda: note(site, rv, a))


def release_documents(site: Site, rv: ReleaseView) -> list[Output]:
    a = addresses(site)
    if a is None or not rv.release.is_listed:
        return []
    r = rv.release
    the_note = release_note(site, rv, a)
    return [
        document(u.ap_note(r), the_note),
        document(u.ap_create(r), create(the_note, rv, a)),
        document(u.ap_announce(r), announce(site, rv, a)),
        *(document(u.ap_track(r, tv.track), audio(site, rv, tv, a)) for tv in rv.tracks),
    ]


def artist_documents(site: Site, av: ArtistView) -> list[Output]:
    a = addresses(site)
    if a is None or not av.listed:
        return []
    artist = av.artist
    mine = [rv for rv in av.releases if rv.artists and rv.artists[0].slug == artist.slug]
    notes = [release_note(site, rv, a) for rv in mine]  # av.releases: listed, newest first
    creates = [create(n, rv, a) for n, rv in zip(notes, mine, strict=True)]
    return [
        document(u.ap_artist(artist), person(site, av, a)),
        *paged(creates, lambda n: u.ap_artist_outbox(artist, n), a.doc),
        document(u.ap_artist_featured(artist), featured(notes, a.doc(u.ap_artist_featured(artist)))),
    ]


def site_documents(site: Site) -> list[Output]:
    a = addresses(site)
    if a is None:
        return []
    listed = site.views.listed_releases  # newest first
    notes = [(rv, release_note(site, rv, a)) for rv in listed]
    return [
        document(u.ap_label(), group(site, a)),
        *paged([announce(site, rv, a) for rv in listed], u.ap_label_outbox, a.doc),
        document(u.ap_instance(), application(site, a)),
        *paged([], lambda _: u.ap_instance_outbox(), a.doc),
        document(u.ap_manifest(), manifest(site, a, notes)),
    ]


def render_activitypub(site: Site) -> list[Output]:
    """Every document of the site in one list (a build writes them unit by unit instead)."""
    return [
        *site_documents(site),
        *(out for av in site.views.artists for out in artist_documents(site, av)),
        *(out for rv in site.views.releases for out in release_documents(site, rv)),
    ]
