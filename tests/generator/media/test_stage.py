from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import PNG_1PX
from mediacatalog import bad_inputs, catalog, decoded_seconds, ffmpeg_counter, release, runs, settings
from PIL import Image as PILImage
from rich.console import Console

from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.tags import read_embedded_cover, read_tags
from tunecamp.generator.media.assemble import album_loudness
from tunecamp.generator.media.cachemaint import cache_gc
from tunecamp.generator.media.model import Loudness, Media
from tunecamp.generator.media.progress import BarProgress, QuietProgress
from tunecamp.generator.media.stage import process_media
from tunecamp.generator.media.workshop import MediaOptions
from tunecamp.generator.output import write_site
from tunecamp.generator.problems import Problems

INPUTS = ["wav", "aiff", "flac", "mp3", "ogg", "opus", "m4a", "alac.m4a"]
AUDIO_SUFFIXES = {".opus", ".mp3", ".flac", ".m4a", ".ogg", ".wav", ".aiff"}
QUIET = QuietProgress()


def cover_jpeg(path: Path, size: int = 800) -> Path:
    PILImage.new("RGB", (size, size), (20, 90, 160)).save(path, "JPEG")
    return path


@pytest.fixture
def content(tmp_path: Path, make_audio) -> Path:
    """A release with a track in every input format, a cover, liner notes and an extra."""
    folder = tmp_path / "content" / "everything"
    for i, ext in enumerate(INPUTS, 1):
        make_audio(folder / f"{i:02d}-{ext.replace('.', '-')}.{ext}", seconds=1.0, freq=300 + 100 * i)
    cover_jpeg(folder / "cover.jpg")
    (folder / "notes.md").write_text("Recorded in a kitchen.\n")
    (folder / "extras").mkdir()
    (folder / "extras" / "booklet.pdf").write_bytes(b"%PDF-1.4 not really\n")
    return folder


def everything(folder: Path, **kwargs) -> Catalog:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name[:2].isdigit())
    r = release(
        folder,
        files,
        slug="everything",
        title="Everything",
        cover=folder / "cover.jpg",
        extras=[folder / "extras" / "booklet.pdf"],
        **kwargs,
    )
    return catalog(folder.parent, [r])


@pytest.fixture
def counted(tmp_path: Path, ffmpeg: str) -> tuple[str, Path]:
    return ffmpeg_counter(tmp_path, ffmpeg)


def options(tmp_path: Path, binary: str | None = None, **kwargs) -> MediaOptions:
    return MediaOptions(tmp_path / "cache", tmp_path / "private", jobs=2, ffmpeg=binary, **kwargs)


