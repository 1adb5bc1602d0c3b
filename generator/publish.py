"""Changing a release's status in its metadata file, keeping the rest as the artist wrote it.

ruamel.yaml's round-trip mode keeps comments, key order and quoting; the file is
replaced atomically so a crash never leaves half a release.yaml.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from tunecamp.generator.model import STATUSES
from tunecamp.generator.slugs import slugify


class PublishError(Exception):
    pass


def find_release_folder(content_dir: Path, slug: str) -> Path:
    """The folder under releases/ whose slug (from release.yaml or its name) is `slug`."""
    releases = content_dir / "releases"
    if not releases.is_dir():
        raise PublishError(f"{releases} does not exist")
    by_name = None
    yaml = YAML(typ="safe")
    for folder in sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        meta = folder / "release.yaml"
        declared = None
        if meta.is_file():
            try:
                data = yaml.load(meta.read_text(encoding="utf-8"))
                declared = data.get("slug") if isinstance(data, dict) else None
            except (YAMLError, OSError, UnicodeDecodeError):
                declared = None
        if declared == slug:
            return folder
        if declared is None and slugify(folder.name) == slug:
            by_name = folder
    if by_name is None:
        raise PublishError(f"no release with the slug {slug!r} in {releases}")
    return by_name


def set_status(content_dir: Path, release_slug: str, status: str) -> Path:
    """Write `status` into the release's release.yaml (created if missing); returns its path."""
    if status not in STATUSES:
        raise PublishError(f"{status!r} is not one of: {', '.join(STATUSES)}")
    folder = find_release_folder(content_dir, release_slug)
    meta = folder / "release.yaml"
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    data: CommentedMap
    if meta.is_file():
        try:
            loaded = yaml.load(meta.read_text(encoding="utf-8"))
        except YAMLError as exc:
            raise PublishError(f"{meta}: invalid YAML, fix it first: {exc}") from None
        if loaded is None:
            loaded = CommentedMap()
        if not isinstance(loaded, CommentedMap):
            raise PublishError(f"{meta}: expected a mapping of keys")
        data = loaded
    else:
        data = CommentedMap()
    if "status" in data:
        data["status"] = status
    else:
        data.insert(0, "status", status)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    _write_atomic(meta, buffer.getvalue())
    return meta


def _write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
