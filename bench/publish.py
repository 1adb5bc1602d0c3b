"""Benchmark: publishing releases of a large catalog (issue 14).

    .venv/bin/python bench/publish.py [--releases 1000] [--workdir DIR]

A catalog of N release folders, each with a release.yaml of a real album's size (title, artist,
date, credits, 10 tracks, no audio: publishing never reads audio), all drafts. Measured in-process:
- publish one release by slug (`set_status`), median of 5 (each run publishes another release);
- the slug lookup alone (`find_release_folder`) for a folder whose name is its slug, and for one
  that declares another slug in its release.yaml;
- `--all-drafts`: finding every draft and publishing all of them in one call.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tunecamp.generator.catalog.publish import find_release_folder, set_status

RELEASE_YAML = """\
title: Release {i}
artist: Artist {artist}
date: 2024-03-{day:02d}
genres: [ambient, drone]
credits: |
  Recorded at home.
  Mixed by a friend.
{slug}tracks:
{tracks}"""


def make_catalog(root: Path, n: int) -> None:
    root.mkdir(parents=True)
    (root / "catalog.yaml").write_text("title: Bench\n")
    for i in range(n):
        folder = root / "releases" / f"release-{i:04d}"
        folder.mkdir(parents=True)
        tracks = "".join(f"  - file: {t:02d}.flac\n    title: Track {t}\n" for t in range(1, 11))
        slug = f"slug: declared-{i:04d}\n" if i % 10 == 0 else ""
        text = RELEASE_YAML.format(i=i, artist=i % 50, day=i % 28 + 1, slug=slug, tracks=tracks)
        (folder / "release.yaml").write_text(text)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tc-publish-", dir=args.workdir))
    try:
        root = work / "content"
        make_catalog(root, args.releases)
        n = args.releases
        by_name = [
            timed(lambda i=i: find_release_folder(root, f"release-{i:04d}")) for i in (n - 1, n - 3, 7)
        ]
        declared = [timed(lambda i=i: find_release_folder(root, f"declared-{i:04d}")) for i in (n - 10, 0)]
        one = [timed(lambda i=i: set_status(root, f"release-{i:04d}", "published")) for i in range(1, 6)]
        print(f"{n} releases:")
        print(f"  find by folder name      {statistics.median(by_name) * 1000:8.1f} ms")
        print(f"  find by declared slug    {statistics.median(declared) * 1000:8.1f} ms")
        print(f"  publish one release      {statistics.median(one) * 1000:8.1f} ms")
        try:
            from tunecamp.generator.catalog.publish import publish_many
        except ImportError:
            print(f"  publish every draft one by one (estimated) {statistics.median(one) * n:8.1f} s")
        else:
            start = time.perf_counter()
            result = publish_many(root, (), "published", all_drafts=True)
            took = time.perf_counter() - start
            print(f"  publish --all-drafts     {took:8.2f} s ({len(result.changed)} changed)")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
