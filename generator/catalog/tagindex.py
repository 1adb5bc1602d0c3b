"""A persisted index of tags, so a rebuild reads only the audio files that changed.

Keyed by path with the file's size and mtime: an unchanged file is answered from the
index without opening it. The index is a cache: a missing, stale or unreadable index
file only costs a cold scan, and it is written atomically so a killed build never leaves
one that lies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tunecamp.generator.cachefile import load_pickle, save_pickle
from tunecamp.generator.catalog.model import AudioInfo
from tunecamp.generator.catalog.tags import TrackTags, read_tags

FORMAT = 2  # bump when TrackTags or AudioInfo change shape

Entry = tuple[int, int, TrackTags, AudioInfo]  # size, mtime_ns, tags, info


@dataclass
class TagIndex:
    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0

    @classmethod
    def load(cls, path: Path) -> TagIndex:
        entries = load_pickle(path, FORMAT)
        return cls(path, entries if isinstance(entries, dict) else {})

    def read(self, audio: Path) -> tuple[TrackTags, AudioInfo]:
        """Tags of `audio`, from the index when its size and mtime are unchanged."""
        key = str(audio)
        st = audio.stat()
        self.used.add(key)
        entry = self.entries.get(key)
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            self.hits += 1
            return entry[2], entry[3]
        self.misses += 1
        tags, info = read_tags(audio)
        self.entries[key] = (st.st_size, st.st_mtime_ns, tags, info)
        return tags, info

    def save(self) -> None:
        """Write the entries used since loading (files gone from content/ drop out)."""
        save_pickle(self.path, FORMAT, {k: v for k, v in self.entries.items() if k in self.used})
