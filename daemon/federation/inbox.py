"""The inboxes: POST /users/{username}/inbox and the shared POST /inbox; the followers/following collections.

Every POST, cheapest refusal first, before any work the sender could make us do for nothing:
1. the client address's rate (429), the size (413 over 1 MB), the JSON (400 with the reason);
2. a blocked domain or actor (403), an activity id already handled (202, nothing done again);
3. the signature (401 with the reason; the sender then tries its other format), the key must be
   the actor's own, or the activity must carry its actor's FEP-8b32 proof (forwarded by a relay); an unverifiable Delete of an actor that is gone (its key 404/410) is 202 and
   dropped, as Mastodon's deletes of deleted accounts can never verify;
4. the activity's effect (activities.py), then 202.

The signed URL is tried as received and under the site's and the daemon's origins: Netlify
proxies the site's /inbox here, so the sender signed a URL with the site's host.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.bodies import MalformedBody, parse_json
from tunecamp.daemon.errors import http_error
from tunecamp.daemon.federation import activities, moderation
from tunecamp.daemon.federation.activities import Malformed, id_of
from tunecamp.daemon.federation.following import following_of
from tunecamp.daemon.federation.proofs import ProofError, verify_proof
from tunecamp.daemon.federation.remote import host_of
from tunecamp.daemon.federation.service import FEDERATION, Federation
from tunecamp.daemon.federation.signatures import KeyGone, SignatureError, SignedRequest, key_id_of, verify
from tunecamp.daemon.ratelimit import Limiter, client_address, retry_after
from tunecamp.daemon.roles import PUBLIC, requires
from tunecamp.daemon.shared_limits import limit_source

log = logging.getLogger("tunecamp.federation")
MAX_BODY = 1024 * 1024
AS_TYPE = "application/activity+json"
JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
SEEN_IN_MEMORY = 100_000


class Inbox:
    """The inbox's own state: the rate limiter and the recently seen activity ids."""

    def __init__(self, limiter: Limiter, trust_proxy_hops: int) -> None:
        self.limiter = limiter
        self.trust_proxy_hops = trust_proxy_hops
        self.recent: OrderedDict[str, None] = OrderedDict()
        self.signed_origin = ""  # the origin senders signed last: tried first (each miss is an RSA verify)

    def seen_recently(self, activity_id: str) -> bool:
        return activity_id in self.recent

    def remember(self, activity_id: str) -> None:
        self.recent[activity_id] = None
        if len(self.recent) > SEEN_IN_MEMORY:
            self.recent.popitem(last=False)


INBOX = web.AppKey("inbox", Inbox)


def signed_urls(request: web.Request, fed: Federation) -> tuple[str, ...]:
    manifest = fed.manifest.get()
    config = request.app[CONFIG]
    origins = [
        request.app[INBOX].signed_origin,
        f"{request.scheme}://{request.host}",
        manifest.base_url,
        manifest.daemon_url,
        config.url,
    ]
    if config.trust_proxy_hops and request.headers.get("X-Forwarded-Host"):
        proto = request.headers.get("X-Forwarded-Proto", "https")
        origins.insert(0, f"{proto}://{request.headers['X-Forwarded-Host']}")
    return tuple(dict.fromkeys(f"{o.rstrip('/')}{request.path_qs}" for o in origins if o))


def too_large(size: int) -> web.HTTPException:
    # errors.http_error cannot make this one: aiohttp's 413 wants the sizes
    return web.HTTPRequestEntityTooLarge(
        max_size=MAX_BODY,
        actual_size=size,
        text=json.dumps({"error": f"an activity is at most {MAX_BODY} bytes", "status": 413}),
        content_type="application/json",
    )


async def read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise too_large(request.content_length)
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise too_large(len(body))
    return body


