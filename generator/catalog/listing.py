"""A release folder as the reader sees it: its files listed once, and where its problems go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tunecamp.generator.problems import Problems

AUDIO_EXTS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".wav", ".aif", ".aiff"})


@dataclass(frozen=True)
class Listing:
    """A release folder's visible files and sub-folders, read once: every later question about
    which files exist is a set lookup, not a stat (a label's scan asks tens of thousands)."""

    files: frozenset[str]
    folders: frozenset[str]

    @classmethod
    def of(cls, folder: Path) -> Listing:
        files, folders = set(), set()
        with os.scandir(folder) as entries:
            for e in entries:
                if e.name.startswith("."):
                    continue
                if e.is_file():
                    files.add(e.name)
                elif e.is_dir():
                    folders.add(e.name)
        return cls(frozenset(files), frozenset(folders))

    def audio(self, folder: Path) -> list[Path]:
        return sorted(folder / n for n in self.files if os.path.splitext(n)[1].lower() in AUDIO_EXTS)


@dataclass(frozen=True)
class Folder:
    """The release folder being read: what it holds, and where its problems are reported."""

    path: Path
    meta: Path  # its release.yaml, which keys are reported against
    listing: Listing
    problems: Problems
