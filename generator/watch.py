"""Watching content/ (and a theme) for changes, and rebuilding in batches.

Editors save in several steps and albums are copied in file by file: events are
collected until the folder has been quiet for `debounce` seconds, then files that are
still growing are given time to settle, and one rebuild handles the whole batch.
Editor swap files and hidden files never trigger anything. A rebuild that fails is
reported and the watcher goes on; only `stop` (or Ctrl-C) ends it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from tunecamp.generator.failures import EXPECTED, one_line

log = logging.getLogger("tunecamp.watch")

# vim (.swp, 4913, x~), emacs (#x#, .#x), kate, browsers' partial downloads, rsync temp files.
IGNORED = re.compile(r"^\.|~$|\.sw[a-p]$|^#.*#$|^4913$|\.(tmp|part|crdownload|kate-swp)$")


def ignored(path: Path, roots: Iterable[Path]) -> bool:
    """True for editor temp files and anything hidden under a watched root."""
    for root in roots:
        if path.is_relative_to(root):
            return any(IGNORED.search(part) for part in path.relative_to(root).parts)
    return True


@dataclass(frozen=True)
class WatchTiming:
    debounce: float = 0.05  # quiet time that ends a burst
    settle: float = 0.05  # how often an incomplete file is re-checked
    quiet: float = 1.0  # an unclosed file whose size has not moved this long counts as complete
    max_settle: float = 10.0  # give up waiting for a file that never stops growing


class _Collector(FileSystemEventHandler):
    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.changed: set[Path] = set()
        self.done: set[Path] = set()  # paths whose last event says they are complete (closed, gone)
        self.lock = threading.Lock()
        self.event = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":  # the file events inside say more
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        relevant = [Path(str(p)) for p in paths if p and not ignored(Path(str(p)), self.roots)]
        if relevant:
            complete = event.event_type in ("closed", "deleted", "moved")
            with self.lock:
                self.changed.update(relevant)
                if complete:
                    self.done.update(relevant)
                else:
                    self.done.difference_update(relevant)
            self.event.set()

    def drain(self) -> tuple[set[Path], set[Path]]:
        """The changed paths, and those among them that are already complete."""
        with self.lock:
            changed, self.changed = self.changed, set()
            done = self.done & changed
            self.done -= changed
        return changed, done


def _sizes(paths: Iterable[Path]) -> dict[Path, int]:
    sizes = {}
    for p in paths:
        try:
            sizes[p] = p.stat().st_size
        except OSError:  # deleted meanwhile: that is a change too, nothing to wait for
            sizes[p] = -1
    return sizes


def next_batch(collector: _Collector, stop: threading.Event, timing: WatchTiming) -> set[Path]:
    """Block until a burst of changes is over and its files are complete; empty when stopped.

    A file is complete when its writer closed it (inotify's close-write) or it was deleted or
    moved; one that never says so (other platforms, some tools) once its size has not moved
    for `quiet` seconds. A normal editor save is complete at once: no waiting at all.
    """
    while not collector.event.wait(0.2):
        if stop.is_set():
            return set()
    while True:  # debounce: a burst ends when nothing new came for `debounce` seconds
        collector.event.clear()
        if not collector.event.wait(timing.debounce):
            break
    changed, done = collector.drain()
    deadline = time.monotonic() + timing.max_settle
    sizes, still = _sizes(changed - done), 0.0
    while not changed <= done and still < timing.quiet and time.monotonic() < deadline:
        if stop.is_set():
            break
        time.sleep(timing.settle)
        more, more_done = collector.drain()
        changed |= more
        done = (done - more) | more_done
        later = _sizes(changed - done)
        still = still + timing.settle if later == sizes else 0.0
        sizes = later
    return changed


def watch(
    roots: list[Path],
    rebuild: Callable[[set[Path]], object],
    stop: threading.Event,
    timing: WatchTiming | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Call `rebuild(changed_paths)` after every settled burst of changes under `roots`."""
    timing = timing or WatchTiming()
    roots = [r.resolve() for r in roots]
    collector = _Collector(roots)
    observer = Observer()
    for root in roots:
        observer.schedule(collector, str(root), recursive=True)
    observer.start()
    if ready:
        ready.set()
    try:
        while not stop.is_set():
            changed = next_batch(collector, stop, timing)
            if not changed or stop.is_set():
                continue
            try:
                rebuild(changed)
            except Exception as exc:  # watch never dies: report and wait for the next save
                if isinstance(exc, EXPECTED) and not log.isEnabledFor(logging.DEBUG):  # `tunecamp --debug`
                    log.error("rebuild failed: %s; fix it and save again", one_line(exc))
                else:
                    log.exception("rebuild failed; fix the file and save again")
    finally:
        observer.stop()
        observer.join(timeout=5)
