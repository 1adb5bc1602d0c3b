"""ap/manifest.json: what the daemon reads after a build to know the actors and the posts.

Its WebFinger, NodeInfo and inboxes answer for the actors listed here; its publishing step
compares the notes (by `hash`, the SHA-256 of the canonical Note) with what it delivered last
time and sends Create, Update or Delete. Listed, published releases only: a draft or an
unlisted release is never delivered.
"""

from __future__ import annotations

from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.site.activitypub.actors import approves_by_hand, federated_artists
from tunecamp.generator.site.activitypub.notes import author
from tunecamp.generator.site.activitypub.vocabulary import Addresses, digest
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.views import ReleaseView

VERSION = 1


def manifest(site: Site, a: Addresses, notes: list[tuple[ReleaseView, dict[str, Any]]]) -> dict[str, Any]:
    """`notes`: every listed release's view and its Note, newest first."""
    config = site.catalog.config
    label = config.federation.label_username
    actors: list[dict[str, Any]] = [
        {
            "username": av.artist.slug,
            "kind": "artist",
            "id": a.doc(u.ap_artist(av.artist)),
            "url": site.urls.absolute(av.path),
            "name": av.artist.name,
            "manually_approves_followers": approves_by_hand(site, av),
        }
        for av in federated_artists(site)
    ]
    actors.append(
        {
            "username": label,
            "kind": "label",
            "id": a.doc(u.ap_label()),
            "url": site.urls.absolute(u.home()),
            "name": config.title,
            "manually_approves_followers": config.federation.manually_approves_followers,
        }
    )
    actors.append(
        {
            "username": a.host,
            "kind": "instance",
            "id": a.doc(u.ap_instance()),
            "url": site.urls.absolute(u.home()),
            "name": config.title,
            "manually_approves_followers": True,
        }
    )
    return {
        "version": VERSION,
        "base_url": a.base,
        "daemon_url": a.daemon,
        "actors": actors,
        "notes": [
            {
                "release": rv.release.slug,
                "actor": author(rv).slug,
                "id": note["id"],
                "create": a.doc(u.ap_create(rv.release)),
                "announce": a.doc(u.ap_announce(rv.release)),
                "hash": digest(note),
                "published": note["published"],
            }
            for rv, note in notes
        ],
    }
