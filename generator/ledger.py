"""A full build's bookkeeping: which files each unit wrote, noted as they stream to the writer.

The manifest is what lets a later build rewrite one unit and delete exactly the files that unit
no longer makes (incremental.py). It is kept beside the writer rather than asked of the units, so
the site is still rendered one unit at a time and never held whole.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from tunecamp.generator.catalog.scan import ScanState
from tunecamp.generator.media.model import Media
from tunecamp.generator.output import Output
from tunecamp.generator.problems import Problem
from tunecamp.generator.snapshot import Built
from tunecamp.generator.units import Unit, owner


class Ledger:
    def __init__(self) -> None:
        self.manifest: dict[Unit, set[str]] = defaultdict(set)

    def recorded(self, outputs: Iterable[Output]) -> Iterator[Output]:
        """`outputs` as they are, each noted under its unit on its way to the writer."""
        seen: set[str] = set()
        for out in outputs:
            if out.path in seen:  # a bug in the generator, not in content: fail loudly
                raise RuntimeError(f"two outputs claim {out.path}")
            seen.add(out.path)
            self.manifest[owner(out.path)].add(out.path)
            yield out

    def read_site(self, out_dir: Path) -> None:
        """Note the files of a site already written (a watch session starting on a built site)."""
        skip = len(str(out_dir)) + 1
        for folder, _, files in os.walk(out_dir):
            for name in files:
                path = os.path.join(folder, name)[skip:]
                self.manifest[owner(path)].add(path)

    def built(self, scan: ScanState, media: Media, media_problems: Iterable[Problem]) -> Built:
        return Built.of(scan, media, media_problems, self.manifest)
