"""Incremental rebuilds through the real watcher: each change rebuilds what it reaches, nothing else.

Every test edits the example catalog under a running `watch()` whose rebuilds go through one
`BuildSession`, then checks two things: the site is byte for byte what a clean full build of
the edited content makes (nothing missing, nothing stale), and every file whose bytes did not
change kept its mtime (so only real changes get deployed).
"""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import tag_file

from tunecamp.generator.build import build
from tunecamp.generator.buildstate import state_file, watched_roots
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.report import BuildReport
from tunecamp.generator.session import BuildSession
from tunecamp.generator.units import owner
from tunecamp.generator.watch import WatchTiming, watch

EXAMPLE = Path(__file__).resolve().parents[2] / "content"
pytestmark = pytest.mark.slow


@dataclass
class Watched:
    content: Path
    out: Path
    session: BuildSession
    options: BuildOptions
    reports: list[BuildReport] = field(default_factory=list)
    changes: list[set[Path]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    done: threading.Condition = field(default_factory=threading.Condition)

    def rebuild(self, changed: set[Path]) -> None:
        try:
            report = self.session.build(changed)
        except BaseException as exc:
            self.errors.append(exc)
            raise
        with self.done:
            self.changes.append(changed)
            self.reports.append(report)
            self.done.notify_all()

    def edit(self, change: Callable[[], object], until: Callable[[], bool] = lambda: True) -> BuildReport:
        """Make a change, then wait for the rebuild(s) it causes; returns the last report."""
        count = len(self.reports)
        change()
        deadline = time.monotonic() + 30
        with self.done:
            while not (len(self.reports) > count and until()) and time.monotonic() < deadline:
                self.done.wait(0.1)
        assert not self.errors, self.errors
        assert len(self.reports) > count, "no rebuild followed the change"
        time.sleep(0.3)  # a second batch of the same change (a rename's two events) lands too
        return self.reports[-1]

    def clean_build(self) -> Path:
        other = self.out.parent / "clean"
        shutil.rmtree(other, ignore_errors=True)
        report = build(self.content, other, self.options)
        assert not report.skipped
        return other


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def changed_files(before: dict[str, tuple[bytes, int]], after: dict[str, tuple[bytes, int]]) -> set[str]:
    return {
        p for p in before.keys() | after.keys() if before.get(p, (b"", 0))[0] != after.get(p, (b"", 0))[0]
    }


def assert_rebuilt_exactly(w: Watched, before: dict[str, tuple[bytes, int]]) -> set[str]:
    """The site equals a clean build; untouched files kept their mtime. Returns the changed paths."""
    after = files(w.out)
    clean = {p: data for p, (data, _) in files(w.clean_build()).items()}
    assert sorted(after) == sorted(clean), "files differ from a clean build"
    for path, (data, _) in after.items():
        assert data == clean[path], f"{path} differs from a clean build"
    for path in after.keys() & before.keys():
        # a file copied from content/ (no transcoding) carries its source's mtime: when a release's
        # track slugs move between two identical files, it is the other one's (as in a full build)
        copied = not w.options.transcode and path.startswith("audio/")
        if after[path][0] == before[path][0] and not copied:
            assert after[path][1] == before[path][1], f"{path} was rewritten with the same bytes"
    return changed_files(before, after)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Watched]:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    options = BuildOptions(cache_dir=tmp_path / "cache", jobs=2)
    session = BuildSession(content, out, options, watching=True)
    first = session.build()
    assert first.ok, first.problems.items
    w = Watched(content, out, session, options)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(watched_roots(content), w.rebuild, stop, WatchTiming(debounce=0.1)),
        kwargs={"ready": ready},
        daemon=True,
    )
    thread.start()
    assert ready.wait(10)
    yield w
    stop.set()
    thread.join(10)
    session.close()


