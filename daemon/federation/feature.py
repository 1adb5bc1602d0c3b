"""The federation feature: discovery (WebFinger, NodeInfo), the inboxes, keys, delivery and the dashboard.

At start (`federation_ctx`), after the database: the blocks are loaded, every actor of the site's
manifest (and every artist of the catalog index, for a first start before any build) gets its
key, the public keys are exported for the generator, and the outbound client signs its GETs with
the instance actor's key. While the daemon runs, a new manifest (after a build) is noticed within
seconds: new actors get their keys, and when keys were made a rebuild puts them in the documents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web

from tunecamp.daemon import html
from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB, OUTBOUND
from tunecamp.daemon.db import DatabaseUnavailable
from tunecamp.daemon.federation import (
    dashboard,
    delivery,
    following_page,
    inbox,
    moderation,
    nodeinfo,
    publishing,
    webfinger,
)
from tunecamp.daemon.federation.export import Exporter
from tunecamp.daemon.federation.keys import KeyStore
from tunecamp.daemon.federation.manifest import Manifest, ManifestFile
from tunecamp.daemon.federation.remote import RemoteActors
from tunecamp.daemon.federation.service import FEDERATION, Federation
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.generator.site.i18n import N_

log = logging.getLogger("tunecamp.federation")
KEYS = web.AppKey("federation_keys", KeyStore)
WATCH_SECONDS = 3.0
SEEN_DAYS = 14

# An actor's kind (manifest.py) as the federation page shows it
ACTOR_KINDS = {"artist": N_("artist"), "label": N_("label"), "instance": N_("instance")}


@requires(PUBLIC)
async def webfinger_route(request: web.Request) -> web.Response:
    return webfinger.answer(request.app[FEDERATION].manifest.get(), request.query.get("resource"))


@requires(PUBLIC)
async def nodeinfo_links(request: web.Request) -> web.Response:
    manifest = request.app[FEDERATION].manifest.get()
    origin = manifest.daemon_url or request.app[CONFIG].url
    return web.json_response(nodeinfo.links(origin), headers={"Access-Control-Allow-Origin": "*"})


@requires(PUBLIC)
async def nodeinfo_document(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    fed = request.app[FEDERATION]
    data = nodeinfo.document(version, fed.manifest.get(), request.app[CONFIG].public_dir)
    return nodeinfo.response(data, version)


def instance_username(manifest: Manifest, fallback_url: str) -> str:
    actor = manifest.instance
    return actor.username if actor else (urlsplit(fallback_url).hostname or "instance")


async def ensure_keys(app: web.Application, fed: Federation, manifest: Manifest) -> list[str]:
    """Keys for the manifest's actors (else the catalog's artists): returns those newly exported."""
    fed.keys.set_actor_ids({a.username: a.id for a in manifest.actors})
    names = [a.username for a in manifest.actors]
    if not names:
        rows = await fed.db.run(
            lambda db: list(db.query("SELECT slug FROM catalog_artists WHERE missing = 0"))
        )
        names = [row["slug"] for row in rows]  # the instance actor is needed once the site federates
    made = await fed.keys.ensure_all(names)
    if made:
        log.info("made fediverse keys for %s", ", ".join(made))
    return await fed.keys.export_changes(app[CONFIG].data_dir)


def install_signer(app: web.Application, fed: Federation) -> None:
    """Outgoing GETs signed by the instance actor (servers in authorized-fetch mode ask for it)."""

    def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        manifest = fed.manifest.get()
        key = fed.keys.cached(instance_username(manifest, app[CONFIG].url))
        if key is None or not key.key_id:
            return headers
        return sign_cavage(method, url, headers, body, SigningKey(key.key_id, key.private_key))

    app[OUTBOUND].signer = sign


def protect(app: web.Application) -> None:
    """The private keys live in the database: its files are for the daemon's user alone."""
    path = app[CONFIG].database_path
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            os.chmod(name, 0o600)


async def watch_manifest(app: web.Application, fed: Federation, known: Manifest | None) -> None:
    """After a build: keys for new actors, and a rebuild when the exported keys changed (the documents carry them).

    Started with `known=None` when the site has no manifest yet: the catalog's artists get their
    keys in the background then, so that a daemon that does not federate starts without waiting.
    Once an hour it also forgets the activity ids older than SEEN_DAYS (the de-duplication table).
    """
    pruned = time.monotonic()
    while True:
        if time.monotonic() - pruned > 3600:
            pruned = time.monotonic()
            with contextlib.suppress(DatabaseUnavailable):
                await fed.db.run(lambda d: moderation.prune_seen(d, time.time() - SEEN_DAYS * 86400))
        manifest = fed.manifest.get()
        if manifest is not known:
            known = manifest
            try:
                made = await ensure_keys(app, fed, manifest)
                builds = app.get(BUILDS)
                if made and manifest.actors and builds is not None:
                    await builds.request(f"new fediverse keys for {', '.join(made)[:200]}")
            except Exception:  # the next manifest tries again
                log.exception("making keys for the new manifest failed")
        await asyncio.sleep(WATCH_SECONDS)


async def federation_ctx(app: web.Application) -> AsyncIterator[None]:
    config, db = app[CONFIG], app[DB]
    keys = app[KEYS] = KeyStore(db)
    fed = app[FEDERATION] = Federation(
        db=db,
        manifest=ManifestFile(config.public_dir),
        keys=keys,
        remote=RemoteActors(db, app[OUTBOUND]),
        exporter=Exporter(db, config.data_dir, lambda: app.get(BUILDS)),
        deliver=delivery.deliverer(app),
        data_dir=config.data_dir,
    )
    watcher = None
    if db.error is None:
        protect(app)
        await fed.reload_blocks()
        await db.run(lambda d: moderation.prune_seen(d, time.time() - SEEN_DAYS * 86400))
        manifest: Manifest | None = fed.manifest.get()
        if manifest is not None and manifest.actors:
            await ensure_keys(
                app, fed, manifest
            )  # before the first request: the inbox and signed GETs need them
        else:
            manifest = None
        install_signer(app, fed)
        watcher = asyncio.create_task(watch_manifest(app, fed, manifest))
    yield
    if watcher is not None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    await fed.exporter.close()


def setup(app: web.Application) -> None:
    html.add_templates(app, "tunecamp.daemon.federation")
    html.add_labels(app, "actor", ACTOR_KINDS)
    app.cleanup_ctx.append(federation_ctx)
    app.router.add_get("/.well-known/webfinger", webfinger_route)
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_links)
    app.router.add_get("/nodeinfo/{version:2\\.[01]}", nodeinfo_document)
    inbox.setup(app)
    delivery.setup(app)
    publishing.setup(app)
    dashboard.setup(app)
    following_page.setup(app)
