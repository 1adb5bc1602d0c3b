"""The paid releases, as the last build read them: an after-build refresher (app.AFTER_BUILD).

The daemon needs a release's policy and price to list it on the demo chain and to say on its
payment page what it costs; both live in content/, which only a build reads.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from tunecamp.generator.catalog.model import Catalog


def refresh_prices(db: Database, catalog: Catalog) -> None:
    with db.atomic():
        db.execute("DELETE FROM payments_releases")
        for r in catalog.public_releases:
            s = r.settings
            db.execute(
                "INSERT INTO payments_releases (slug, title, policy, price, currency, artist_slugs) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    r.slug,
                    r.title,
                    s.download,
                    None if s.price is None else str(s.price),
                    s.currency,
                    json.dumps(r.artist_slugs),
                ],
            )


def paid_release(db: Database, slug: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM payments_releases WHERE slug = ? AND policy = 'paid'", [slug]))
    return rows[0] if rows else None


def paid_releases(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM payments_releases WHERE policy = 'paid' ORDER BY slug"))


def demo_artist(db: Database, slug: str) -> int:
    """Which demo artist account sells a release on the demo chain: one per artist of the catalog."""
    firsts = {r["slug"]: (json.loads(r["artist_slugs"]) or [r["slug"]])[0] for r in paid_releases(db)}
    return sorted(set(firsts.values())).index(firsts[slug]) if slug in firsts else 0