def test_a_title_edit_rebuilds_the_release_and_its_listings_only(watched: Watched) -> None:
    before = files(watched.out)
    meta = watched.content / "releases/steam-and-static/release.yaml"
    report = watched.edit(lambda: meta.write_text(meta.read_text() + "title: Steam and More Static\n"))
    assert report.ok and report.stats is not None
    changed = assert_rebuilt_exactly(watched, before)
    assert "releases/steam-and-static/index.html" in changed
    assert "releases/steam-and-static/kettle-song/index.html" in changed
    assert {
        "index.html",
        "catalog.json",
        "feed.rss",
        "search.json",
        "artists/the-kettle-hums/index.html",
        "tags/indie-pop/index.html",
    } <= changed
    # another artist's release and pages are not touched at all
    assert not any("morning-tides" in p or "aurora-lane" in p for p in changed), changed
    assert report.stats.written + report.stats.linked < 60


def test_a_new_track_appears_and_a_deleted_one_disappears(watched: Watched) -> None:
    release = watched.content / "releases/steam-and-static"
    before = files(watched.out)
    copy = release / "04 - Encore.mp3"  # tagged "Kettle Song" too: its slug is kettle-song-2
    watched.edit(
        lambda: shutil.copyfile(release / "01 - Kettle Song.mp3", copy),
        until=lambda: (watched.out / "releases/steam-and-static/kettle-song-2/index.html").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert "releases/steam-and-static/kettle-song-2/index.html" in changed
    before = files(watched.out)
    watched.edit(lambda: copy.unlink())
    changed = assert_rebuilt_exactly(watched, before)
    assert not (watched.out / "releases/steam-and-static/kettle-song-2").exists()
    assert "releases/steam-and-static/kettle-song-2/index.html" in changed


def test_a_renamed_track_file_keeps_its_pages(watched: Watched) -> None:
    # the slug comes from the title tag, not the file name: a rename changes nothing listeners see
    release = watched.content / "releases/morning-tides"
    before = files(watched.out)
    report = watched.edit(lambda: (release / "03 - Low Tide.flac").rename(release / "03 - Lowest Tide.flac"))
    assert report.ok
    assert assert_rebuilt_exactly(watched, before) == set()


def test_a_new_release_folder_is_a_draft_until_published(watched: Watched) -> None:
    before = files(watched.out)
    folder = watched.content / "releases/late-night"

    def add() -> None:
        folder.mkdir()
        shutil.copyfile(
            watched.content / "releases/steam-and-static/01 - Kettle Song.mp3", folder / "01 - Late.mp3"
        )

    report = watched.edit(add, until=lambda: "late-night" in watched.reports[-1].summary.drafts)
    assert "late-night" in report.summary.drafts
    assert assert_rebuilt_exactly(watched, before) == set()  # a draft reaches nothing
    before = files(watched.out)
    watched.edit(
        lambda: (folder / "release.yaml").write_text("status: published\ntitle: Late Night\n"),
        until=lambda: (watched.out / "releases/late-night/index.html").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert "releases/late-night/index.html" in changed and "index.html" in changed


def test_a_deleted_and_a_renamed_release(watched: Watched) -> None:
    before = files(watched.out)
    watched.edit(
        lambda: shutil.rmtree(watched.content / "releases/steam-and-static"),
        until=lambda: not (watched.out / "releases/steam-and-static").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert not any(
        p.startswith(("audio/steam-and-static", "downloads/steam-and-static")) for p in files(watched.out)
    )
    assert "releases/steam-and-static/index.html" in changed
    before = files(watched.out)
    releases = watched.content / "releases"
    watched.edit(
        lambda: (releases / "morning-tides").rename(releases / "evening-tides"),
        until=lambda: not (watched.out / "releases/morning-tides").exists(),
    )
    assert_rebuilt_exactly(watched, before)


def test_a_new_cover_replaces_the_drawn_one(watched: Watched) -> None:
    before = files(watched.out)
    cover = watched.content / "releases/morning-tides/cover.jpg"
    target = watched.content / "releases/steam-and-static/cover.jpg"
    watched.edit(
        lambda: shutil.copyfile(cover, target),
        until=lambda: not (watched.out / "releases/steam-and-static/cover.png").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert "releases/steam-and-static/cover.png" in changed
    assert not any("morning-tides/" in p for p in changed)


def test_a_retagged_track_moves_to_its_new_page(watched: Watched) -> None:
    before = files(watched.out)
    track = watched.content / "releases/steam-and-static/01 - Kettle Song.mp3"
    watched.edit(
        lambda: tag_file(track, {"title": "Kettle Song (Live)"}),
        until=lambda: (watched.out / "releases/steam-and-static/kettle-song-live/index.html").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert {
        "releases/steam-and-static/kettle-song/index.html",
        "releases/steam-and-static/kettle-song-live/index.html",
    } <= changed
    assert not (watched.out / "releases/steam-and-static/kettle-song").exists()
    assert not any("morning-tides" in p for p in changed)


def test_a_deleted_cover_is_drawn_instead(watched: Watched) -> None:
    before = files(watched.out)
    cover = watched.content / "releases/b-sides-for-friends/cover.jpg"
    watched.edit(
        lambda: cover.unlink(),
        until=lambda: (watched.out / "releases/b-sides-for-friends/cover.png").exists(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert "releases/b-sides-for-friends/cover.png" in changed
    assert "releases/b-sides-for-friends/cover.jpg" not in files(watched.out)  # the drawn one's sizes only
    assert "releases/b-sides-for-friends/cover-640.jpg" in changed


def test_a_template_edit_rerenders_and_only_changed_pages_are_written(watched: Watched) -> None:
    theme = watched.content / "mytheme"
    (theme / "templates").mkdir(parents=True)
    catalog = watched.content / "catalog.yaml"
    watched.edit(
        lambda: catalog.write_text(catalog.read_text().replace("theme: default", "theme: ./mytheme"))
    )
    before = files(watched.out)
    tag = (Path(__file__).resolve().parents[2] / "themes/default/templates/tag.html").read_text()
    report = watched.edit(
        lambda: (theme / "templates/tag.html").write_text(tag.replace("</h1>", " (tag)</h1>")),
        until=lambda: "(tag)" in (watched.out / "tags/ambient/index.html").read_text(),
    )
    assert report.stats is not None
    rendered = report.stats.written + report.stats.unchanged + report.stats.linked
    assert rendered == len([p for p in before if p.startswith("tags/") and p != "tags/index.html"])
    changed = assert_rebuilt_exactly(watched, before)
    assert changed == {p for p in files(watched.out) if p.startswith("tags/") and p != "tags/index.html"}


def test_a_catalog_change_rebuilds_everything(watched: Watched) -> None:
    before = files(watched.out)
    catalog = watched.content / "catalog.yaml"
    watched.edit(
        lambda: catalog.write_text(catalog.read_text().replace("Example Records", "Sample Records")),
        until=lambda: "Sample Records" in (watched.out / "index.html").read_text(),
    )
    changed = assert_rebuilt_exactly(watched, before)
    assert {p for p in files(watched.out) if p.endswith(".html")} <= changed


def test_a_broken_file_is_reported_and_the_next_save_fixes_it(watched: Watched) -> None:
    meta = watched.content / "releases/morning-tides/release.yaml"
    good = meta.read_text()
    report = watched.edit(lambda: meta.write_text(good + "title: [unclosed\n"))
    assert not report.ok
    assert any(p.path == meta for p in report.problems.errors)
    report = watched.edit(lambda: meta.write_text(good))
    assert report.ok
    assert (watched.out / "releases/morning-tides/index.html").exists()


@pytest.mark.parametrize("killed_in", ["render", "renames"])
def test_an_interrupted_incremental_build_is_repaired_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killed_in: str
) -> None:
    import tunecamp.generator.incremental as incremental_module
    import tunecamp.generator.output as output_module

    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(cache_dir=tmp_path / "cache", jobs=2)
    session = BuildSession(content, out, options, watching=True)
    session.build()
    before = files(out)
    calls: list[int] = []
    real = incremental_module.render_unit if killed_in == "render" else output_module.os.replace

    def dies_halfway(*args: object) -> object:
        if killed_in == "render" or str(args[1]).startswith(str(out)):  # renames into the site only
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt  # as if killed there
        return real(*args)  # type: ignore[operator]

    if killed_in == "render":
        monkeypatch.setattr(incremental_module, "render_unit", dies_halfway)
    else:
        monkeypatch.setattr(output_module.os, "replace", dies_halfway)
    meta = content / "releases/steam-and-static/release.yaml"
    meta.write_text(meta.read_text() + "title: Half Built\n")
    with pytest.raises(KeyboardInterrupt):
        session.build({meta})
    monkeypatch.undo()
    if killed_in == "render":
        assert files(out) == before  # nothing was renamed into the site yet, and its state still holds
        assert state_file(tmp_path / "cache", out).exists()
    else:
        assert files(out) != before  # one file already new, the others old:
        assert not state_file(tmp_path / "cache", out).exists()  # the journal says so
    assert not (tmp_path / ".public.incoming").exists()
    report = build(content, out, options)
    assert not report.skipped and report.ok
    w = Watched(content, out, session, options)
    assert_rebuilt_exactly(w, files(out))
    assert "Half Built" in (out / "releases/steam-and-static/index.html").read_text()


def test_a_session_starting_on_a_built_site_writes_nothing_until_a_change(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(cache_dir=tmp_path / "cache", jobs=2)
    assert build(content, out, options).ok
    before = files(out)
    session = BuildSession(content, out, options, watching=True)
    first = session.build()
    assert first.stats is None and first.catalog is not None  # read, not rebuilt
    assert files(out) == before
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Morning Tides (Remastered)\n")
    report = session.build({meta})
    assert report.stats is not None and report.stats.written > 0
    changed = assert_rebuilt_exactly(Watched(content, out, session, options), before)
    assert "releases/morning-tides/index.html" in changed


def test_without_publish_errors_a_broken_save_keeps_the_last_good_site(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(cache_dir=tmp_path / "cache", jobs=2)
    session = BuildSession(content, out, options, watching=True, publish_errors=False)
    assert session.build().ok
    before = files(out)
    meta = content / "releases/morning-tides/release.yaml"
    good = meta.read_text()
    meta.write_text(good + "status: [broken\n")
    report = session.build({meta})
    assert not report.ok and report.stats is None
    assert any(p.path == meta for p in report.problems.errors)
    assert files(out) == before  # the release is still there, nothing was touched
    meta.write_text(good + "title: Fixed Tides\n")
    report = session.build({meta})
    assert report.ok
    assert "Fixed Tides" in (out / "releases/morning-tides/index.html").read_text()


def test_an_edit_saved_while_another_release_is_broken_is_published_with_the_fix(tmp_path: Path) -> None:
    content, out = tmp_path.resolve() / "content", tmp_path.resolve() / "public"
    shutil.copytree(EXAMPLE, content)
    session = BuildSession(
        content,
        out,
        BuildOptions(transcode=False, cache_dir=tmp_path / "cache"),
        watching=True,
        publish_errors=False,
    )
    session.build()
    tides = content / "releases/morning-tides/release.yaml"
    steam = content / "releases/steam-and-static/release.yaml"
    good = tides.read_text()
    steam.write_text(steam.read_text() + "title: Steam, Again\n")
    tides.write_text("status: published\ntitle: [oops\n")
    assert not session.build({steam, tides}).ok
    tides.write_text(good)
    assert session.build({tides}).ok  # the fix alone: the edit saved with the broken file comes along
    assert "Steam, Again" in (out / "releases/steam-and-static/index.html").read_text()


@pytest.mark.parametrize(
    ("seed", "fresh_process"), [(1, False), (2, False), (3, False), (4, True), (5, True)]
)
def test_random_edits_always_match_a_clean_build(tmp_path: Path, seed: int, fresh_process: bool) -> None:
    """Thirty random edits of every kind, each rebuilt incrementally and checked against a clean build:
    by one watch session, or (`fresh_process`) by `build()` as `tunecamp build` runs, from the snapshot."""
    rng = random.Random(seed)
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    session = BuildSession(content, out, options, watching=True)
    session.build()
    releases = content / "releases"
    genres = ["ambient", "electronic", "indie pop", "noise", "Jazz", "jazz"]
    cover = EXAMPLE / "releases/morning-tides/cover.jpg"

    def append(folder: Path, line: str) -> set[Path]:
        meta = folder / "release.yaml"
        meta.write_text((meta.read_text() if meta.exists() else "") + line + "\n")
        return {meta}

    def audio(folder: Path) -> list[Path]:
        return sorted(
            p for p in folder.iterdir() if p.suffix in (".mp3", ".ogg", ".opus", ".flac", ".wav", ".m4a")
        )

    def edit(folder: Path, n: int) -> set[Path]:
        kind = rng.choice(
            [
                "title",
                "status",
                "genres",
                "artist",
                "date",
                "copy",
                "delete",
                "cover",
                "rename",
                "slug",
                "notes",
                "settings",
            ]
        )
        if kind == "title":
            return append(folder, f"title: Title {n}")
        if kind == "status":
            return append(folder, f"status: {rng.choice(['published', 'published', 'unlisted', 'draft'])}")
        if kind == "genres":
            return append(folder, f"genres: [{', '.join(rng.sample(genres, rng.randint(0, 3)))}]")
        if kind == "artist":
            return append(
                folder, f"artist: {rng.choice(['aurora-lane', 'the-kettle-hums', f'Guest {n % 2}'])}"
            )
        if kind == "date":
            return append(folder, f"date: 20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}")
        if kind == "copy":
            source = rng.choice(audio(folder))
            target = folder / f"9{n} - Copy{source.suffix}"
            shutil.copyfile(source, target)
            return {target}
        if kind == "delete" and len(audio(folder)) > 1:
            victim = rng.choice(audio(folder))
            victim.unlink()
            return {victim}
        if kind == "cover":
            target = folder / "cover.jpg"
            if target.exists():
                target.unlink()
            else:
                shutil.copyfile(cover, target)
            return {target}
        if kind == "rename":
            target = releases / f"{folder.name.split('--')[0]}--{n}"
            folder.rename(target)
            return {folder, target}
        if kind == "slug":
            return append(folder, f"slug: custom-{n}")
        if kind == "notes":
            (folder / "notes.md").write_text(f"Notes, take {n}: *new*.\n")
            return {folder / "notes.md"}
        return append(folder, rng.choice(["embed: false", "embed: true", "download: none", "download: free"]))

    for n in range(30):
        folder = rng.choice(sorted(p for p in releases.iterdir() if p.is_dir()))
        before = files(out)
        changed = edit(folder, n)
        report = build(content, out, options) if fresh_process else session.build(changed)
        assert report.stats is not None
        w = Watched(content, out, session, options)
        try:
            assert_rebuilt_exactly(w, before)
        except AssertionError as exc:
            raise AssertionError(
                f"edit {n} ({sorted(str(p.relative_to(content)) for p in changed)}): {exc}"
            ) from exc


def test_tunecamp_build_resumes_from_the_last_build_and_rebuilds_only_what_changed(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    total = build(content, out, options).stats
    assert total is not None
    before = files(out)
    meta = content / "releases/steam-and-static/release.yaml"
    meta.write_text(meta.read_text() + "title: Resumed\n")
    report = build(content, out, options)
    assert report.stats is not None and report.ok
    rendered = report.stats.written + report.stats.unchanged + report.stats.linked
    # b-sides-for-friends shows steam-and-static under "More from The Kettle Hums": it is rendered too
    mentioning = ("steam-and-static", "b-sides-for-friends")
    others = [p for p in before if owner(p)[0] == "release" and owner(p)[1] not in mentioning]
    assert others and rendered <= len(before) - len(others)  # the other releases' units were not rendered
    changed = assert_rebuilt_exactly(
        Watched(content, out, BuildSession(content, out, options), options), before
    )
    assert "releases/steam-and-static/index.html" in changed
    assert build(content, out, options).skipped  # and the state it saved is the site's

    catalog = content / "catalog.yaml"  # anything outside release folders: in full
    catalog.write_text(catalog.read_text().replace("Example Records", "Resumed Records"))
    report = build(content, out, options)
    assert report.stats is not None
    assert report.stats.written + report.stats.unchanged + report.stats.linked == len(files(out))


def test_a_snapshot_is_trusted_only_with_its_build_state(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    total = build(content, out, options).stats
    assert total is not None
    session = BuildSession(content, out, options)
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Journal\n")
    session.job.state_file.unlink()  # as an interrupted build leaves it
    report = build(content, out, options)
    assert report.stats is not None  # in full:
    assert report.stats.written + report.stats.unchanged + report.stats.linked == len(files(out))
    session.job.snapshot_file.write_bytes(b"not a pickle")
    meta.write_text(meta.read_text() + "title: Corrupt\n")
    report = build(content, out, options)  # a snapshot that cannot be read: in full, and fine
    assert report.ok and "Corrupt" in (out / "releases/morning-tides/index.html").read_text()


def test_a_watch_session_starts_from_the_snapshot_without_reading_the_catalog(tmp_path: Path) -> None:
    """`tunecamp watch` / `serve` on an unchanged catalog are ready in the time of a no-op build."""
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    assert build(content, out, options).ok
    before = files(out)
    # Same size and mtime, other bytes, and no tag cache: a scan would read the garbage (and so
    # find other tracks, or problems); starting from the snapshot reads nothing.
    (tmp_path / "cache" / "tags.pickle").unlink()
    for track in (content / "releases").rglob("*.mp3"):
        stat = track.stat()
        track.write_bytes(b"\0" * stat.st_size)
        os.utime(track, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    session = BuildSession(content, out, options, watching=True)
    first = session.build()
    assert first.stats is None and first.ok and first.catalog is not None
    assert any(r.slug == "steam-and-static" for r in first.catalog.public_releases)
    assert files(out) == before
    assert not (tmp_path / "cache" / "tags.pickle").exists()  # nothing was scanned
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Quick Start\n")
    report = session.build({meta})
    assert report.stats is not None and report.stats.written > 0
    assert "Quick Start" in (out / "releases/morning-tides/index.html").read_text()
    session.close()


def test_a_watch_session_leaves_a_state_the_next_build_resumes_from(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "public"
    shutil.copytree(EXAMPLE, content)
    options = BuildOptions(transcode=False, cache_dir=tmp_path / "cache")
    session = BuildSession(content, out, options, watching=True)
    assert session.build().ok
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Watched Once\n")
    assert session.build({meta}).stats is not None
    assert not session.job.state_file.exists()  # the journal: removed before the renames
    session.close()
    assert build(content, out, options).skipped  # the state names what the session built

    # an edit the session never built (saved as it stopped) is not claimed as built
    session = BuildSession(content, out, options, watching=True)
    assert session.build().stats is None  # resumed
    other = content / "releases/steam-and-static/release.yaml"
    other.write_text(other.read_text() + "title: Saved Too Late\n")
    session.close()
    report = build(content, out, options)
    assert not report.skipped and report.stats is not None
    assert "Saved Too Late" in (out / "releases/steam-and-static/index.html").read_text()
    assert "Watched Once" in (out / "releases/morning-tides/index.html").read_text()
    rendered = report.stats.written + report.stats.unchanged + report.stats.linked
    assert rendered < len(files(out))  # resumed, not in full
