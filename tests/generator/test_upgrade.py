"""A data folder left by an older TuneCamp keeps working after the generator's modules moved.

The build cache pickles the tag index and each build's snapshot, and a pickle names the module of
every class in it. Since the generator was split into catalog/, media/ and site/ (issue 11), the
modules those files name are gone (`tunecamp.generator.scan`), or are packages now
(`tunecamp.generator.media`): such a file must read as missing (cachefile.py), so the next build
reads every tag again and runs in full, once, instead of failing.
"""

from __future__ import annotations

import io
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from tunecamp.generator.build import build
from tunecamp.generator.cachefile import load_pickle
from tunecamp.generator.catalog.tagindex import FORMAT as TAGS_FORMAT
from tunecamp.generator.catalog.tagindex import TagIndex
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.session import BuildSession
from tunecamp.generator.snapshot import FORMAT as SNAPSHOT_FORMAT
from tunecamp.generator.snapshot import Snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "content"

# Where the classes a build pickles lived before issue 11 (the others kept their module).
BEFORE = {
    "tunecamp.generator.catalog.model": "tunecamp.generator.model",
    "tunecamp.generator.catalog.scan": "tunecamp.generator.scan",
    "tunecamp.generator.catalog.settings": "tunecamp.generator.settings",
    "tunecamp.generator.catalog.tags": "tunecamp.generator.tags",
    "tunecamp.generator.media.model": "tunecamp.generator.media",
}
# Every module of the generator before issue 11 that is no longer a module of that name.
MOVED = [
    "archives",
    "audiocache",
    "audiofile",
    "catalog_json",
    "content",
    "cover",
    "display",
    "feeds",
    "ffmpeg",
    "formats",
    "genres",
    "images",
    "licenses",
    "lyrics",
    "markup",
    "media",
    "mediaplan",
    "memo",
    "model",
    "oembed",
    "pagemeta",
    "pipeline",
    "playlists",
    "podcast",
    "progress",
    "publish",
    "releases",
    "render",
    "scan",
    "search_index",
    "settings",
    "sitemap",
    "skeleton",
    "slugs",
    "syndication",
    "tags",
    "tagvalues",
    "tagwrite",
    "theme",
    "timecodes",
    "transcode",
    "truncation",
    "urls",
    "views",
]


class _AsBefore(pickle._Pickler):
    """Pickles as the TuneCamp before issue 11 did: its classes under their old module names."""

    def save_global(self, obj: Any, name: str | None = None) -> None:
        old = BEFORE.get(getattr(obj, "__module__", ""))
        if old is None:
            super().save_global(obj, name)
            return
        self.save(old)
        self.save(name or obj.__qualname__)
        self.write(pickle.STACK_GLOBAL)
        self.memoize(obj)


def save_as_before(path: Path, version: int, value: object) -> None:
    """What cachefile.save_pickle wrote before issue 11."""
    buffer = io.BytesIO()
    _AsBefore(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((version, value))
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("module", MOVED)
def test_a_pickle_naming_a_module_that_moved_reads_as_missing(tmp_path: Path, module: str) -> None:
    path = tmp_path / "old.pickle"
    # protocol 0 by hand: the tuple (1, tunecamp.generator.<module>.Anything)
    path.write_bytes(f"(I1\nctunecamp.generator.{module}\nAnything\ntp0\n.".encode())
    assert load_pickle(path, 1) is None


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, BuildOptions]:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    assert build(content, out, options).ok
    return content, out, options


def test_an_old_tag_index_is_read_again(built: tuple[Path, Path, BuildOptions], tmp_path: Path) -> None:
    content, out, options = built
    tags_file = tmp_path / "cache" / "tags.pickle"
    entries = TagIndex.load(tags_file).entries
    assert entries  # the build kept what it read
    save_as_before(tags_file, TAGS_FORMAT, entries)
    assert b"tunecamp.generator.tags" in tags_file.read_bytes()
    assert TagIndex.load(tags_file).entries == {}

    assert build(content, out, options).skipped  # the tag index is a cache: nothing else depends on it
    catalog = content / "catalog.yaml"  # a change outside release folders: every tag is read
    catalog.write_text(catalog.read_text().replace("Example Records", "Upgraded Records"))
    assert build(content, out, options).ok
    assert TagIndex.load(tags_file).entries.keys() == entries.keys()  # written anew, readable


def test_an_old_snapshot_makes_the_next_build_run_in_full(
    built: tuple[Path, Path, BuildOptions], tmp_path: Path
) -> None:
    content, out, options = built
    session = BuildSession(content, out, options)
    snapshot = Snapshot.load(session.job.snapshot_file)
    assert snapshot is not None
    save_as_before(session.job.snapshot_file, SNAPSHOT_FORMAT, snapshot)
    assert b"tunecamp.generator.scan" in session.job.snapshot_file.read_bytes()
    assert Snapshot.load(session.job.snapshot_file) is None

    # only a release folder changed: this build would resume from the snapshot, if it could read it
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: After The Upgrade\n")
    report = build(content, out, options)
    assert report.ok and report.stats is not None
    files = [p for p in out.rglob("*") if p.is_file()]
    assert report.stats.written + report.stats.unchanged + report.stats.linked == len(files)  # in full
    assert "After The Upgrade" in (out / "releases/morning-tides/index.html").read_text()
    assert Snapshot.load(session.job.snapshot_file) is not None  # and the next one resumes


def test_a_watch_session_starts_on_a_site_whose_snapshot_is_old(
    built: tuple[Path, Path, BuildOptions], tmp_path: Path
) -> None:
    content, out, options = built
    session = BuildSession(content, out, options, watching=True)
    snapshot = Snapshot.load(session.job.snapshot_file)
    assert snapshot is not None
    save_as_before(session.job.snapshot_file, SNAPSHOT_FORMAT, snapshot)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    first = session.build()  # the site is up to date: read from content/, nothing written
    assert first.ok and first.stats is None and first.catalog is not None
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Watched After The Upgrade\n")
    report = session.build({meta})
    assert report.ok and report.stats is not None
    assert "Watched After The Upgrade" in (out / "releases/morning-tides/index.html").read_text()
    session.close()
