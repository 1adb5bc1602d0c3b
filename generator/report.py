"""What a build answers: what it made, the problems it found, what it wrote and how long it took."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.output import WriteStats
from tunecamp.generator.problems import Problems


@dataclass(frozen=True)
class Summary:
    """What a build made, kept so that a skipped build can say the same (and fail the same)."""

    releases: int
    tracks: int
    drafts: tuple[str, ...]

    @classmethod
    def of(cls, catalog: Catalog) -> Summary:
        public = catalog.public_releases
        drafts = tuple(r.slug for r in catalog.releases if r.status == "draft")
        return cls(len(public), sum(len(r.tracks) for r in public), drafts)


@dataclass(frozen=True)
class BuildReport:
    catalog: Catalog | None  # None when the build was skipped: nothing changed since the last one
    problems: Problems
    stats: WriteStats | None
    seconds: float
    summary: Summary

    @classmethod
    def of(
        cls, catalog: Catalog, problems: Problems, stats: WriteStats | None, started: float
    ) -> BuildReport:
        """The report of a build of `catalog` that began at `started` (time.perf_counter)."""
        return cls(catalog, problems, stats, time.perf_counter() - started, Summary.of(catalog))

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    @property
    def skipped(self) -> bool:
        return self.catalog is None
