"""The media cache: transcodes, analyses, images and zips, addressed by content.

An object's key is a hash of the source's bytes and the settings that made it, so an
unchanged file is never processed twice and a moved or renamed one is recognised. A stat
index (path, size, mtime_ns, inode → hash) saves re-reading unchanged sources. Objects are
written to a per-run temp folder and renamed into place only once complete, so a killed
build never leaves a truncated object that a later build would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_VERSION = 1
_CHUNK = 1 << 20


class Interrupted(Exception):
    """The run was asked to stop (Ctrl-C); nothing half-made was kept."""


def key(*parts: object) -> str:
    """A stable 128-bit key for JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class CacheStats:
    hashed: int = 0  # sources read in full because the stat index did not know them
    hits: int = 0  # objects found
    made: int = 0  # objects committed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class AudioCache:
    """One build's handle on the cache folder; safe to share between worker threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._index: dict[str, list[Any]] = {}
        self._dirty = False
        self._load_index()
        tmp_root = root / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        self._clean_stale_tmp(tmp_root)
        self.tmp = tmp_root / f"{os.getpid()}-{secrets.token_hex(4)}"
        self.tmp.mkdir()

    # -- the stat index -------------------------------------------------------------------

    def _load_index(self) -> None:
        try:
            data = json.loads((self.root / "index.json").read_text())
            if data.get("version") == INDEX_VERSION and isinstance(data.get("files"), dict):
                self._index = data["files"]
        except (OSError, ValueError, AttributeError):
            self._index = {}  # a lost index only costs re-hashing

    def save_index(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            data = json.dumps({"version": INDEX_VERSION, "files": self._index}, separators=(",", ":"))
            self._dirty = False
        tmp = self.tmp / "index.json"
        tmp.write_text(data)
        os.replace(tmp, self.root / "index.json")

    def source_hash(self, path: Path, stopped: Callable[[], bool] = lambda: False) -> str:
        """The content hash of a file, from the stat index when the file has not changed."""
        st = path.stat()
        name = str(path.resolve())
        with self._lock:
            known = self._index.get(name)
        if known and known[:3] == [st.st_size, st.st_mtime_ns, st.st_ino]:
            return str(known[3])
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if stopped():
                    raise Interrupted
                digest.update(chunk)
        value = digest.hexdigest()
        with self._lock:
            self._index[name] = [st.st_size, st.st_mtime_ns, st.st_ino, value]
            self._dirty = True
            self.stats.hashed += 1
        return value

    # -- objects -----------------------------------------------------------------------------

    def path(self, key: str, suffix: str = "") -> Path:
        return self.objects / key[:2] / (key + suffix)

    def has(self, key: str, suffix: str = "") -> bool:
        found = self.path(key, suffix).is_file()
        if found:
            with self._lock:
                self.stats.hits += 1
        return found

    def temp_path(self, suffix: str = "") -> Path:
        return self.tmp / (secrets.token_hex(8) + suffix)

    def commit(self, tmp: Path, key: str, suffix: str = "") -> Path:
        """Move a finished temp file into the cache: flushed first, then one atomic rename."""
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        target = self.path(key, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        with self._lock:
            self.stats.made += 1
        return target

    def put_bytes(self, key: str, suffix: str, data: bytes) -> Path:
        tmp = self.temp_path(suffix)
        tmp.write_bytes(data)
        return self.commit(tmp, key, suffix)

    def put_json(self, key: str, value: Any) -> Path:
        return self.put_bytes(key, ".json", json.dumps(value, separators=(",", ":")).encode())

    def read_json(self, key: str) -> Any | None:
        try:
            value = json.loads(self.path(key, ".json").read_bytes())
        except (OSError, ValueError):
            return None
        with self._lock:
            self.stats.hits += 1
        return value

    # -- cleaning up -------------------------------------------------------------------------

    def close(self) -> None:
        """Save the index and drop this run's temp folder (what a stopped job left there)."""
        try:
            self.save_index()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def _clean_stale_tmp(tmp_root: Path) -> None:
        """Temp folders of builds that were killed; those of running builds are left alone."""
        for entry in tmp_root.iterdir():
            pid = entry.name.split("-", 1)[0]
            if not pid.isdigit() or not _pid_alive(int(pid)):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


@dataclass(frozen=True)
class GcStats:
    removed: int
    removed_bytes: int
    kept: int
    kept_bytes: int
    index_dropped: int


def gc(root: Path, keep_keys: Iterable[str]) -> GcStats:
    """Remove every object whose key is not in `keep_keys`, and index entries of gone files.

    Run it between builds: a build running at the same time may lose objects it just made.
    """
    keep = set(keep_keys)
    removed = removed_bytes = kept = kept_bytes = 0
    objects = root / "objects"
    for folder in sorted(objects.iterdir()) if objects.is_dir() else []:
        for entry in folder.iterdir() if folder.is_dir() else []:
            size = entry.stat().st_size
            if entry.name.split(".", 1)[0] in keep:
                kept, kept_bytes = kept + 1, kept_bytes + size
            else:
                entry.unlink(missing_ok=True)
                removed, removed_bytes = removed + 1, removed_bytes + size
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    dropped = 0
    index_file = root / "index.json"
    try:
        data = json.loads(index_file.read_text())
        files = data.get("files", {})
        alive = {name: entry for name, entry in files.items() if os.path.exists(name)}
        dropped = len(files) - len(alive)
        if dropped:
            tmp = root / f"index.json.{secrets.token_hex(4)}.tmp"
            tmp.write_text(json.dumps({"version": INDEX_VERSION, "files": alive}, separators=(",", ":")))
            os.replace(tmp, index_file)
    except (OSError, ValueError, AttributeError):
        pass
    if (root / "tmp").is_dir():
        AudioCache._clean_stale_tmp(root / "tmp")
    return GcStats(removed, removed_bytes, kept, kept_bytes, dropped)
