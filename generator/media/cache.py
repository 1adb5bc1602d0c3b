"""The media cache: transcodes, analyses, images and zips, addressed by content.

An object's key is a hash of the source's bytes and the settings that made it, so an
unchanged file is never processed twice and a moved or renamed one is recognised. A stat
index (path, size, mtime_ns, inode → hash) saves re-reading unchanged sources. Objects are
written to a per-run temp folder and renamed into place only once complete, so a killed
build never leaves a truncated object that a later build would trust.

An object can still be damaged after it was made: the site's files are hard links to the cache's,
so a tool that rewrites a deployed file in place rewrites the cached one too, and disks fail. So
every object gets a record, `KEY.ext.sum` beside it (its size and blake2b), written before the
object is renamed in; `has` compares the size (a stat and a small read) always, and the hash when
the cache is opened with `verify` (`--clean`, `tunecamp cache verify`). A damaged object is
removed, reported (`damaged`) and made again. An object from before records were kept gets one
the first time it is used: from then on it is checked like the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_VERSION = 1
_CHUNK = 1 << 20
SUM = ".sum"  # the record beside each object: "size blake2b"


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
    recorded: int = 0  # objects made before records were kept, recorded as found


@dataclass(frozen=True)
class Damage:
    """A cache object that is not what was made: removed, so that it is made again."""

    path: Path
    reason: str
    source: Path | None = None  # the file (or release folder) it is made from, when the caller knows


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _sum_path(path: Path) -> Path:
    return path.with_name(path.name + SUM)


def _read_sum(path: Path) -> tuple[int, str] | None:
    try:  # os.read, not read_text: this runs for every object a build uses, and is most of its cost
        fd = os.open(_sum_path(path), os.O_RDONLY | os.O_CLOEXEC)
        try:
            size, digest = os.read(fd, 128).split()
        finally:
            os.close(fd)
        return int(size), digest.decode("ascii")
    except (OSError, ValueError):  # none, or cut short by a crash: as good as none
        return None


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

    def __init__(self, root: Path, verify: bool = False) -> None:
        """`verify`: check each object's hash when it is first used, not only its size."""
        self.root = root
        self.objects = root / "objects"
        self.stats = CacheStats()
        self.verify = verify
        self.damaged: list[Damage] = []
        self._checked: set[Path] = set()  # hashed during this run
        self._lock = threading.Lock()
        self._index: dict[str, list[Any]] = {}
        self._dirty = False
        self._load_index()
        tmp_root = root / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        self.clean_stale_tmp(tmp_root)
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

    def has(self, key: str, suffix: str = "", source: Path | None = None) -> bool:
        """True when the object is there and intact; a damaged one is removed (see `intact`)."""
        found = self.intact(self.path(key, suffix), source)
        if found:
            with self._lock:
                self.stats.hits += 1
        return found

    def intact(self, path: Path, source: Path | None = None) -> bool:
        """Whether the object at `path` is as it was made: its size, and with `verify` its hash.

        A damaged object is removed and added to `damaged`, naming `source`."""
        try:
            size = path.stat().st_size
        except OSError:
            return False
        record = _read_sum(path)
        if record is None:  # made before records were kept: take it as it is, once
            self._write_sum(path, size, _digest(path))
            with self._lock:
                self.stats.recorded += 1
            return True
        want_size, want_digest = record
        reason = None
        if size != want_size:
            reason = f"{size} bytes instead of {want_size}"
        elif self.verify and path not in self._checked:
            if _digest(path) != want_digest:
                reason = "its bytes are not the ones it was made with"
            with self._lock:
                self._checked.add(path)
        if reason is None:
            return True
        path.unlink(missing_ok=True)
        _sum_path(path).unlink(missing_ok=True)
        with self._lock:
            self.damaged.append(Damage(path, reason, source))
        return False

    def temp_path(self, suffix: str = "") -> Path:
        return self.tmp / (secrets.token_hex(8) + suffix)

    def commit(self, tmp: Path, key: str, suffix: str = "") -> Path:
        """Move a finished temp file into the cache: flushed first, then one atomic rename."""
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
            size = os.fstat(f.fileno()).st_size
        target = self.path(key, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write_sum(target, size, _digest(tmp))  # first: an object is never there without its record
        os.replace(tmp, target)
        with self._lock:
            self.stats.made += 1
        return target

    def _write_sum(self, target: Path, size: int, digest: str) -> None:
        tmp = self.temp_path(SUM)
        tmp.write_text(f"{size} {digest}\n")
        os.replace(tmp, _sum_path(target))

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
    def clean_stale_tmp(tmp_root: Path) -> None:
        """Temp folders of builds that were killed; those of running builds are left alone."""
        for entry in tmp_root.iterdir():
            pid = entry.name.split("-", 1)[0]
            if not pid.isdigit() or not _pid_alive(int(pid)):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
