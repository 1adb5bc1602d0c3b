"""What listeners see of the network: /api/community/sites, and data/network.json for /network/.

The generator never reads the daemon's database: after each crawl the daemon writes the online
instances into `network.json` in the data directory (atomically, and only when what a page
shows changed, so an unchanged network asks for no rebuild), and the next build renders the
/network/ page from it (generator/site/network.py).

    {"version": 1, "instances": [{"origin", "url", "name", "description", "coverImage",
      "artistName", "software", "version", "releaseCount",
      "releases": [{"title", "url", "artist", "cover", "date"}]}]}
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NETWORK_FILE = "network.json"
VERSION = 1


def _iso(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds else None


def site_entry(row: dict[str, Any]) -> dict[str, Any]:
    """One instance as pages show it (no times: they change at every crawl)."""
    return {
        "origin": row["origin"],
        "url": row["url"] or row["origin"],
        "name": row["name"] or row["origin"].split("://", 1)[-1],
        "description": row["description"],
        "coverImage": row["cover"] or None,
        "artistName": row["artist_name"] or None,
        "software": row["software"],
        "version": row["version"],
        "releaseCount": row["release_count"],
        "releases": row["releases"],
    }


def sites(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """/api/community/sites: the online instances, with when they were first and last seen."""
    return [
        site_entry(row) | {"firstSeen": _iso(row["first_seen"]), "lastSeen": _iso(row["last_seen"])}
        for row in rows
        if row["offline_since"] is None
    ]


def network_document(rows: list[dict[str, Any]]) -> dict[str, Any]:
    entries = [site_entry(row) for row in rows if row["offline_since"] is None]
    entries.sort(key=lambda e: (e["name"].lower(), e["origin"]))
    return {"version": VERSION, "instances": entries}


def write_network(data_dir: Path, document: dict[str, Any]) -> bool:
    """Write network.json when its content changed; True when it did."""
    path = data_dir / NETWORK_FILE
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(temporary, 0o644)  # the site publishes it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
