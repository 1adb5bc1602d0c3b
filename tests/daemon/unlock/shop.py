"""A really built catalog that sells: a release behind codes, a paid one, a free one.

Import with `from shop import ...` is not possible across folders under importlib mode, so the
tests import it as `tests.daemon.unlock.shop`. Built once per test module (real ffmpeg): the
private store under data/private/downloads holds the protected files the tests try to reach.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from subsonic_fixtures import index_catalog, lavfi_audio

from tunecamp.daemon.accounts.sessions import SIGNER
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.db import connect
from tunecamp.daemon.payments.releases import refresh_prices
from tunecamp.daemon.unlock import store
from tunecamp.daemon.unlock.redeem import HASHER
from tunecamp.daemon.users import create_user, get_user_by_name, hash_password_sync, set_artists
from tunecamp.generator.build import build
from tunecamp.generator.catalog.scan import scan
from tunecamp.generator.options import BuildOptions

SECRET = "unlock-tests-secret-0123456789abcdef"
CATALOG = {
    "catalog.yaml": "title: Shop\nbase_url: http://127.0.0.1:8000\ndaemon_url: http://127.0.0.1:8000\n",
    "artists/ada/artist.yaml": "name: Ada\n",
    "artists/bo/artist.yaml": "name: Bo\n",
    "releases/tape/release.yaml": "status: published\ntitle: Tape\nartist: ada\ndownload: codes\n"
    "download_formats: [flac, mp3-v0]\n",
    "releases/sold/release.yaml": "status: published\ntitle: Sold\nartist: bo\ndownload: paid\nprice: 5\n"
    "download_formats: [mp3-v0]\n",
    "releases/rare/release.yaml": "status: published\ntitle: Rare\nartist: bo\ndownload: paid\nprice: 2\n"
    "download_formats: [mp3-v0]\n",
    "releases/open/release.yaml": "status: published\ntitle: Open\nartist: ada\ndownload: free\n"
    "download_formats: [mp3-v0]\n",
}


@dataclass(frozen=True)
class Shop:
    root: Path
    config: DaemonConfig

    @property
    def private(self) -> Path:
        return self.config.data_dir / "private" / "downloads"

    def protected_files(self) -> dict[str, Path]:
        """Every file of the private store, by its path in the store."""
        return {
            p.relative_to(self.private).as_posix(): p for p in sorted(self.private.rglob("*")) if p.is_file()
        }

    def protected_digests(self) -> set[str]:
        return {hashlib.sha256(p.read_bytes()).hexdigest() for p in self.protected_files().values()}


def build_shop(root: Path) -> Shop:
    content = root / "content"
    for name, text in CATALOG.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    lavfi_audio(content / "releases/tape/01 - Side A.flac", 1.0, 300, {"title": "Side A"})
    lavfi_audio(content / "releases/tape/02 - Side B.flac", 1.0, 350, {"title": "Side B"})
    lavfi_audio(content / "releases/sold/01 - Lantern.flac", 1.0, 400, {"title": "Lantern"})
    lavfi_audio(content / "releases/rare/01 - Gem.flac", 1.0, 500, {"title": "Gem"})
    lavfi_audio(content / "releases/open/01 - Door.flac", 1.0, 450, {"title": "Door"})
    config = DaemonConfig(
        content_dir=content,
        data_dir=root / "data",
        public_dir=root / "public",
        jwt_secret=SECRET,
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=False,
        watch=False,
        unlock_rate_address=Rate(1000, 60),
        unlock_rate_release=Rate(1000, 60),
    )
    report = build(content, config.public_dir, BuildOptions(jobs=2))
    assert report.ok, report.problems.errors
    index_catalog(config)
    db = connect(config.database_path)
    try:
        refresh_prices(db, scan(content)[0])  # the payments feature's after-build refresher
    finally:
        db.close()
    return Shop(root, config)


async def make_codes(app: web.Application, release: str, count: int = 1, **batch: Any) -> list[str]:
    hasher = app[HASHER]
    issued = await app[DB].run(lambda db: store.generate(db, hasher, store.Batch(release, count, **batch)))
    return [c.code for c in issued]


async def add_account(app: web.Application, name: str, role: str, artists: tuple[str, ...] = ()) -> str:
    """A new account (or the one of that name); returns a Bearer access token for it."""

    def add(db: Any) -> Any:
        found = get_user_by_name(db, name)
        if found is None:
            found = create_user(db, name, hash_password_sync("a password 123", 4), role)
            if artists:
                set_artists(db, found.id, list(artists))
            found = get_user_by_name(db, name)
        return found

    user = await app[DB].run(add)
    return str(app[SIGNER].issue(user.id, user.token_generation, 3600))
