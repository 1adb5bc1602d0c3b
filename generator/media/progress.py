"""Telling the person at the terminal how the media stage is going.

The media stage reports to a `Progress`: a rich bar with an ETA (weighted by audio length,
since a long track takes longer), a line per file in verbose mode, or nothing at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichBar


class Progress(Protocol):
    def start(self, files: int, seconds: float) -> None:
        """`files` sources to go through, `seconds` of audio among them."""

    def advance(self, path: Path, seconds: float, status: str, detail: str = "") -> None:
        """One source done: status is cached, made or failed."""

    def stop(self) -> None: ...


class QuietProgress:
    def start(self, files: int, seconds: float) -> None:
        pass

    def advance(self, path: Path, seconds: float, status: str, detail: str = "") -> None:
        pass

    def stop(self) -> None:
        pass


class BarProgress:
    """A progress bar on stderr (only on a terminal), and per-file lines when verbose."""

    def __init__(self, verbose: bool = False, console: Console | None = None) -> None:
        self.verbose = verbose
        self.console = console or Console(stderr=True, highlight=False)
        self._bar: RichBar | None = None
        self._task: TaskID | None = None
        self._files = self._done = 0

    def start(self, files: int, seconds: float) -> None:
        self._files, self._done = files, 0
        if self.console.is_terminal and files:
            self._bar = RichBar(
                TextColumn("audio {task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._task = self._bar.add_task(f"0/{files}", total=max(seconds, 1e-3))
            self._bar.start()

    def advance(self, path: Path, seconds: float, status: str, detail: str = "") -> None:
        self._done += 1
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=seconds, description=f"{self._done}/{self._files}")
        if self.verbose:  # failures also come back as problems, which the build prints
            colour = {"cached": "dim", "made": "green", "failed": "red"}.get(status, "default")
            line = f"[{colour}]{status:>6}[/{colour}] {path}" + (f"  {detail}" if detail else "")
            self.console.print(line, soft_wrap=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
