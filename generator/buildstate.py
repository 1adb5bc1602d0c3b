"""What the last build was made from, so an unchanged catalog rebuilds in milliseconds.

The state is a digest of every input's path, size and mtime (content/, the theme, the
generator's own code and the build options) plus the identity of the output folder it
produced. It is written atomically after the new site is swapped in: a build killed
before that leaves the old state, which no longer matches, so the next build runs in
full and repairs whatever was interrupted.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tunecamp.generator.problems import Problem
from tunecamp.generator.report import Summary

FORMAT = 3


def _walk(root: Path) -> Iterable[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every file under root that a build reads.

    Hidden entries and __pycache__ are left out (the scanner ignores dot-files, and a `.git`
    inside content/ must not make every `git status` a rebuild); folder symlinks are followed,
    as the scanner follows them, each real folder once so a loop ends.
    """
    stack, seen = [root], set()
    skip = len(os.path.join(str(root), ""))  # every path below starts with root + "/": cheaper than relpath
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError:  # vanished or unreadable: the scan reports it, the digest just differs
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir():
                    stack.append(Path(entry.path))
                    continue
                st = entry.stat()
            except OSError:
                continue
            yield entry.path[skip:], st.st_size, st.st_mtime_ns


def inputs_digest(roots: Iterable[Path], extra: str = "") -> str:
    """A digest that changes when any file under `roots` is added, removed, resized or touched."""
    return read_inputs(roots, None, extra).digest


@dataclass(frozen=True)
class Inputs:
    digest: str  # of every input: `rest` and every folder's digest
    rest: str  # of every input outside the release folders
    folders: dict[str, str]  # release folder name -> digest of the files in it
    # files of the data folder the site shows (the daemon's exports: "federation/interactions.json")
    data: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rest: str, folders: dict[str, str], data: dict[str, str] | None = None) -> Inputs:
        # Made of the parts, so that a watch session that re-read some release folders can say
        # what its site is made of by digesting only those folders (`with_folders`).
        h = hashlib.blake2b(rest.encode(), digest_size=20)
        for name in sorted(folders):
            h.update(f"\0{name}\0{folders[name]}".encode())
        data = data or {}
        for name in sorted(data):
            h.update(f"\1{name}\0{data[name]}".encode())
        return cls(h.hexdigest(), rest, folders, data)

    def with_data(self, changed: dict[str, str | None]) -> Inputs:
        """These inputs with some data files' digests replaced (None: the file is gone)."""
        data = dict(self.data)
        for name, digest in changed.items():
            if digest is None:
                data.pop(name, None)
            else:
                data[name] = digest
        return Inputs.of(self.rest, self.folders, data)

    def with_folders(self, changed: dict[str, str | None]) -> Inputs:
        """These inputs with some release folders' digests replaced (None: the folder is gone)."""
        folders = dict(self.folders)
        for name, digest in changed.items():
            if digest is None:
                folders.pop(name, None)
            else:
                folders[name] = digest
        return Inputs.of(self.rest, folders, self.data)


def read_inputs(roots: Iterable[Path], content_dir: Path | None, extra: str = "") -> Inputs:
    """One walk: the digest of every input, and one digest per folder of content_dir/releases/."""
    rest = hashlib.blake2b(digest_size=20)
    rest.update(f"{FORMAT}\0{extra}\0".encode())
    folders: dict[str, Any] = {}
    for root in roots:
        rest.update(f"{root}\0".encode())
        releases = root == content_dir
        for rel, size, mtime in sorted(_walk(root)):
            line = f"{rel}\0{size}\0{mtime}\n".encode()
            if releases and rel.startswith("releases/") and rel.count("/") >= 2:
                folders.setdefault(rel.split("/", 2)[1], hashlib.blake2b(digest_size=20)).update(line)
            else:
                rest.update(line)
    return Inputs.of(rest.hexdigest(), {name: f.hexdigest() for name, f in folders.items()})


def folder_digest(content_dir: Path, name: str) -> str | None:
    """The digest `read_inputs` gives the release folder `name` (None when it holds no file)."""
    h, prefix = hashlib.blake2b(digest_size=20), f"releases/{name}/"
    lines = sorted(_walk(content_dir / "releases" / name))
    for rel, size, mtime in lines:
        h.update(f"{prefix}{rel}\0{size}\0{mtime}\n".encode())
    return h.hexdigest() if lines else None


def output_identity(out_dir: Path) -> str | None:
    """Changes when the output folder is replaced or its top level is edited."""
    try:
        st = out_dir.stat()
    except OSError:
        return None
    return f"{st.st_ino}:{st.st_mtime_ns}"


@dataclass(frozen=True)
class BuildState:
    inputs: str
    output: str | None
    summary: Summary
    problems: tuple[Problem, ...]

    @classmethod
    def load(cls, path: Path) -> BuildState | None:
        try:
            data = json.loads(path.read_text())
            kept = data["summary"]
            summary = Summary(int(kept["releases"]), int(kept["tracks"]), tuple(kept["drafts"]))
            problems = tuple(
                Problem(p["level"], Path(p["path"]), p["message"], p.get("key")) for p in data["problems"]
            )
            return cls(str(data["inputs"]), data.get("output"), summary, problems)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, path: Path) -> None:
        data = {
            "inputs": self.inputs,
            "output": self.output,
            "summary": {
                "releases": self.summary.releases,
                "tracks": self.summary.tracks,
                "drafts": list(self.summary.drafts),
            },
            "problems": [
                {"level": p.level, "path": str(p.path), "message": p.message, "key": p.key}
                for p in self.problems
            ],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def state_file(cache_dir: Path, out_dir: Path) -> Path:
    """Where the state of the last build into `out_dir` is kept."""
    return cache_dir / f"build-{hashlib.sha1(str(out_dir).encode()).hexdigest()[:12]}.json"


def forget_builds(cache_dir: Path) -> None:
    """Make the next build into every output of this cache run in full (not skipped, nor resumed:
    a snapshot is trusted only with its state), e.g. once damaged cache files were removed."""
    for state in cache_dir.glob("build-*.json"):
        state.unlink(missing_ok=True)


_OUR_CODE = Path(__file__).resolve().parent  # the generator's own code: every wing is under it


def input_roots(content_dir: Path) -> list[Path]:
    """Everything a build reads: content/, the themes, a theme outside content/, our own code."""
    roots = [content_dir, Path(str(importlib.resources.files("tunecamp.themes"))), _OUR_CODE]
    catalog_yaml = content_dir / "catalog.yaml"
    try:
        theme = (yaml.safe_load(catalog_yaml.read_text(encoding="utf-8")) or {}).get("theme")
    except (OSError, ValueError, yaml.YAMLError, AttributeError):
        theme = None
    if isinstance(theme, str) and ("/" in theme or theme.startswith((".", "~"))):
        folder = Path(theme).expanduser()
        folder = folder if folder.is_absolute() else content_dir / folder
        if not folder.resolve().is_relative_to(content_dir):
            roots.append(folder.resolve())
    return roots


def watched_roots(content_dir: Path) -> list[Path]:
    """What a watch session watches: content/ and the themes (not our own code)."""
    return [root for root in input_roots(content_dir) if root != _OUR_CODE]
