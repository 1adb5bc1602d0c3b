"""GET /.well-known/webfinger: how `@aurora-lane@the-site` is found from Mastodon and the rest.

Every artist, the label and the instance actor, by any of the forms servers and people use:
`acct:name@host`, `name@host`, `@name@host`, the actor's URL and its profile page's URL. The
host may be the site's or the daemon's (Netlify proxies the site's /.well-known/ here); the
subject always names the site's host, the domain of the handles. application/jrd+json, open
to every origin (CORS), and a JSON 404 for a name that is not ours.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from tunecamp.daemon.errors import json_error
from tunecamp.daemon.federation.manifest import Actor, Manifest

JRD = "application/jrd+json"
AS_TYPE = "application/activity+json"
CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}


def find(manifest: Manifest, resource: str) -> Actor | None:
    """The actor `resource` names, or None."""
    resource = resource.strip()
    if resource.startswith(("http://", "https://")):
        actor = manifest.by_url.get(resource) or manifest.by_url.get(resource.rstrip("/"))
        return actor or manifest.by_url.get(resource.rstrip("/") + "/")
    if resource.lower().startswith("acct:"):
        resource = unquote(resource[5:])
    name, at, host = resource.lstrip("@").rpartition("@")
    if not at or not name or "@" in name:
        return None
    if host.lower() not in manifest.hosts():
        return None
    return manifest.actor(name)


def document(manifest: Manifest, actor: Actor) -> dict[str, object]:
    aliases = list(dict.fromkeys([actor.id, actor.url]))
    links: list[dict[str, str]] = [
        {"rel": "self", "type": AS_TYPE, "href": actor.id},
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.url},
    ]
    return {"subject": f"acct:{actor.username}@{manifest.host}", "aliases": aliases, "links": links}


def error(status: int, message: str) -> web.Response:
    return json_error(status, message, CORS)


def answer(manifest: Manifest, resource: str | None) -> web.Response:
    if not resource:
        return error(400, "resource: the query parameter is required (acct:name@host or an actor URL)")
    if len(resource) > 2048:
        return error(400, "resource: too long")
    actor = find(manifest, resource)
    if actor is None:
        return error(404, f"no actor {resource[:200]!r} on this site")
    return web.json_response(document(manifest, actor), content_type=JRD, headers=CORS)