def parse_activity(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type not in JSON_TYPES:
        raise MalformedBody(f"send the activity as {AS_TYPE}, not {content_type or 'no content type'}")
    activity = parse_json(body)
    if not isinstance(activity, dict):
        raise MalformedBody("an activity is a JSON object")
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        raise MalformedBody("the activity has no type")
    actor = id_of(activity.get("actor"))
    if not actor.startswith(("https://", "http://")):
        raise MalformedBody("the activity's actor must be an http(s) URL")
    if not id_of(activity).startswith(("https://", "http://")):
        raise MalformedBody("the activity needs an http(s) id")
    return activity


async def receive(request: web.Request, owner: str | None) -> web.Response:
    fed = request.app[FEDERATION]
    inbox = request.app[INBOX]
    address = client_address(request, inbox.trust_proxy_hops)
    wait = await inbox.limiter.hit(address)
    if wait > 0:
        seconds = retry_after(wait)
        raise http_error(
            429, f"too many activities; try again in {seconds} s", **{"Retry-After": str(seconds)}
        )
    if owner is not None and fed.manifest.get().actor(owner) is None:
        raise http_error(404, f"no actor {owner!r} here")
    body = await read_body(request)
    activity = parse_activity(body, request.content_type)
    actor_id = id_of(activity["actor"])
    activity_id = id_of(activity)
    key_id = key_id_of(request.headers) or ""
    for host, who in ((host_of(actor_id), actor_id), (host_of(key_id), "")):
        if host and fed.blocks.blocked(host, who, owner or ""):
            raise http_error(403, f"{host} is blocked here")
    if inbox.seen_recently(activity_id):
        return web.Response(status=202, text="already received")

    owners: dict[str, str] = {}
    try:
        signed = SignedRequest(request.method, signed_urls(request, fed), request.headers, body)
        verified = await verify(signed, _resolver(fed, owners))
    except KeyGone as exc:
        if (
            activity["type"] == "Delete"
            and id_of(activity.get("object")) == actor_id
            and host_of(key_id) == host_of(actor_id)
        ):
            await _forget_gone(fed, actor_id)
            return web.Response(status=202, text="the actor is gone; dropped")
        raise http_error(401, exc.reason) from None
    except SignatureError as exc:
        raise http_error(401, exc.reason) from None
    inbox.signed_origin = (
        verified.url[: -len(request.path_qs)] if verified.url.endswith(request.path_qs) else ""
    )
    signer = owners.get(verified.key_id, "")
    if signer != actor_id:  # forwarded (a relay, a thread's server): the activity must prove itself
        try:
            await verify_proof(fed.remote, activity, actor_id)
        except ProofError as exc:
            raise http_error(
                401, f"the key {verified.key_id} is {signer or 'nobody known'}'s: {exc}"
            ) from None

    first = await fed.db.run(lambda db: _mark(db, activity_id))
    inbox.remember(activity_id)
    if not first:
        return web.Response(status=202, text="already received")
    try:
        outcome = await activities.handle(fed, activity, actor_id, owner)
    except Malformed as exc:
        raise http_error(400, str(exc)) from None
    log.debug(
        "inbox %s: %s %s from %s: %s", owner or "(shared)", activity["type"], activity_id, actor_id, outcome
    )
    return web.Response(status=202, text=outcome)


def _mark(db: Any, activity_id: str) -> bool:
    first = moderation.mark_seen(db, activity_id, time.time())
    db.conn.commit()
    return first


def _resolver(fed: Federation, owners: dict[str, str]) -> Any:
    """Resolves keys through the remote cache, noting whose each key is in `owners`."""

    async def resolve(key_id: str, refresh: bool) -> Any:
        remote = await fed.remote.key(key_id, refresh)
        owners[key_id] = remote.owner
        return remote.key

    return resolve


async def _forget_gone(fed: Federation, actor_id: str) -> None:
    known = await fed.remote.cached(actor_id)
    if known is None:
        return  # never heard of: nothing to remove
    gone = await fed.db.run(lambda db: moderation.forget_actor(db, actor_id))
    await fed.remote.forget(actor_id)
    if gone["fed_reactions"] or gone["fed_comments"]:
        fed.exporter.schedule()


@requires(PUBLIC)
async def actor_inbox(request: web.Request) -> web.Response:
    return await receive(request, request.match_info["username"])


@requires(PUBLIC)
async def shared_inbox(request: web.Request) -> web.Response:
    return await receive(request, None)


def _collection(request: web.Request, total: int, items: list[str] | None = None) -> web.Response:
    fed = request.app[FEDERATION]
    manifest = fed.manifest.get()
    origin = manifest.daemon_url or request.app[CONFIG].url
    document: dict[str, object] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{origin}{request.path}",
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if items is not None:
        document["orderedItems"] = items
    return web.json_response(document, content_type=AS_TYPE, headers={"Access-Control-Allow-Origin": "*"})


@requires(PUBLIC)
async def followers(request: web.Request) -> web.Response:
    """The count is public; who follows is shown to the artist on the dashboard, not here."""
    fed = request.app[FEDERATION]
    username = request.match_info["username"]
    actor = fed.manifest.get().actor(username)
    if actor is None:
        raise http_error(404, f"no actor {username!r} here")
    total = await fed.db.run(lambda db: moderation.follower_count(db, actor.username))
    return _collection(request, total)


@requires(PUBLIC)
async def following(request: web.Request) -> web.Response:
    """Whom the actor follows (the label: the artists it followed and who accepted), public as on Mastodon."""
    fed = request.app[FEDERATION]
    username = request.match_info["username"]
    actor = fed.manifest.get().actor(username)
    if actor is None:
        raise http_error(404, f"no actor {username!r} here")
    total, items = await fed.db.run(lambda db: following_of(db, actor.username))
    return _collection(request, total, items)


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    app[INBOX] = Inbox(
        limit_source(app).bucket("inbox-host", config.inbox_rate_host), config.trust_proxy_hops
    )
    app.router.add_post("/users/{username}/inbox", actor_inbox)
    app.router.add_post("/inbox", shared_inbox)
    app.router.add_get("/users/{username}/followers", followers)
    app.router.add_get("/users/{username}/following", following)
