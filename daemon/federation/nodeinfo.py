"""NodeInfo: /.well-known/nodeinfo points at /nodeinfo/2.1 and /nodeinfo/2.0 (older crawlers).

Counted as a fediverse crawler expects of a music site: the artists are the users (active in
the last month / half year when one of their releases was published then), the published
releases the local posts. Registration is never open: the Owner adds accounts. Node name and
description come from the label actor (the site's own title and description).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.federation.manifest import Manifest

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"
_TAG = re.compile(r"<[^>]+>")


def version() -> str:
    try:
        return metadata.version("tunecamp")
    except metadata.PackageNotFoundError:
        return "0"


def project_urls() -> dict[str, str]:
    """repository and homepage from the package's [project.urls] (Repository, Homepage), when it has them."""
    try:
        entries = metadata.metadata("tunecamp").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    found = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        key = {"repository": "repository", "source": "repository", "homepage": "homepage"}.get(
            label.strip().lower()
        )
        if key and url.strip():
            found[key] = url.strip()
    return found


def links(daemon_url: str) -> dict[str, Any]:
    return {
        "links": [{"rel": f"{SCHEMA}{v}", "href": f"{daemon_url}/nodeinfo/{v}"} for v in ("2.1", "2.0")],
    }


def _published(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def usage(manifest: Manifest, now: datetime) -> dict[str, Any]:
    artists = {a.username for a in manifest.actors if a.kind == "artist"}
    latest: dict[str, datetime] = {}
    for note in manifest.notes:
        when = _published(note.published)
        if when and note.actor in artists and (note.actor not in latest or when > latest[note.actor]):
            latest[note.actor] = when
    month = sum(1 for when in latest.values() if now - when <= timedelta(days=30))
    half = sum(1 for when in latest.values() if now - when <= timedelta(days=180))
    return {
        "users": {"total": len(artists), "activeMonth": month, "activeHalfyear": half},
        "localPosts": len(manifest.notes),
    }


def describe(public_dir: Path, manifest: Manifest) -> tuple[str, str]:
    """(node name, description): the label actor's name and summary, as plain text."""
    label = manifest.label
    name = label.name if label else (manifest.host or "TuneCamp")
    description = ""
    try:
        document = json.loads((public_dir / "ap" / "label.json").read_text(encoding="utf-8"))
        description = _TAG.sub("", str(document.get("summary") or "")).strip()
    except (OSError, ValueError, AttributeError):
        pass
    return name, description or f"{name}: music published with TuneCamp"


def document(v: str, manifest: Manifest, public_dir: Path, now: datetime | None = None) -> dict[str, Any]:
    software: dict[str, Any] = {"name": "tunecamp", "version": version()}
    if v == "2.1":
        software |= project_urls()
    name, description = describe(public_dir, manifest)
    return {
        "version": v,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": usage(manifest, now or datetime.now(UTC)),
        "metadata": {"nodeName": name, "nodeDescription": description},
    }


def response(data: dict[str, Any], v: str) -> web.Response:
    content_type = f'application/json; profile="{SCHEMA}{v}#"'
    return web.Response(
        text=json.dumps(data),
        headers={
            "Content-Type": content_type,
            "Access-Control-Allow-Origin": "*",
            "Cache-Control": "max-age=1800",
        },
    )
