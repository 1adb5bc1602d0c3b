"""A few files of a built site, enough to tell the proxy's answers from the daemons'."""

from __future__ import annotations

import json
from pathlib import Path

AS = "https://www.w3.org/ns/activitystreams"


def write_site(public: Path, base: str) -> None:
    files = {
        "index.html": "<!doctype html><title>Home</title><p>the static home page</p>",
        "404.html": "<!doctype html><title>Not found</title><p>the site's own 404 page</p>",
        "releases/first-light/index.html": "<!doctype html><title>First Light</title>",
        "catalog.json": json.dumps({"releases": ["first-light"]}),
        "feed.rss": "<?xml version='1.0'?><rss version='2.0'><channel/></rss>",
        "ap/releases/first-light/note.json": json.dumps(
            {"@context": AS, "id": f"{base}/ap/releases/first-light/note.json", "type": "Note"}
        ),
    }
    for name, text in files.items():
        path = public / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
