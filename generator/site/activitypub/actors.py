"""The actors: a Person per artist, a Group for the label, an Application for the instance.

The static half (profile, keys, outbox, featured) is written here; the dynamic half (inbox,
followers, following) points at the daemon. An actor's handle is its `preferredUsername`:
the artist's slug, `federation.label_username` for the label, the daemon's host name for the
instance actor. The private keys never leave the daemon: the public one comes from
data/federation/public-keys.json, and an actor without one there is written without it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.media.model import ImageSet
from tunecamp.generator.site.activitypub.inputs import PublicKey
from tunecamp.generator.site.activitypub.vocabulary import CONTEXT, Addresses, endpoints, iso_date
from tunecamp.generator.site.context import Site
from tunecamp.generator.site.views import ArtistView


def federated_artists(site: Site) -> tuple[ArtistView, ...]:
    """Artists with a listed release: one with only unlisted releases is not announced anywhere."""
    return site.views.listed_artists


def approves_by_hand(site: Site, av: ArtistView) -> bool:
    own = av.artist.manually_approves_followers
    return site.catalog.config.federation.manually_approves_followers if own is None else own


def person(site: Site, av: ArtistView, a: Addresses) -> dict[str, Any]:
    artist = av.artist
    slug = artist.slug
    actor_id = a.doc(u.ap_artist(artist))
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor_id,
        "type": "Person",
        "preferredUsername": slug,
        "name": artist.name,
        "summary": artist.bio_html or (f"<p>{escape(artist.summary)}</p>" if artist.summary else ""),
        "url": site.urls.absolute(av.path),
        **endpoints(a, slug),
        "outbox": a.doc(u.ap_artist_outbox(artist)),
        "featured": a.doc(u.ap_artist_featured(artist)),
        "manuallyApprovesFollowers": approves_by_hand(site, av),
        "discoverable": True,
        "indexable": True,
        "attachment": _links(site, av),
        "tag": [],
    }
    if artist.moved_to:  # `tunecamp federation move` writes moved_to; Mastodon shows "has moved"
        doc["movedTo"] = artist.moved_to
    if artist.also_known_as:
        doc["alsoKnownAs"] = list(artist.also_known_as)
    dates = [rv.release.date for rv in av.releases if rv.release.date]
    if dates:
        doc["published"] = iso_date(min(dates))
    picture = site.media.artist_image(artist)
    if picture is not None:
        doc["icon"] = image(site, picture)
    newest = av.releases[0] if av.releases else None
    if newest is not None and _raster(cover := site.media.cover(newest.release)) is not None:
        doc["image"] = image(site, cover)
    return _keyed(doc, site.federation.keys.get(slug))


def group(site: Site, a: Addresses) -> dict[str, Any]:
    config = site.catalog.config
    username = config.federation.label_username
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": a.doc(u.ap_label()),
        "type": "Group",
        "preferredUsername": username,
        "name": config.title,
        "summary": config.description_html,
        "url": site.urls.absolute(u.home()),
        **endpoints(a, username),
        "outbox": a.doc(u.ap_label_outbox()),
        "manuallyApprovesFollowers": config.federation.manually_approves_followers,
        "discoverable": True,
        "indexable": True,
        "attachment": [
            _field(av.artist.name, site.urls.absolute(av.path), rel="")
            for av in federated_artists(site)[:10]  # Mastodon shows a few profile fields, not a roster
        ],
    }
    newest = site.views.listed_releases[0] if site.views.listed_releases else None
    if newest is not None and _raster(cover := site.media.cover(newest.release)) is not None:
        doc["icon"] = image(site, cover)
    return _keyed(doc, site.federation.keys.get(username))


def application(site: Site, a: Addresses) -> dict[str, Any]:
    """The instance actor: signs the daemon's outgoing GETs (servers in authorized-fetch mode)."""
    username = a.host
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": a.doc(u.ap_instance()),
        "type": "Application",
        "preferredUsername": username,
        "name": site.catalog.config.title,
        "summary": f"<p>The instance actor of {escape(site.catalog.config.title)}.</p>",
        "url": site.urls.absolute(u.home()),
        **endpoints(a, username),
        "outbox": a.doc(u.ap_instance_outbox()),
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
    }
    return _keyed(doc, site.federation.keys.get(username))


def image(site: Site, images: ImageSet) -> dict[str, Any]:
    best = _raster(images) or images.default
    doc: dict[str, Any] = {
        "type": "Image",
        "mediaType": best.mime,
        "url": site.urls.absolute(best.path),
    }
    if best.width and best.height:
        doc["width"], doc["height"] = best.width, best.height
    if images.description:
        doc["name"] = images.description
    if images.blurhash:
        doc["blurhash"] = images.blurhash
    return doc


def _raster(images: ImageSet) -> Any:
    """The largest JPEG (every fediverse server takes it), or None for a generated SVG cover."""
    jpegs = [v for v in images.variants if v.mime == "image/jpeg" and v.width]
    return max(jpegs, key=lambda v: v.width or 0) if jpegs else None


def _links(site: Site, av: ArtistView) -> list[dict[str, Any]]:
    fields = [_field("Music", site.urls.absolute(av.path), rel="")]
    fields += [
        _field(link.label, link.url, rel="me") for link in av.artist.links if link.url.startswith("http")
    ]
    return fields


def _field(name: str, url: str, rel: str) -> dict[str, Any]:
    """A profile field as Mastodon shows it; `rel="me"` links are verified against the other page."""
    shown = url.split("://", 1)[-1].rstrip("/")
    rel_attr = f' rel="{rel} nofollow noopener noreferrer"' if rel else ' rel="nofollow noopener noreferrer"'
    value = f'<a href="{escape(url)}"{rel_attr} target="_blank">{escape(shown)}</a>'
    return {"type": "PropertyValue", "name": name, "value": value}


def _keyed(doc: dict[str, Any], key: PublicKey | None) -> dict[str, Any]:
    if key is not None:
        doc["publicKey"] = {"id": key.id, "owner": doc["id"], "publicKeyPem": key.pem}
    return doc
