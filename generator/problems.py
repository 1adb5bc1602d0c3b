"""Problems found while reading content: each names the file (and key) it is about.

A build collects them instead of stopping at the first one, so one broken file never
hides the rest of the catalog; `tunecamp build` prints them and exits non-zero on errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    level: Level
    path: Path
    message: str
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}" + (f" [{self.key}]" if self.key else "")
        return f"{self.level}: {where}: {self.message}"


@dataclass
class Problems:
    """A collector passed down the scan; the only mutable thing it holds is the list."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: Path, message: str, key: str | None = None) -> None:
        self.items.append(Problem("error", path, message, key))

    def warning(self, path: Path, message: str, key: str | None = None) -> None:
        self.items.append(Problem("warning", path, message, key))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == "warning"]

    def __bool__(self) -> bool:
        return bool(self.items)