def public_files(root: Path) -> dict[str, bytes]:
    """Every file of a written site, and every member of its zips as zip-path!member."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(root))] = path.read_bytes()
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    found.update({f"{path.name}!{n}": zf.read(n) for n in zf.namelist()})
    return found


@pytest.mark.slow
def test_every_input_format_becomes_streams_downloads_and_zips(
    tmp_path: Path, content: Path, counted, ffmpeg: str
) -> None:
    binary, log = counted
    cat = everything(content)
    media, problems = process_media(cat, options(tmp_path, binary), QUIET)
    assert not problems, [str(p) for p in problems.items]
    assert len(runs(log)) == len(INPUTS)  # one ffmpeg (one decode) per source, whatever it makes
    public = tmp_path / "public"
    write_site(media.outputs, public)
    r = cat.releases[0]
    for track in r.tracks:
        tm = media.track(track)
        assert tm.duration == pytest.approx(1.0, abs=0.05), track.source.name
        assert [s.mime for s in tm.streams] == ["audio/ogg; codecs=opus", "audio/mpeg"]
        lossless = track.audio.codec in ("flac", "alac", "pcm")  # FLAC only from lossless masters
        assert [d.format for d in tm.downloads] == (["flac", "mp3-v0"] if lossless else ["mp3-v0"])
        assert len(tm.peaks) == 1000 and tm.loudness is not None and tm.channels == 1
        for item in (*tm.streams, *tm.downloads):
            path = public / item.path
            assert path.stat().st_size == item.size
            assert decoded_seconds(ffmpeg, path) == pytest.approx(1.0, abs=0.05), item.path
            tags, _ = read_tags(path)
            assert (tags.title, tags.album, tags.track_number) == (track.title, "Everything", track.number)
            assert read_embedded_cover(path) is not None
    assert "everything" in media.release_loudness
    zips = {d.format: public / d.path for d in media.release_downloads["everything"]}
    assert set(zips) == {"zip:mp3-v0"}  # some masters are lossy: no FLAC zip
    with zipfile.ZipFile(zips["zip:mp3-v0"]) as zf:
        names = sorted(zf.namelist())
        assert zf.testzip() is None
    assert names[-3:] == [
        "Ada Lovelace - Everything/cover.jpg",
        "Ada Lovelace - Everything/extras/booklet.pdf",
        "Ada Lovelace - Everything/notes.md",
    ]
    assert names[0] == "Ada Lovelace - Everything/01 - Song 01-wav.mp3" and len(names) == len(INPUTS) + 3
    cover = media.cover(r)
    assert cover.default.path == "releases/everything/cover-640.jpg"
    assert (public / "releases/everything/cover.jpg").read_bytes() == (content / "cover.jpg").read_bytes()
    # the cover is 800 pixels wide: 1280 would be an enlargement, 800 takes its place
    assert [v.width for v in cover.srcset("image/webp")] == [160, 320, 640, 800]
    assert {v.width for v in cover.srcset("image/jpeg")} == {160, 320, 640, 800}


def test_a_second_build_and_a_renamed_file_run_no_ffmpeg(tmp_path: Path, make_audio, counted) -> None:
    binary, log = counted
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / f"{n}.flac", seconds=0.5, freq=200 * n) for n in (1, 2)]
    cover_jpeg(folder / "cover.jpg", 300)
    cat = catalog(folder.parent, [release(folder, files, cover=folder / "cover.jpg")])
    first, _ = process_media(cat, options(tmp_path, binary), QUIET)
    assert len(runs(log)) == 2
    again, problems = process_media(cat, options(tmp_path, binary), QUIET)
    assert len(runs(log)) == 2 and not problems and again == first

    moved = folder / "renamed-one.flac"
    files[0].rename(moved)
    renamed = catalog(folder.parent, [release(folder, [moved, files[1]], cover=folder / "cover.jpg")])
    media, problems = process_media(renamed, options(tmp_path, binary), QUIET)
    assert len(runs(log)) == 2 and not problems
    assert media.tracks[moved].streams[0].path == "audio/r/renamed-one.opus"
    assert media.tracks[moved].peaks == first.tracks[files[0]].peaks


def test_a_tag_change_retags_without_re_encoding(tmp_path: Path, make_audio, counted) -> None:
    binary, log = counted
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / "1.flac", seconds=0.5)]
    process_media(
        catalog(folder.parent, [release(folder, files, title="Old")]), options(tmp_path, binary), QUIET
    )
    media, _ = process_media(
        catalog(folder.parent, [release(folder, files, title="New Title")]), options(tmp_path, binary), QUIET
    )
    assert len(runs(log)) == 1
    stream = next(o for o in media.outputs if o.path == "audio/r/1.opus")
    assert stream.source is not None and read_tags(stream.source)[0].album == "New Title"


def test_protected_downloads_never_reach_public(tmp_path: Path, make_audio) -> None:
    content = tmp_path / "content"
    mixed = [make_audio(content / "mixed" / f"{n}.flac", seconds=0.5, freq=300 * n) for n in (1, 2, 3)]
    sold = [make_audio(content / "sold" / f"{n}.flac", seconds=0.5, freq=1000 + 50 * n) for n in (1, 2)]
    for folder in ("mixed", "sold"):
        cover_jpeg(content / folder / "cover.jpg", 200)
    formats = ["flac", "alac", "wav", "aiff", "mp3-v0", "mp3-320", "aac", "vorbis", "opus-128"]
    cat = catalog(
        content,
        [
            release(
                content / "mixed",
                mixed,
                settings_=settings(download="free", download_formats=formats),
                cover=content / "mixed/cover.jpg",
                track_settings={
                    "2.flac": settings(download="paid", download_formats=formats),
                    "3.flac": settings(download="codes", download_formats=["flac"]),
                },
            ),
            release(
                content / "sold",
                sold,
                settings_=settings(download="paid", download_formats=["flac", "aac"]),
                cover=content / "sold/cover.jpg",
            ),
        ],
    )
    media, problems = process_media(cat, options(tmp_path), QUIET)
    assert not problems, [str(p) for p in problems.items]
    public = tmp_path / "public"
    write_site(media.outputs, public)

    private = tmp_path / "private" / "downloads"
    protected = {p: p.read_bytes() for p in private.rglob("*") if p.is_file()}
    # 2.flac in nine formats, 3.flac in flac, two tracks and two zips of the paid release
    assert len(protected) == 9 + 1 + 2 * 2 + 2
    assert all(p.stat().st_nlink >= 2 for p in protected)  # linked from the cache, not copied
    leaked = {name for name, data in public_files(public).items() if data in protected.values()}
    assert leaked == set()
    public_inodes = {p.stat().st_ino for p in public.rglob("*") if p.is_file()}
    assert public_inodes.isdisjoint(p.stat().st_ino for p in protected)
    assert not (public / "downloads/sold").exists()
    assert not list(public.glob("downloads/mixed/*/2.*")) and not list(public.glob("downloads/mixed/*/3.*"))

    by_name = {t.source.name: media.tracks[t.source] for t in cat.releases[0].tracks}
    assert len(by_name["1.flac"].downloads) == 9 and not by_name["1.flac"].protected_downloads
    assert not by_name["2.flac"].downloads and len(by_name["2.flac"].protected_downloads) == 9
    assert all((tmp_path / "private" / d.path).is_file() for d in by_name["2.flac"].protected_downloads)
    assert [d.format for d in media.protected_release_downloads["sold"]] == ["zip:flac", "zip:aac"]
    with zipfile.ZipFile(public / "downloads/mixed/mixed-flac.zip") as zf:
        assert [n for n in zf.namelist() if n.endswith(".flac")] == [
            "Ada Lovelace - An Album/01 - Song 1.flac"
        ]
    # streams stay public whatever the download policy
    assert all(len(media.tracks[t.source].streams) == 2 for r in cat.releases for t in r.tracks)


def test_a_protected_download_that_is_also_the_stream_is_reported(tmp_path: Path, make_audio) -> None:
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / "1.flac", seconds=0.5)]
    paid_high = settings(download="paid", download_formats=["mp3-v0"], streaming="high")
    _, problems = process_media(
        catalog(folder.parent, [release(folder, files, settings_=paid_high)]), options(tmp_path), QUIET
    )
    assert [p.level for p in problems.items] == ["warning"]
    assert "not really protected" in problems.items[0].message


def test_bad_inputs_are_one_line_errors_and_the_rest_builds(tmp_path: Path, make_audio) -> None:
    folder = tmp_path / "content" / "r"
    (tmp_path / "bad").mkdir()
    bad = {
        path.name: (name, expected)
        for name, (path, expected) in bad_inputs(tmp_path / "bad", make_audio).items()
    }
    folder.mkdir(parents=True)
    for name in bad:
        (tmp_path / "bad" / name).rename(folder / name)
    good = make_audio(folder / "good.flac", seconds=0.5)
    files = [good, *(folder / name for name in bad)]
    claims = {"long.flac": replace(release(folder, [good]).tracks[0].audio, duration=6 * 3600.0)}
    cat = catalog(folder.parent, [release(folder, files, infos=claims)])
    media, problems = process_media(cat, options(tmp_path), QUIET)
    errors = {p.path.name: p for p in problems.errors}
    assert set(errors) == set(bad)
    for name, (_, expected) in bad.items():
        text = str(errors[name])
        assert "\n" not in text and name in text, text
        if name != "long.flac":  # refused from its claimed length before any ffmpeg
            assert expected in text, text
        assert media.tracks[folder / name].streams == ()
    assert len(media.tracks[good].streams) == 2
    # the bad files claim lossy codecs, so the zip is the lossy stand-in of the FLAC asked for
    zipped = next(o for o in media.outputs if o.path.endswith("-mp3-v0.zip"))
    with zipfile.ZipFile(io.BytesIO(zipped.source.read_bytes())) as zf:  # type: ignore[union-attr]
        assert [n.rsplit("/", 1)[1] for n in zf.namelist()] == ["01 - Song good.mp3", "cover.png"]


def test_cache_gc_removes_what_no_source_needs(tmp_path: Path, make_audio, counted) -> None:
    binary, log = counted
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / "1.flac", seconds=0.5)]
    standard = catalog(folder.parent, [release(folder, files)])
    first, _ = process_media(standard, options(tmp_path, binary), QUIET)
    frugal = catalog(folder.parent, [release(folder, files, settings_=settings(streaming="frugal"))])
    process_media(frugal, options(tmp_path, binary), QUIET)
    old_opus = next(o.source for o in first.outputs if o.path.endswith(".opus"))
    assert old_opus is not None and old_opus.exists()
    stats = cache_gc(frugal, tmp_path / "cache")
    assert stats.removed >= 4 and stats.kept > 0  # the opus-96 and mp3-v5 encodes, tagged and not
    assert not old_opus.exists()
    before = len(runs(log))
    _, problems = process_media(frugal, options(tmp_path, binary), QUIET)
    assert len(runs(log)) == before and not problems  # gc kept everything the catalog needs
    assert cache_gc(frugal, tmp_path / "cache").removed == 0


def test_an_embedded_cover_is_used_when_the_folder_has_none(tmp_path: Path, make_audio) -> None:
    folder = tmp_path / "content" / "r"
    song = make_audio(folder / "1.m4a", seconds=0.5, cover=PNG_1PX)
    cat = catalog(folder.parent, [release(folder, [song], embedded_cover=song)])
    media, problems = process_media(cat, options(tmp_path), QUIET)
    assert not problems
    cover = media.cover(cat.releases[0])
    assert cover.default.mime == "image/jpeg" and cover.original is not None
    assert cover.original.path == "releases/r/cover.png"
    original = next(o for o in media.outputs if o.path == cover.original.path)
    assert original.source is not None and original.source.read_bytes() == PNG_1PX


def test_no_cover_anywhere_gives_the_procedural_one(tmp_path: Path, make_audio) -> None:
    folder = tmp_path / "content" / "r"
    cat = catalog(folder.parent, [release(folder, [make_audio(folder / "1.wav", seconds=0.5)])])
    media, _ = process_media(cat, options(tmp_path), QUIET)
    cover = media.cover(cat.releases[0])
    # rasterised, at the sizes real covers have: share cards and oEmbed consumers show no SVG
    assert cover.default.mime == "image/jpeg" and cover.description == "Generated cover for An Album"
    assert {v.width for v in cover.srcset("image/webp")} == {160, 320, 640, 1280}
    assert cover.original is not None and (cover.original.mime, cover.original.width) == ("image/png", 1400)
    original = next(o for o in media.outputs if o.path == "releases/r/cover.png")
    with PILImage.open(original.source) as im:  # type: ignore[arg-type]
        pixels = im.convert("RGB").get_flattened_data()
        assert im.size == (1400, 1400) and len(set(pixels)) > 100  # drawn, not blank
    again, _ = process_media(cat, options(tmp_path), QUIET)  # from the cache: drawn once
    assert again.cover(cat.releases[0]) == cover


def test_verbose_mode_prints_a_line_per_file(tmp_path: Path, make_audio) -> None:
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / f"{n}.wav", seconds=0.5) for n in (1, 2)]
    cat = catalog(folder.parent, [release(folder, files)])
    out = io.StringIO()
    progress = BarProgress(verbose=True, console=Console(file=out, width=200))
    process_media(cat, options(tmp_path), progress)
    process_media(cat, options(tmp_path), progress)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert all("made" in line and "analysis" in line for line in lines[:2])
    assert all(line.strip().startswith("cached") for line in lines[2:])


def test_album_loudness_weights_tracks_by_length() -> None:
    assert album_loudness([]) is None
    same = album_loudness([(10.0, Loudness(-14.0, -1.0)), (30.0, Loudness(-14.0, -3.0))])
    assert same == Loudness(-14.0, -1.0)
    mixed = album_loudness([(10.0, Loudness(-10.0, -1.0)), (10.0, Loudness(-20.0, -9.0))])
    assert mixed is not None and mixed.integrated_lufs == pytest.approx(-12.6, abs=0.01)


# -- killing a build ---------------------------------------------------------------------------

KILL_SECONDS = 2.0  # long enough to catch a real-time ffmpeg midway

RUNNER = """
import sys
from pathlib import Path
from mediacatalog import catalog, release
from tunecamp.generator.media.workshop import MediaOptions
from tunecamp.generator.media.stage import process_media
root = Path(sys.argv[1])
files = sorted((root / "content" / "r").glob("*.flac"))
cat = catalog(root / "content", [release(root / "content" / "r", files)])
process_media(cat, MediaOptions(root / "cache", root / "private", jobs=1, ffmpeg=sys.argv[2]))
print("finished")
"""


def slow_ffmpeg(tmp_path: Path, ffmpeg: str) -> tuple[str, Path]:
    """An ffmpeg that reads its input in real time (-re), so a test can catch it midway."""
    log = tmp_path / "slow-runs.log"
    log.touch()
    script = tmp_path / "ffmpeg-slow"
    script.write_text(f'#!/bin/sh\necho $$ >> "{log}"\nexec "{ffmpeg}" -re "$@"\n')
    script.chmod(0o755)
    return str(script), log


def start_build(tmp_path: Path, make_audio, ffmpeg: str) -> tuple[subprocess.Popen[bytes], Path]:
    for n in (1, 2):
        make_audio(tmp_path / "content" / "r" / f"{n}.flac", seconds=KILL_SECONDS, freq=300 * n)
    binary, log = slow_ffmpeg(tmp_path, ffmpeg)
    tests_dir = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(tests_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(tmp_path), binary],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return proc, log


def wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def partial_outputs(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "cache/media/tmp").rglob("*") if p.suffix in AUDIO_SUFFIXES]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


def assert_cache_sound(tmp_path: Path, ffmpeg: str) -> int:
    """Every object in the cache is whole; returns how many audio objects there are."""
    audio = 0
    for obj in (tmp_path / "cache/media/objects").rglob("*.*"):
        if obj.suffix == ".json":
            json.loads(obj.read_text())
        elif obj.suffix in AUDIO_SUFFIXES:
            assert decoded_seconds(ffmpeg, obj) == pytest.approx(KILL_SECONDS, abs=0.05), obj
            audio += 1
    return audio


@pytest.mark.slow
def test_a_killed_build_leaves_the_cache_sound(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    proc, log = start_build(tmp_path, make_audio, ffmpeg)
    try:
        # kill the build while the second track's ffmpeg is halfway through writing
        wait_for(lambda: len(runs(log)) == 2 and partial_outputs(tmp_path), "the second ffmpeg to start")
        time.sleep(1.0)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        for pid in runs(log):  # the orphaned ffmpeg would finish on its own; stop it now
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert partial_outputs(tmp_path)  # half-made files stayed in the temp folder...
    committed = assert_cache_sound(tmp_path, ffmpeg)  # ...and everything committed is whole
    assert committed == 4 * 2  # the first track: 4 files, before and after tagging

    files = sorted((tmp_path / "content/r").glob("*.flac"))
    cat = catalog(tmp_path / "content", [release(tmp_path / "content/r", files)])
    media, problems = process_media(cat, options(tmp_path), QUIET)
    assert not problems and not partial_outputs(tmp_path)  # the next build cleared the dead temp folder
    assert all(
        media.track(t).duration == pytest.approx(KILL_SECONDS, abs=0.05) for t in cat.releases[0].tracks
    )
    assert assert_cache_sound(tmp_path, ffmpeg) == 4 * 2 * 2


@pytest.mark.slow
def test_ctrl_c_stops_promptly_and_keeps_the_cache_consistent(
    tmp_path: Path, make_audio, ffmpeg: str
) -> None:
    proc, log = start_build(tmp_path, make_audio, ffmpeg)
    wait_for(lambda: runs(log) and partial_outputs(tmp_path), "the first ffmpeg to write")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in stderr
    wait_for(lambda: not any(alive(pid) for pid in runs(log)), "ffmpeg to be gone", timeout=10)
    assert len(runs(log)) == 1  # the second track never started
    assert list((tmp_path / "cache/media/tmp").iterdir()) == []  # the run cleaned up after itself
    assert assert_cache_sound(tmp_path, ffmpeg) == 0


def test_killing_ffmpeg_midway_fails_only_that_track(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    folder = tmp_path / "content" / "r"
    files = [make_audio(folder / "1.flac", seconds=KILL_SECONDS)]
    binary, log = slow_ffmpeg(tmp_path, ffmpeg)
    cat = catalog(folder.parent, [release(folder, files)])
    result: list[tuple[Media, object]] = []
    build = threading.Thread(
        target=lambda: result.append(process_media(cat, options(tmp_path, binary), QUIET))
    )
    build.start()
    wait_for(lambda: runs(log) and partial_outputs(tmp_path), "ffmpeg to start")
    time.sleep(0.5)
    os.kill(runs(log)[0], signal.SIGKILL)
    build.join(timeout=30)
    media, problems = result[0]
    assert [p.message for p in problems.errors] == ["ffmpeg was killed (SIGKILL); track skipped"]  # type: ignore[attr-defined]
    assert media.track(cat.releases[0].tracks[0]).streams == ()
    assert assert_cache_sound(tmp_path, ffmpeg) == 0


def test_the_cache_gc_command_reads_the_catalog_itself(tmp_path: Path, make_audio) -> None:
    from click.testing import CliRunner

    from tunecamp.generator.catalog.scan import scan
    from tunecamp.generator.cli import cli

    content = tmp_path / "content"
    (content / "releases" / "r").mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: T\n")
    (content / "releases" / "r" / "release.yaml").write_text("title: R\nstatus: published\n")
    make_audio(content / "releases" / "r" / "01 One.flac", seconds=0.5)
    process_media(scan(content)[0], options(tmp_path), QUIET)
    stray = tmp_path / "cache" / "media" / "objects" / "ff" / ("f" * 32 + ".mp3")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left over")
    result = CliRunner().invoke(cli, ["cache", "gc", str(content), "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    assert "removed 1 file (" in result.output and not stray.exists()
    missing = CliRunner().invoke(cli, ["cache", "gc", str(content), "--cache-dir", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "no media cache" in missing.output


def test_a_file_saved_during_its_encode_is_not_cached(tmp_path: Path, make_audio, ffmpeg: str) -> None:
    folder = tmp_path / "content" / "r"
    song = make_audio(folder / "1.flac", seconds=0.5)
    touching = tmp_path / "ffmpeg-touching"  # an "editor" saves the file while ffmpeg reads it
    touching.write_text(f'#!/bin/sh\n"{ffmpeg}" "$@"\ncode=$?\ntouch -d "2001-01-01" "{song}"\nexit $code\n')
    touching.chmod(0o755)
    cat = catalog(folder.parent, [release(folder, [song])])
    media, problems = process_media(cat, options(tmp_path, str(touching)), QUIET)
    assert ["changed while it was being read" in p.message for p in problems.errors] == [True]
    assert list((tmp_path / "cache/media/objects").rglob("*.opus")) == []
    media, problems = process_media(cat, options(tmp_path), QUIET)
    assert not problems and len(media.track(cat.releases[0].tracks[0]).streams) == 2


def test_lossless_downloads_only_from_lossless_masters(tmp_path: Path, make_audio) -> None:
    from tunecamp.generator.media.plan import check_download_formats

    lossy, lossless = tmp_path / "content" / "lossy", tmp_path / "content" / "lossless"
    asks = settings(download="free", download_formats=["flac", "mp3-v0", "wav"])
    rel_lossy = release(lossy, [make_audio(lossy / "1.mp3", seconds=0.5)], settings_=asks)
    rel_lossless = release(lossless, [make_audio(lossless / "1.flac", seconds=0.5)], settings_=asks)
    media, _ = process_media(
        catalog(tmp_path / "content", [rel_lossy, rel_lossless]), options(tmp_path), QUIET
    )
    formats = {
        r: [d.format for d in media.tracks[r.tracks[0].source].downloads] for r in (rel_lossy, rel_lossless)
    }
    assert formats[rel_lossy] == ["mp3-v0"]
    assert formats[rel_lossless] == ["flac", "mp3-v0", "wav"]
    zips = sorted(o.path.rsplit("/", 1)[1] for o in media.outputs if o.path.endswith(".zip"))
    assert [z for z in zips if "lossy" in z] == ["lossy-mp3-v0.zip"]
    problems = Problems()
    check_download_formats([rel_lossy, rel_lossless], problems)
    assert [p.level for p in problems.items] == ["warning"]
    assert "'lossy' asks for flac, wav downloads, but 1.mp3 is lossy" in problems.items[0].message
