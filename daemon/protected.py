"""The private store: the protected downloads the media stage writes, and their URLs.

Releases with `download: codes` or `download: paid` have their download files written to
`DATA_DIR/private/downloads/<release>/` (never to public/): per track in `<format>/<track>.<ext>`,
and one zip per format, `<release>-<format>.zip` (generator/catalog/urls.py names both). The
daemon serves them at `/api/unlock/files/<release>/<path>` (unlock/files.py) to a caller with a
grant, a buyer of the release or a role the policy allows. Shared because both ways of getting a
grant (unlock/, payments/) answer with the list of these URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from tunecamp.daemon.config import DaemonConfig

FILES_PREFIX = "/api/unlock/files"
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


@dataclass(frozen=True)
class ProtectedFile:
    release: str
    relative: PurePosixPath  # inside the release's folder: "flac/one.flac" or "tape-flac.zip"
    format: str
    kind: str  # "zip" or "track"
    size: int

    @property
    def path(self) -> str:
        return f"{FILES_PREFIX}/{self.release}/{quote(self.relative.as_posix())}"


def store(config: DaemonConfig) -> Path:
    return config.data_dir / "private" / "downloads"


def is_slug(text: str) -> bool:
    return bool(_SLUG.match(text))


def release_files(config: DaemonConfig, release: str) -> list[ProtectedFile]:
    """The release's protected files: the zips first (one per format), then every track by format."""
    if not is_slug(release):
        return []
    folder = store(config) / release
    if not folder.is_dir():
        return []
    zips, tracks = [], []
    prefix = f"{release}-"
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".zip" and entry.name.startswith(prefix):
            fmt = entry.name[len(prefix) : -len(".zip")]
            zips.append(ProtectedFile(release, PurePosixPath(entry.name), fmt, "zip", entry.stat().st_size))
        elif entry.is_dir() and _NAME.match(entry.name):
            for file in sorted(entry.iterdir()):
                if file.is_file() and _NAME.match(file.name):
                    relative = PurePosixPath(entry.name, file.name)
                    tracks.append(ProtectedFile(release, relative, entry.name, "track", file.stat().st_size))
    return [*zips, *tracks]


def find(config: DaemonConfig, release: str, relative: str) -> Path | None:
    """The file at `relative` in the release's folder of the store, or None (hostile or missing)."""
    if not is_slug(release):
        return None
    parts = relative.split("/")
    if not 1 <= len(parts) <= 2 or not all(_NAME.match(p) for p in parts):
        return None  # no "..", no hidden files, no deeper folders: the store has none
    root = (store(config) / release).resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def links(config: DaemonConfig, release: str, grant: str) -> list[dict[str, object]]:
    """The release's downloads as an answer lists them: absolute URLs that carry the grant."""
    return [
        {
            "format": f.format,
            "kind": f.kind,
            "name": f.relative.name,
            "size": f.size,
            "url": f"{config.url}{f.path}?grant={grant}",
        }
        for f in release_files(config, release)
    ]


def has_files(config: DaemonConfig, release: str) -> bool:
    return is_slug(release) and (store(config) / release).is_dir()
